namespace NormRetrieval.Onnx.Models;

/// <summary>
/// An encoder model cannot be used: a file is missing or damaged, the configuration is invalid, or the
/// ONNX graph lacks the inputs and outputs of a BERT-family encoder. The message names the problem.
/// </summary>
public sealed class EncoderModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EncoderModelException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public EncoderModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public EncoderModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
