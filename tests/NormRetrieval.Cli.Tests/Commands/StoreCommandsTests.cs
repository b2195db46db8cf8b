using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

public sealed class StoreCommandsTests
{
    private static string Cranfield(int documents, TempDirectory dir)
    {
        string source = FindData("cranfield", "corpus.jsonl");
        string path = dir.File("corpus.jsonl");
        File.WriteAllLines(path, File.ReadLines(source).Take(documents));
        return path;
    }

    internal static string FindData(params string[] parts)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine([d.FullName, "data", "beir", .. parts]);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("data/beir not found");
    }

    [Fact]
    public async Task Index_search_and_stats_work_together_and_reindexing_is_idempotent()
    {
        using var dir = new TempDirectory();
        string corpus = Cranfield(120, dir);
        string store = dir.File("store");
        var first = await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--model", "arctic-xs");
        Assert.Equal(ExitCodes.Success, first.ExitCode);
        Assert.Contains("indexed 120 documents (120 encoded, 0 unchanged)", first.Out, StringComparison.Ordinal);

        var again = await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--model", "arctic-xs");
        Assert.Equal(ExitCodes.Success, again.ExitCode);
        Assert.Contains("(0 encoded, 120 unchanged)", again.Out, StringComparison.Ordinal);
        Assert.Contains("120 records", again.Out, StringComparison.Ordinal);

        var search = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--top", "5", "--json");
        Assert.Equal(ExitCodes.Success, search.ExitCode);
        using var doc = JsonDocument.Parse(search.Out);
        var results = doc.RootElement.GetProperty("results");
        Assert.Equal(5, results.GetArrayLength());
        foreach (var r in results.EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(r.GetProperty("key").GetString()));
            Assert.Equal(r.GetProperty("cosine").GetDouble(), r.GetProperty("score").GetDouble(), 10);
            Assert.True(r.GetProperty("norm").GetDouble() > 1);
            Assert.Contains("cos", r.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        }

        Assert.True(doc.RootElement.GetProperty("queryNorm").GetDouble() > 1);
        Assert.True(doc.RootElement.GetProperty("confidence").GetProperty("topCosine").GetDouble() > 0);

        var reranked = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--policy", "specificity:0.05", "--json");
        using var rdoc = JsonDocument.Parse(reranked.Out);
        Assert.Equal("specificity:0.05", rdoc.RootElement.GetProperty("policy").GetString());
        var first10 = rdoc.RootElement.GetProperty("results")[0];
        Assert.NotEqual(first10.GetProperty("cosine").GetDouble(), first10.GetProperty("score").GetDouble());

        var text = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "boundary layer separation", "--top", "3");
        Assert.Equal(4, text.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var stats = await CliRunner.RunAsync("stats", "--store", store, "--collection", "cran", "--json");
        Assert.Equal(ExitCodes.Success, stats.ExitCode);
        using var sdoc = JsonDocument.Parse(stats.Out);
        Assert.Equal(120, sdoc.RootElement.GetProperty("count").GetInt64());
        Assert.Equal(384, sdoc.RootElement.GetProperty("dimension").GetInt32());
        Assert.Equal("arctic-xs", sdoc.RootElement.GetProperty("model").GetString());
        Assert.False(sdoc.RootElement.GetProperty("degenerate").GetBoolean());
        Assert.Equal("exact", sdoc.RootElement.GetProperty("engine").GetString()); // exact collections default to the managed index
        Assert.True(sdoc.RootElement.GetProperty("norms").GetProperty("p50").GetDouble() > 1);
    }

    [Fact]
    public async Task Hybrid_search_finds_a_rare_word_and_refuses_what_it_cannot_do()
    {
        using var dir = new TempDirectory();
        string corpus = Cranfield(120, dir);
        string store = dir.File("store");
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("index", "--store", store, "--collection", "cran", "--input", corpus, "--model", "minilm")).ExitCode);

        // A word that only one of the 120 texts holds.
        var texts = File.ReadLines(corpus).Select(l => JsonDocument.Parse(l).RootElement).Select(e => (Id: e.GetProperty("_id").GetString()!, Words: e.GetProperty("text").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length > 8 && w.All(char.IsLetter)).ToHashSet())).ToList();
        var (word, owner) = texts.SelectMany(t => t.Words.Select(w => (Word: w, t.Id))).GroupBy(x => x.Word).Where(g => g.Count() == 1).Select(g => g.Single()).OrderBy(x => x.Word, StringComparer.Ordinal).First();

        var hybrid = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "aircraft noise", "--keywords", word, "--hybrid", "--top", "3", "--json");
        Assert.True(hybrid.ExitCode == ExitCodes.Success, hybrid.Error);
        using var doc = JsonDocument.Parse(hybrid.Out);
        Assert.Equal("hybrid(rrf:60)", doc.RootElement.GetProperty("policy").GetString());
        Assert.Contains(owner, doc.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        Assert.All(doc.RootElement.GetProperty("results").EnumerateArray(), r => Assert.InRange(r.GetProperty("fused").GetDouble(), 0, 1));

        // The query's words are the keywords by default; a policy applies after fusion.
        var byQuery = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", word, "--hybrid", "--fusion", "weighted:0.3", "--policy", "specificity:0.02", "--top", "5");
        Assert.True(byQuery.ExitCode == ExitCodes.Success, byQuery.Error);
        Assert.Contains("hybrid(weighted:0.3)+specificity:0.02", byQuery.Out, StringComparison.Ordinal);
        Assert.Contains(owner, byQuery.Out, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Usage, (await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "x", "--keywords", "y")).ExitCode);
        var badFusion = await CliRunner.RunAsync("search", "--store", store, "--collection", "cran", "--query", "x", "--hybrid", "--fusion", "max");
        Assert.Equal(ExitCodes.BadInput, badFusion.ExitCode);
        Assert.StartsWith("normretrieval: error: --fusion:", badFusion.Error.Trim(), StringComparison.Ordinal);
        var garnet = await CliRunner.RunAsync("search", "--store", "garnet:127.0.0.1:1", "--collection", "cran", "--query", "x", "--hybrid");
        Assert.Equal(ExitCodes.BadInput, garnet.ExitCode);
        Assert.Contains("Garnet vector sets have no full-text index", garnet.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_commands_fail_with_one_readable_line()
    {
        using var dir = new TempDirectory();
        string store = dir.File("store");
        var missingInput = await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", dir.File("none.jsonl"));
        Assert.Equal(ExitCodes.BadInput, missingInput.ExitCode);

        var badName = await CliRunner.RunAsync("index", "--store", store, "--collection", "../x", "--input", Cranfield(2, dir));
        Assert.Equal(ExitCodes.BadInput, badName.ExitCode);
        Assert.Contains("not a valid collection name", badName.Error, StringComparison.Ordinal);

        var bad = dir.File("bad.jsonl");
        File.WriteAllText(bad, "{\"_id\": \"1\", \"text\": \"ok\"}\nnot json\n");
        var malformed = await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", bad);
        Assert.Equal(ExitCodes.BadInput, malformed.ExitCode);
        Assert.Contains("bad.jsonl:2:", malformed.Error, StringComparison.Ordinal);
        Assert.Single(malformed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var noCollection = await CliRunner.RunAsync("search", "--store", store, "--collection", "nope", "--query", "x");
        Assert.Equal(ExitCodes.BadInput, noCollection.ExitCode);
        var badPolicy = await CliRunner.RunAsync("search", "--store", store, "--collection", "c", "--query", "x", "--policy", "bm25");
        Assert.Equal(ExitCodes.Usage, badPolicy.ExitCode);
        Assert.Contains("Unknown policy", badPolicy.Error, StringComparison.Ordinal);
        var usage = await CliRunner.RunAsync("search", "--store", store, "--collection", "c");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
    }

    [Fact]
    public async Task Drop_deletes_one_collection_and_nothing_else()
    {
        using var dir = new TempDirectory();
        string corpus = Cranfield(30, dir);
        string store = dir.File("store");
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("index", "--store", store, "--collection", "keep", "--input", corpus, "--model", "minilm")).ExitCode);
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("index", "--store", store, "--collection", "gone", "--input", corpus, "--model", "minilm")).ExitCode);

        var drop = await CliRunner.RunAsync("drop", "--store", store, "--collection", "gone");
        Assert.Equal(ExitCodes.Success, drop.ExitCode);
        Assert.Contains("dropped 'gone' (30 records)", drop.Out, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync("stats", "--store", store, "--collection", "gone");
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        var again = await CliRunner.RunAsync("drop", "--store", store, "--collection", "gone");
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Single(again.Error.Trim().Split('\n'));

        var kept = await CliRunner.RunAsync("stats", "--store", store, "--collection", "keep", "--json");
        Assert.Equal(ExitCodes.Success, kept.ExitCode);
        using var doc = JsonDocument.Parse(kept.Out);
        Assert.Equal(30, doc.RootElement.GetProperty("count").GetInt64());

        // Re-indexing under the dropped name starts from nothing.
        var reindex = await CliRunner.RunAsync("index", "--store", store, "--collection", "gone", "--input", corpus, "--model", "minilm");
        Assert.Contains("(30 encoded, 0 unchanged)", reindex.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_copies_a_store_that_verifies_and_verify_names_a_damaged_record()
    {
        using var dir = new TempDirectory();
        string corpus = Cranfield(25, dir);
        string store = dir.File("store");
        string backup = dir.File("backup");
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", corpus, "--model", "minilm")).ExitCode);

        var copy = await CliRunner.RunAsync("backup", "--store", store, "--to", backup);
        Assert.Equal(ExitCodes.Success, copy.ExitCode);
        Assert.Contains("(1 collections)", copy.Out, StringComparison.Ordinal);
        var healthy = await CliRunner.RunAsync("verify", "--store", backup);
        Assert.Equal(ExitCodes.Success, healthy.ExitCode);
        Assert.Contains("25 records, no problems", healthy.Out, StringComparison.Ordinal);

        // The copy is a store of its own: the same answers as the original.
        var a = await CliRunner.RunAsync("search", "--store", store, "--collection", "c", "--query", "boundary layer", "--top", "3", "--json");
        var b = await CliRunner.RunAsync("search", "--store", backup, "--collection", "c", "--query", "boundary layer", "--top", "3", "--json");
        Assert.Equal(JsonDocument.Parse(a.Out).RootElement.GetProperty("results").ToString(), JsonDocument.Parse(b.Out).RootElement.GetProperty("results").ToString());

        // A backup never overwrites.
        Assert.Equal(ExitCodes.BadInput, (await CliRunner.RunAsync("backup", "--store", store, "--to", backup)).ExitCode);

        // Damage one record's JSON in the copy: verify names it, exit code 4, and changes nothing.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(backup, "store.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_master WHERE name LIKE 'records_%';";
            string table = (string)command.ExecuteScalar()!;
            command.CommandText = $"UPDATE {table} SET data = '{{\"Title\": ' WHERE id = (SELECT MIN(id) FROM {table});";
            command.ExecuteNonQuery();
        }

        string before = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(backup, "store.db"), TestContext.Current.CancellationToken)));
        var damaged = await CliRunner.RunAsync("verify", "--store", backup);
        Assert.Equal(ExitCodes.Damaged, damaged.ExitCode);
        Assert.Contains("is not valid JSON", damaged.Out, StringComparison.Ordinal);
        Assert.Contains("1 problems", damaged.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Damaged, (await CliRunner.RunAsync("verify", "--store", backup, "--collection", "c")).ExitCode);
        Assert.Equal(ExitCodes.BadInput, (await CliRunner.RunAsync("verify", "--store", backup, "--collection", "nope")).ExitCode);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.Equal(before, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(backup, "store.db"), TestContext.Current.CancellationToken))));
    }
}
