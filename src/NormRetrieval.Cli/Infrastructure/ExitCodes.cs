namespace NormRetrieval.Cli.Infrastructure;

/// <summary>The process exit codes of <c>normretrieval</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong (unknown command or option, bad value).</summary>
    public const int Usage = 2;

    /// <summary>An input file or argument is missing or malformed.</summary>
    public const int BadInput = 3;

    /// <summary><c>verify</c> found damage (each problem is printed).</summary>
    public const int Damaged = 4;

    /// <summary>The operation was cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
