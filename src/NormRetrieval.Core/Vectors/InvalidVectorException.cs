namespace NormRetrieval.Vectors;

/// <summary>
/// Thrown when a vector cannot be used: it is empty, holds NaN or infinity, is all zeros, or has the
/// wrong dimension. <see cref="Problem"/> says which.
/// </summary>
public sealed class InvalidVectorException : ArgumentException
{
    /// <summary>Creates an exception for the given problem.</summary>
    /// <param name="problem">What is wrong with the vector.</param>
    /// <param name="message">A readable description.</param>
    /// <param name="paramName">The argument that held the vector, if known.</param>
    public InvalidVectorException(VectorProblem problem, string message, string? paramName = null)
        : base(message, paramName)
    {
        Problem = problem;
    }

    /// <summary>Creates an exception with a generic message.</summary>
    public InvalidVectorException()
        : this(VectorProblem.Empty, "The vector is invalid.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">A readable description.</param>
    public InvalidVectorException(string message)
        : this(VectorProblem.Empty, message)
    {
    }

    /// <summary>Creates an exception with the given message and inner exception.</summary>
    /// <param name="message">A readable description.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidVectorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What is wrong with the vector.</summary>
    public VectorProblem Problem { get; }

    /// <summary>The expected dimension when <see cref="Problem"/> is <see cref="VectorProblem.DimensionMismatch"/>.</summary>
    public int? ExpectedDimension { get; init; }

    /// <summary>The actual dimension when <see cref="Problem"/> is <see cref="VectorProblem.DimensionMismatch"/>.</summary>
    public int? ActualDimension { get; init; }

    /// <summary>The index of the first non-finite component when <see cref="Problem"/> is <see cref="VectorProblem.NotFinite"/>.</summary>
    public int? ComponentIndex { get; init; }
}
