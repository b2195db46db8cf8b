namespace NormRetrieval.Beir;

/// <summary>A line of a BEIR file could not be read. The message names the file and the line.</summary>
public sealed class BeirFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file.</param>
    /// <param name="lineNumber">The 1-based line number.</param>
    /// <param name="problem">What is wrong with the line.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public BeirFormatException(string filePath, long lineNumber, string problem, Exception? innerException = null)
        : base($"{filePath}:{lineNumber}: {problem}", innerException)
    {
        FilePath = filePath;
        LineNumber = lineNumber;
        Problem = problem;
    }

    /// <summary>Creates the exception with a message.</summary>
    public BeirFormatException()
        : this(string.Empty, 0, "malformed line")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public BeirFormatException(string message)
        : this(string.Empty, 0, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BeirFormatException(string message, Exception innerException)
        : this(string.Empty, 0, message, innerException)
    {
    }

    /// <summary>The file that holds the bad line.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line number.</summary>
    public long LineNumber { get; }

    /// <summary>What is wrong with the line, without the location.</summary>
    public string Problem { get; }
}
