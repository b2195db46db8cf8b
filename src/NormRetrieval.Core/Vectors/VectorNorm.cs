using System.Numerics.Tensors;

namespace NormRetrieval.Vectors;

/// <summary>
/// Splits raw embeddings into a unit direction and a norm — the one piece of information every other
/// vector store throws away.
/// </summary>
/// <remarks>All members are pure and thread-safe.</remarks>
public static class VectorNorm
{
    /// <summary>The smallest positive normal float (2^-126); below it a float loses digits.</summary>
    private const float SmallestNormalFloat = 1.17549435E-38f;

    /// <summary>
    /// Computes the Euclidean norm of <paramref name="raw"/>, robust to overflow of the sum of squares.
    /// </summary>
    /// <param name="raw">The vector.</param>
    /// <returns>The norm as a double.</returns>
    /// <exception cref="InvalidVectorException">The vector is empty or holds NaN or infinity.</exception>
    public static double Norm(ReadOnlySpan<float> raw)
    {
        Validate(raw, expectedDimension: null, nameof(raw));
        return NormUnchecked(raw);
    }

    /// <summary>
    /// Splits <paramref name="raw"/> into its norm and its direction, written to <paramref name="direction"/>.
    /// </summary>
    /// <param name="raw">The raw vector, as the encoder produced it.</param>
    /// <param name="direction">Receives the unit direction; must be as long as <paramref name="raw"/> (it may be the same memory).</param>
    /// <param name="expectedDimension">When given, the dimension the vector must have.</param>
    /// <returns>The norm of <paramref name="raw"/>, finite and strictly positive.</returns>
    /// <exception cref="InvalidVectorException">The vector is empty, has the wrong dimension, holds NaN or infinity, is all zeros, or its norm is not a normal float.</exception>
    /// <exception cref="ArgumentException"><paramref name="direction"/> has a different length.</exception>
    public static float Split(ReadOnlySpan<float> raw, Span<float> direction, int? expectedDimension = null)
    {
        Validate(raw, expectedDimension, nameof(raw));
        if (direction.Length != raw.Length)
        {
            throw new ArgumentException($"The destination has {direction.Length} components but the vector has {raw.Length}.", nameof(direction));
        }

        double norm = NormUnchecked(raw);
        if (norm == 0)
        {
            throw new InvalidVectorException(VectorProblem.Zero, "The vector is all zeros and has no direction.", nameof(raw));
        }

        if (norm > float.MaxValue || norm < SmallestNormalFloat)
        {
            // Stored as a float, such a norm would be clamped or lose its digits: refuse, never store it wrong.
            throw new InvalidVectorException(
                VectorProblem.NormOutOfRange,
                $"The vector's norm {norm:R} is outside the range of normal floats ({SmallestNormalFloat:R} to {float.MaxValue:R}); rescale the embedding.",
                nameof(raw));
        }

        if (norm < 1e-30 || norm > 1e30)
        {
            // Extreme but representable: divide in double so the direction is unit to float precision.
            for (int i = 0; i < raw.Length; i++)
            {
                direction[i] = (float)(raw[i] / norm);
            }

            return (float)norm;
        }

        TensorPrimitives.Divide(raw, (float)norm, direction);
        return (float)norm;
    }

    /// <summary>Splits <paramref name="raw"/> into a new unit direction and its norm.</summary>
    /// <param name="raw">The raw vector.</param>
    /// <param name="expectedDimension">When given, the dimension the vector must have.</param>
    /// <returns>The direction and the norm.</returns>
    /// <exception cref="InvalidVectorException">The vector is empty, has the wrong dimension, holds NaN or infinity, or is all zeros.</exception>
    public static NormedVector Split(ReadOnlySpan<float> raw, int? expectedDimension = null)
    {
        var direction = new float[raw.Length];
        float norm = Split(raw, direction, expectedDimension);
        return new NormedVector(direction, norm);
    }

    /// <summary>Checks a vector without splitting it.</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="expectedDimension">When given, the dimension the vector must have.</param>
    /// <param name="paramName">The argument name to report.</param>
    /// <exception cref="InvalidVectorException">The vector is empty, has the wrong dimension or holds NaN or infinity.</exception>
    public static void Validate(ReadOnlySpan<float> vector, int? expectedDimension = null, string? paramName = null)
    {
        if (vector.IsEmpty)
        {
            throw new InvalidVectorException(VectorProblem.Empty, "The vector has no components.", paramName);
        }

        if (expectedDimension is int expected && vector.Length != expected)
        {
            throw new InvalidVectorException(
                VectorProblem.DimensionMismatch,
                $"The vector has {vector.Length} components but {expected} are expected.",
                paramName)
            {
                ExpectedDimension = expected,
                ActualDimension = vector.Length,
            };
        }

        // Sum(x*0) is NaN exactly when some component is NaN or infinite; one SIMD pass for the common case.
        if (!float.IsFinite(TensorPrimitives.Sum(vector)) || float.IsNaN(TensorPrimitives.Dot(vector, vector)))
        {
            for (int i = 0; i < vector.Length; i++)
            {
                if (!float.IsFinite(vector[i]))
                {
                    throw new InvalidVectorException(
                        VectorProblem.NotFinite,
                        $"Component {i} of the vector is {vector[i]}; embeddings must be finite.",
                        paramName)
                    {
                        ComponentIndex = i,
                    };
                }
            }
        }
    }

    private static double NormUnchecked(ReadOnlySpan<float> raw)
    {
        double sum = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            double x = raw[i];
            sum += x * x;
        }

        return Math.Sqrt(sum);
    }
}
