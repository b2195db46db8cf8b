using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

public sealed class DynamicsCommandTests
{
    [Fact]
    public async Task Dynamics_runs_the_lab_and_writes_its_report()
    {
        using var dir = new TempDirectory();
        string outDir = dir.File("report");
        var run = await CliRunner.RunAsync("dynamics", "--steps", "120", "--depth", "2", "--out", outDir, "--json");
        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var runs = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(6, runs.Count);
        Assert.True(runs[0].GetProperty("identityError").GetDouble() < 1e-3);
        Assert.Equal(0, runs[0].GetProperty("normDecreases").GetInt64());
        Assert.True(runs[2].GetProperty("identityError").GetDouble() > 1e-2); // weight decay
        Assert.Equal(3, runs[0].GetProperty("meanNormByDepth").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(outDir, "dynamics.md")));
        Assert.Contains("normretrieval dynamics --steps 120", File.ReadAllText(Path.Combine(outDir, "dynamics.md")), StringComparison.Ordinal);

        var text = await CliRunner.RunAsync("dynamics", "--steps", "50", "--depth", "2", "--out", dir.File("text"));
        Assert.Equal(ExitCodes.Success, text.ExitCode);
        Assert.StartsWith("sgd η=0.05: identity rel. error ", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_dynamics_options_are_one_line_errors()
    {
        using var dir = new TempDirectory();
        foreach (var (args, message) in new (string[], string)[]
        {
            (["dynamics", "--steps", "0", "--out", dir.File("a")], "--steps"),
            (["dynamics", "--temperature", "0", "--out", dir.File("b")], "--temperature"),
            (["dynamics", "--branching", "10", "--depth", "9", "--out", dir.File("c")], "--depth"),
        })
        {
            var result = await CliRunner.RunAsync(args);
            Assert.True(result.ExitCode == ExitCodes.BadInput, $"{string.Join(' ', args)} → {result.ExitCode}: {result.Error}");
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
            Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        Assert.False(Directory.Exists(dir.File("a")));
    }
}
