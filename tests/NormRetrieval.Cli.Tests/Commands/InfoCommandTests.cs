using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

public sealed class InfoCommandTests
{
    [Fact]
    public async Task Info_json_reports_versions_and_engines()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("info", "--json");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(string.Empty, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Matches(@"^\d+\.\d+\.\d+", root.GetProperty("version").GetString());
        Assert.Contains(".NET 10", root.GetProperty("runtime").GetString(), StringComparison.Ordinal);
        Assert.True(root.GetProperty("processorCount").GetInt32() >= 1);
        var engines = root.GetProperty("engines");
        Assert.True(engines.GetProperty("exact").GetProperty("available").GetBoolean());
        var faiss = root.GetProperty("faiss");
        if (faiss.GetProperty("available").GetBoolean())
        {
            Assert.Equal("1.7.3", faiss.GetProperty("version").GetString());
            Assert.False(string.IsNullOrWhiteSpace(faiss.GetProperty("blas").GetString()));
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(faiss.GetProperty("reason").GetString()));
        }

        var onnx = root.GetProperty("onnx");
        Assert.Contains("CPUExecutionProvider", onnx.GetProperty("executionProviders").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["minilm", "arctic-xs"], onnx.GetProperty("models").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Info_text_lists_the_engines()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("info");
        Assert.Equal(ExitCodes.Success, code);
        Assert.StartsWith("normretrieval ", stdout, StringComparison.Ordinal);
        Assert.Contains("exact", stdout, StringComparison.Ordinal);
        Assert.Contains("faiss", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("info", "--no-such-option")]
    public async Task Usage_errors_exit_2_with_one_readable_line(params string[] args)
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(string.Empty, stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("normretrieval: error: ", line, StringComparison.Ordinal);
    }
}
