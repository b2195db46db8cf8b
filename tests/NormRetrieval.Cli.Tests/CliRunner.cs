using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests;

/// <summary>Runs the command line in-process and captures what it writes.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApplication.RunAsync(args, new CliOutput(stdout, stderr), TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
