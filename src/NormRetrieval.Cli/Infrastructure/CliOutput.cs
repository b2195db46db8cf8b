namespace NormRetrieval.Cli.Infrastructure;

/// <summary>Where a command writes: results to <see cref="Out"/>, progress and errors to <see cref="Error"/>.</summary>
/// <param name="Out">Standard output (results, JSON).</param>
/// <param name="Error">Standard error (progress, warnings, errors).</param>
public sealed record CliOutput(TextWriter Out, TextWriter Error)
{
    /// <summary>True when standard error is a terminal: progress is then a bar redrawn in place.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>True when standard output is a terminal: help is then laid out for its width.</summary>
    public bool OutIsTerminal { get; init; }
}
