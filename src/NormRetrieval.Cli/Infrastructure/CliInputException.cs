namespace NormRetrieval.Cli.Infrastructure;

/// <summary>An input file or argument is wrong; the message says where and why (exit code 3).</summary>
public sealed class CliInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CliInputException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, and where.</param>
    public CliInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong, and where.</param>
    /// <param name="innerException">The cause.</param>
    public CliInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
