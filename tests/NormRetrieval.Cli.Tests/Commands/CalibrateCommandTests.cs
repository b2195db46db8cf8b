using System.Text.Json;
using NormRetrieval.Calibration;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.SemanticKernel;

namespace NormRetrieval.Cli.Tests.Commands;

/// <summary>
/// <c>normretrieval calibrate</c> on real text: Cranfield's first 120 abstracts with the queries judged against them.
/// No norm policy beats cosine there, so cosine is stored (with its evidence), and <c>search</c> and <c>stats</c>
/// report the stored choice; a policy stored through the API is what <c>search</c> then ranks by.
/// </summary>
public sealed class CalibrateCommandTests
{
    /// <summary>The first <paramref name="documents"/> Cranfield abstracts and a BEIR folder of the queries judged against them.</summary>
    private static (string Corpus, string Judged, int Queries) Subset(int documents, TempDirectory dir)
    {
        string source = StoreCommandsTests.FindData("cranfield", "corpus.jsonl");
        string corpus = dir.File("corpus.jsonl");
        var lines = File.ReadLines(source).Take(documents).ToList();
        File.WriteAllLines(corpus, lines);
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("_id").GetString()!).ToHashSet(StringComparer.Ordinal);
        string judged = dir.File("judged");
        Directory.CreateDirectory(Path.Combine(judged, "qrels"));
        var qrels = File.ReadLines(StoreCommandsTests.FindData("cranfield", "qrels", "test.tsv")).Skip(1)
            .Select(l => l.Split('\t')).Where(f => ids.Contains(f[1])).ToList();
        File.WriteAllLines(Path.Combine(judged, "qrels", "test.tsv"), ["query-id\tcorpus-id\tscore", .. qrels.Select(f => string.Join('\t', f))]);
        File.Copy(StoreCommandsTests.FindData("cranfield", "queries.jsonl"), Path.Combine(judged, "queries.jsonl"));
        int queries = qrels.Where(f => int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture) > 0).Select(f => f[0]).Distinct().Count();
        return (corpus, judged, queries);
    }

    [Fact]
    public async Task Calibrate_stores_cosine_where_nothing_helps_and_search_and_stats_report_the_stored_choice()
    {
        using var dir = new TempDirectory();
        var (corpus, judged, queries) = Subset(120, dir);
        string store = dir.File("store");
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--model", "arctic-xs")).ExitCode);

        var before = await CliRunner.RunAsync("stats", "--store", store, "--collection", "cran");
        Assert.Contains("ranking: cosine (not calibrated", before.Out, StringComparison.Ordinal);

        var dry = await CliRunner.RunAsync("calibrate", "--store", store, "--collection", "cran", "--judged", judged, "--repeats", "2", "--dry-run");
        Assert.Equal(ExitCodes.Success, dry.ExitCode);
        Assert.Contains("would store: cosine", dry.Out, StringComparison.Ordinal);
        Assert.Contains("ranking: cosine (not calibrated", (await CliRunner.RunAsync("stats", "--store", store, "--collection", "cran")).Out, StringComparison.Ordinal);

        var run = await CliRunner.RunAsync("calibrate", "--store", store, "--collection", "cran", "--judged", judged, "--repeats", "2", "--json");
        Assert.Equal(ExitCodes.Success, run.ExitCode);
        using (var doc = JsonDocument.Parse(run.Out))
        {
            var c = doc.RootElement.GetProperty("calibration");
            Assert.True(doc.RootElement.GetProperty("stored").GetBoolean());
            Assert.Equal("cosine", c.GetProperty("policy").GetString());
            Assert.Equal(queries, c.GetProperty("queries").GetInt32());
            Assert.Equal(120, c.GetProperty("records").GetInt64());
            Assert.Equal(SafePolicySelector.NormFamilies.Count, c.GetProperty("families").GetArrayLength());
            Assert.Contains("no norm family", c.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        var stats = await CliRunner.RunAsync("stats", "--store", store, "--collection", "cran", "--json");
        using (var doc = JsonDocument.Parse(stats.Out))
        {
            Assert.Equal("cosine", doc.RootElement.GetProperty("ranking").GetString());
            Assert.Equal(queries, doc.RootElement.GetProperty("calibration").GetProperty("queries").GetInt32());
        }

        var search = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--top", "3");
        Assert.Contains("policy cosine (stored by calibrate, ", search.Out, StringComparison.Ordinal);

        // The stored abstention threshold judges every search's evidence (this subset's top results are mostly relevant).
        var weak = await CliRunner.RunAsync("calibrate", "--store", store, "--collection", "cran", "--judged", judged, "--repeats", "1", "--target-precision", "0.3");
        Assert.Contains("  when to answer: answer when ", weak.Out, StringComparison.Ordinal);
        Assert.Contains("  risk–coverage area (lower is better): confidence ", weak.Out, StringComparison.Ordinal);
        var judgedSearch = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--top", "3", "--json");
        using (var doc = JsonDocument.Parse(judgedSearch.Out))
        {
            var confidence = doc.RootElement.GetProperty("confidence");
            Assert.Equal(System.Text.Json.JsonValueKind.Number, confidence.GetProperty("threshold").ValueKind);
            Assert.Contains(confidence.GetProperty("weakEvidence").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        }

        Assert.Matches("(weak evidence|evidence): ", (await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation")).Out);

        // A policy stored through the API is what search ranks by, unless --policy says otherwise.
        using (var api = new NormVectorStore(store))
        {
            var collection = (NormCollection<object, Dictionary<string, object?>>)api.GetDynamicCollection("cran", new NormCollectionOptions { Definition = CliCollection.Definition(384) });
            var stored = await collection.GetCalibrationAsync(TestContext.Current.CancellationToken);
            await collection.SetCalibrationAsync(stored! with { Policy = "specificity:0.05", Family = "specificity", Reason = "set by a test" }, TestContext.Current.CancellationToken);
        }

        var ranked = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--top", "3", "--json");
        using (var doc = JsonDocument.Parse(ranked.Out))
        {
            Assert.Equal("specificity:0.05", doc.RootElement.GetProperty("policy").GetString());
        }

        var overridden = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--top", "3", "--policy", "cosine", "--json");
        using (var doc = JsonDocument.Parse(overridden.Out))
        {
            Assert.Equal("cosine", doc.RootElement.GetProperty("policy").GetString());
        }

        Assert.Contains("ranking: calibrated specificity:0.05", (await CliRunner.RunAsync("stats", "--store", store, "--collection", "cran")).Out, StringComparison.Ordinal);
        var clear = await CliRunner.RunAsync("calibrate", "--store", store, "--collection", "cran", "--clear");
        Assert.Equal(ExitCodes.Success, clear.ExitCode);
        Assert.Contains("ranking: cosine (not calibrated", (await CliRunner.RunAsync("stats", "--store", store, "--collection", "cran")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_calibrate_requests_are_one_line_errors_with_their_exit_codes()
    {
        using var dir = new TempDirectory();
        var (corpus, judged, _) = Subset(20, dir);
        string store = dir.File("store");
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--model", "arctic-xs")).ExitCode);

        var cases = new (string[] Args, int Code, string Message)[]
        {
            (["calibrate", "--store", store, "--collection", "cran"], ExitCodes.Usage, "--judged is required"),
            (["calibrate", "--store", store, "--collection", "cran", "--judged", judged, "--clear"], ExitCodes.Usage, "--clear takes no"),
            (["calibrate", "--store", store, "--collection", "cran", "--judged", judged, "--folds", "1"], ExitCodes.Usage, "--folds must be at least 2"),
            (["calibrate", "--store", store, "--collection", "cran", "--judged", dir.File("none")], ExitCodes.BadInput, "does not exist"),
            (["calibrate", "--store", store, "--collection", "cran", "--judged", judged, "--families", "magnitude;nonsense"], ExitCodes.BadInput, "Unknown policy family 'nonsense'"),
            (["calibrate", "--store", store, "--collection", "cran", "--judged", judged, "--folds", "50"], ExitCodes.BadInput, "calibration needs at least --folds (50)"),
            (["calibrate", "--store", store, "--collection", "other", "--judged", judged], ExitCodes.BadInput, "has no collection 'other'"),
        };
        foreach (var (args, code, message) in cases)
        {
            var result = await CliRunner.RunAsync(args);
            Assert.True(code == result.ExitCode, $"{string.Join(' ', args)} → {result.ExitCode}: {result.Error}");
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
            Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        Assert.Contains("ranking: cosine (not calibrated", (await CliRunner.RunAsync("stats", "--store", store, "--collection", "cran")).Out, StringComparison.Ordinal);
    }
}
