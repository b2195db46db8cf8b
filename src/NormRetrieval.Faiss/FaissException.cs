namespace NormRetrieval.Faiss;

/// <summary>Faiss refused an operation; the message carries Faiss's own explanation.</summary>
public sealed class FaissException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FaissException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public FaissException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public FaissException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed native operation.</summary>
    /// <param name="operation">What was attempted.</param>
    /// <param name="faissMessage">Faiss's message.</param>
    public FaissException(string operation, string faissMessage)
        : base($"Faiss {operation} failed: {OneLine(faissMessage)}")
    {
        Operation = operation;
        FaissMessage = faissMessage;
    }

    /// <summary>The operation that failed (e.g. <c>search</c>).</summary>
    public string? Operation { get; }

    /// <summary>Faiss's own message.</summary>
    public string? FaissMessage { get; }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
