using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Persistence;

/// <summary>
/// Cases of the integrity issue that now end in a correct answer or a typed error (the numbers are the
/// issue's): the store touches only what it creates, keys stay distinct, a damaged row is named, and a
/// definition of another dimension is refused.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IntegrityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Case_1_opening_a_store_changes_the_permissions_of_its_own_files_only_and_follows_no_link()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Path);
        File.SetUnixFileMode(temp.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string script = Path.Combine(temp.Path, "run.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\n", Ct);
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        string outside = Path.Combine(Path.GetDirectoryName(temp.Path)!, "outside.txt");
        await File.WriteAllTextAsync(outside, "not the store's", Ct);
        File.SetUnixFileMode(outside, (UnixFileMode)Convert.ToInt32("644", 8));
        File.CreateSymbolicLink(Path.Combine(temp.Path, "index_99.exact"), outside);

        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(TempStore.Hotel("a", 1, 0, 0, 0), Ct);
            store.Checkpoint();
        }

        Assert.Equal(Convert.ToInt32("755", 8), (int)File.GetUnixFileMode(script));
        Assert.Equal(Convert.ToInt32("644", 8), (int)File.GetUnixFileMode(outside));
        Assert.Equal(Convert.ToInt32("755", 8), (int)File.GetUnixFileMode(temp.Path));
        Assert.Equal(Convert.ToInt32("600", 8), (int)File.GetUnixFileMode(Path.Combine(temp.Path, "store.db")));
    }

    [Fact]
    public void Case_1_a_new_store_folder_is_created_for_its_owner_only()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        Assert.Equal(Convert.ToInt32("700", 8), (int)File.GetUnixFileMode(temp.Path));
    }

    [Fact]
    public async Task Case_5_keys_with_a_lone_surrogate_are_refused_and_distinct_keys_stay_distinct()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        string high = "k\uD800", low = "k\uDC00";
        await Assert.ThrowsAsync<ArgumentException>(() => c.UpsertAsync(TempStore.Hotel(high, 1, 0, 0, 0), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => c.UpsertAsync([TempStore.Hotel("fine", 0, 1, 0, 0), TempStore.Hotel(low, 1, 0, 0, 0)], Ct));
        Assert.Null(await c.GetAsync("fine", cancellationToken: Ct));

        // A valid pair, and text that merely looks odd, are keys like any other.
        await c.UpsertAsync([TempStore.Hotel("k\uD83D\uDE00", 1, 0, 0, 0), TempStore.Hotel("k\uFFFD", 0, 1, 0, 0)], Ct);
        Assert.Equal(2, await ((NormCollection<string, Hotel>)c).CountAsync(Ct));
    }

    [Fact]
    public async Task Case_7_a_damaged_row_is_a_VectorStoreException_naming_the_collection_and_the_key()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" });
        var c = store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync([TempStore.Hotel("good", 1, 0, 0, 0), TempStore.Hotel("bad", 0, 1, 0, 0), TempStore.Hotel("worse", 0, 0, 1, 0)], Ct);

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")}"))
        {
            await connection.OpenAsync(Ct);
            await using var edit = connection.CreateCommand();
            edit.CommandText = """
                UPDATE records_1 SET data = '{"Name": 5' WHERE key = 'bad';
                UPDATE records_1 SET data = json_set(data, '$.Rating', 'five') WHERE key = 'worse';
                """;
            Assert.Equal(2, await edit.ExecuteNonQueryAsync(Ct));
        }

        foreach (string key in new[] { "bad", "worse" })
        {
            var ex = await Assert.ThrowsAsync<VectorStoreException>(() => c.GetAsync(key, cancellationToken: Ct));
            Assert.Contains($"'{key}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("'h'", ex.Message, StringComparison.Ordinal);
            Assert.Equal("h", ex.CollectionName);
        }

        Assert.Equal("good", (await c.GetAsync("good", cancellationToken: Ct))!.Id);
        await Assert.ThrowsAsync<VectorStoreException>(() => c.SearchAsync(new float[] { 0, 1, 0, 0 }, 1, cancellationToken: Ct).ToListAsync(Ct).AsTask());
    }

    [Fact]
    public async Task Case_10_a_definition_of_another_dimension_is_refused_at_GetCollection()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        var definition = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Id", typeof(string)), new VectorStoreVectorProperty("Embedding", typeof(float[]), 768)],
        };

        var ex = Assert.Throws<InvalidOperationException>(() => store.GetCollection<string, Wide>("h"));
        Assert.Contains("dimension 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("768", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => store.GetDynamicCollection("h", definition));
    }

    [Fact]
    public async Task Case_11_norm_policies_are_a_no_op_with_one_warning_when_norms_were_normalised_upstream()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        static float[] Unit(params float[] v)
        {
            float n = MathF.Sqrt(v.Sum(x => x * x));
            return [.. v.Select(x => x / n)];
        }

        await c.UpsertAsync([TempStore.Hotel("a", Unit(1, 0.2f, 0, 0)), TempStore.Hotel("b", Unit(1, 0.3f, 0.1f, 0)), TempStore.Hotel("c", Unit(0.9f, 0, 0.5f, 0.1f))], Ct);
        Assert.True(c.NormsAreDegenerate);

        float[] query = [1, 0.25f, 0.05f, 0];
        var cosine = await c.SearchDetailedAsync(query, 3, cancellationToken: Ct);
        foreach (string policy in new[] { "specificity:0.5", "magnitude:1", "gated:0.5,0.5", "adaptive:0.5" })
        {
            var ranked = await c.SearchDetailedAsync(query, 3, new NormSearchOptions<Hotel> { Ranking = NormRankingOptions.Parse(policy) }, Ct);
            Assert.Equal(cosine.Results.Select(r => r.Record.Id), ranked.Results.Select(r => r.Record.Id));
            Assert.All(ranked.Results, r => Assert.Equal(r.Explanation.Cosine, r.Score, 12));
            Assert.All(ranked.Results, r => Assert.Equal(0, r.Explanation.Adjustment));
        }

        await c.UpsertAsync(TempStore.Hotel("d", Unit(0, 1, 0, 0)), Ct);
        Assert.Single(temp.Logs.Messages, m => m.Contains("≈ 1", StringComparison.Ordinal) || m.Contains("normalised", StringComparison.OrdinalIgnoreCase));
    }

    public sealed class Wide
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreVector(768)]
        public float[] Embedding { get; set; } = [];
    }
}
