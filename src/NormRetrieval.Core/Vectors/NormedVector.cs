namespace NormRetrieval.Vectors;

/// <summary>
/// A raw embedding split into its unit direction and its Euclidean norm, so that
/// <c>raw = Direction × Norm</c> up to float rounding.
/// </summary>
/// <param name="Direction">The unit-length direction (L2 norm 1 within float precision).</param>
/// <param name="Norm">The Euclidean norm of the raw vector; finite and strictly positive.</param>
public readonly record struct NormedVector(ReadOnlyMemory<float> Direction, float Norm)
{
    /// <summary>The number of components.</summary>
    public int Dimension => Direction.Length;

    /// <summary>Rebuilds the raw vector (<c>Direction × Norm</c>).</summary>
    /// <returns>A new array holding the raw vector.</returns>
    public float[] ToRaw()
    {
        var raw = new float[Direction.Length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(Direction.Span, Norm, raw);
        return raw;
    }
}
