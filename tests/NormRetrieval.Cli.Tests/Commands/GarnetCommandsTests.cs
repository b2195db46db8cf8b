using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

/// <summary>index, search and stats against a password-protected in-process Garnet server (Microsoft.Garnet).</summary>
public sealed class GarnetCommandsTests
{
    [Fact]
    public async Task Index_search_and_stats_work_on_a_garnet_store_with_shards()
    {
        using var dir = new TempDirectory();
        string source = StoreCommandsTests.FindData("cranfield", "corpus.jsonl");
        string corpus = dir.File("corpus.jsonl");
        File.WriteAllLines(corpus, File.ReadLines(source).Take(80));

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var server = new global::Garnet.GarnetServer(new global::Garnet.server.GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
            EnableVectorSetPreview = true,
            LogMemorySize = "256m",
            QuietMode = true,
            AuthSettings = new global::Garnet.server.Auth.Settings.PasswordAuthenticationSettings("cli-secret"),
        });
        server.Start();
        string store = $"garnet:127.0.0.1:{port},password=cli-secret";

        var index = await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--model", "minilm", "--shards", "2");
        Assert.True(index.ExitCode == ExitCodes.Success, index.Error);
        Assert.Contains("indexed 80 documents (80 encoded, 0 unchanged)", index.Out, StringComparison.Ordinal);
        Assert.Contains("garnet vector sets, 2 shards", index.Out, StringComparison.Ordinal);
        var again = await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--model", "minilm");
        Assert.Contains("(0 encoded, 80 unchanged)", again.Out, StringComparison.Ordinal);

        var search = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--top", "5", "--policy", "specificity:0.05", "--json");
        Assert.True(search.ExitCode == ExitCodes.Success, search.Error);
        using var doc = JsonDocument.Parse(search.Out);
        Assert.Equal(5, doc.RootElement.GetProperty("results").GetArrayLength());
        Assert.Equal("specificity:0.05", doc.RootElement.GetProperty("policy").GetString());
        Assert.True(doc.RootElement.GetProperty("queryNorm").GetDouble() > 1);

        // The password can come from the environment instead of the command line.
        Environment.SetEnvironmentVariable("NORMRETRIEVAL_GARNET_PASSWORD", "cli-secret");
        try
        {
            var stats = await CliRunner.RunAsync("stats", "--store", $"garnet:127.0.0.1:{port}", "--collection", "cran", "--json");
            Assert.True(stats.ExitCode == ExitCodes.Success, stats.Error);
            using var sdoc = JsonDocument.Parse(stats.Out);
            Assert.Equal(80, sdoc.RootElement.GetProperty("count").GetInt64());
            Assert.Equal("minilm", sdoc.RootElement.GetProperty("model").GetString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("NORMRETRIEVAL_GARNET_PASSWORD", null);
        }

        var wrong = await CliRunner.RunAsync("search", "--store", $"garnet:127.0.0.1:{port},password=nope", "--collection", "cran", "--query", "x");
        Assert.Equal(ExitCodes.BadInput, wrong.ExitCode);
        Assert.Single(wrong.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("refused the password", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("nope", wrong.Error, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync("stats", "--store", $"garnet:127.0.0.1:{port}", "--collection", "cran");
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("requires a password", missing.Error, StringComparison.Ordinal);
        Assert.Contains("NORMRETRIEVAL_GARNET_PASSWORD", missing.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("password=", missing.Error, StringComparison.Ordinal);

        var empty = await CliRunner.RunAsync("stats", "--store", "garnet:", "--collection", "cran");
        Assert.Equal(ExitCodes.BadInput, empty.ExitCode);
        var engine = await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--engine", "flat");
        Assert.Equal(ExitCodes.BadInput, engine.ExitCode);
        var shards = await CliRunner.RunAsync("index", "--store", dir.File("folder"), "--collection", "cran", "--input", corpus, "--shards", "2");
        Assert.Equal(ExitCodes.BadInput, shards.ExitCode);
    }
}
