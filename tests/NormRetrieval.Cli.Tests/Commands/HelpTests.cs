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

    [Fact]
    public async Task The_store_option_shows_its_garnet_form_literally()
    {
        var (code, output, _) = await CliRunner.RunAsync("search", "--help");
        Assert.Equal(0, code);
        Assert.Contains("garnet:HOST:PORT[,HOST:PORT...]", output, StringComparison.Ordinal);
        Assert.Contains("specificity:λ[,residual]", output, StringComparison.Ordinal);
    }
}
