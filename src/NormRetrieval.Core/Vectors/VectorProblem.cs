namespace NormRetrieval.Vectors;

/// <summary>What is wrong with a vector that cannot be split into a direction and a norm.</summary>
public enum VectorProblem
{
    /// <summary>The vector has no components.</summary>
    Empty,

    /// <summary>A component is NaN or infinite.</summary>
    NotFinite,

    /// <summary>Every component is zero, so the vector has no direction.</summary>
    Zero,

    /// <summary>The vector's length differs from the dimension that was expected.</summary>
    DimensionMismatch,

    /// <summary>
    /// The norm does not fit a normal float: larger than <see cref="float.MaxValue"/> or smaller than the
    /// smallest normal float (1.2e-38), so it could not be stored exactly.
    /// </summary>
    NormOutOfRange,
}
