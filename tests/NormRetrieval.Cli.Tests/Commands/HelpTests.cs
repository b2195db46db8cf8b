namespace NormRetrieval.Cli.Tests.Commands;

/// <summary>The first thing a new user types: help for the tool and every command, with -h and --help.</summary>
public sealed class HelpTests
{
    public static readonly TheoryData<string, string> Commands = new()
    {
        { "demo", "--dataset" },
        { "eval", "--dataset" },
        { "norms", "--input" },
        { "info", "--json" },
        { "embed", "--input" },
        { "index", "--store" },
        { "search", "--policy" },
        { "stats", "--collection" },
        { "drop", "--collection" },
        { "backup", "--to" },
        { "verify", "--store" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Every_command_prints_its_help_and_exits_0(string command, string option)
    {
        foreach (string flag in new[] { "--help", "-h" })
        {
            var (code, output, error) = await CliRunner.RunAsync(command, flag);
            Assert.True(code == 0, $"{command} {flag} exited {code}: {error}{output}");
            Assert.Contains(option, output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", output + error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_works_in_a_real_process_with_and_without_a_terminal(string command, string option)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "normretrieval.dll");

        // Without a terminal: standard output is a pipe; nothing wraps inside an argument.
        var (code, output, error) = await RunAsync("dotnet", [cli, command, "--help"]);
        Assert.True(code == 0, $"{command} --help exited {code}: {error}");
        Assert.Contains(option, output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error);

        // With a terminal: script(1) gives the process a pseudo-terminal.
        var (ttyCode, ttyOutput, ttyError) = await RunAsync("script", ["-qec", $"dotnet {cli} {command} --help", "/dev/null"]);
        Assert.True(ttyCode == 0, $"{command} --help on a terminal exited {ttyCode}: {ttyError}{ttyOutput}");
        Assert.Contains(option, ttyOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", ttyOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_goes_to_standard_output()
    {
        var (code, output, error) = await CliRunner.RunAsync("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public async Task The_store_option_shows_its_garnet_form_literally()
    {
        var (code, output, _) = await CliRunner.RunAsync("search", "--help");
        Assert.Equal(0, code);
        Assert.Contains("garnet:HOST:PORT[,HOST:PORT...]", output, StringComparison.Ordinal);
        Assert.Contains("specificity:λ[,residual]", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Error)> RunAsync(string file, string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}
