using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Persistence;

/// <summary>
/// The fault-injection suite of the integrity issue (the numbers are the issue's; cases 2 and 3 are in
/// <see cref="IndexSealTests"/>, 9 in <c>TrainedIndexTests</c>, 12 in the CLI's <c>FaultTests</c>): each case, reproduced
/// on real files, ends in a correct answer after a logged repair or in a typed error, and loses no
/// acknowledged record.
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
    public async Task Case_4_top_and_skip_are_bounded_by_the_collection_size()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        var hotels = TempStore.RandomHotels("h", 0, 109, 4);
        await c.UpsertAsync(hotels, Ct);
        float[] query = hotels[0].Embedding!;

        Assert.Equal(109, await c.SearchAsync(query, int.MaxValue, cancellationToken: Ct).CountAsync(Ct));
        Assert.Equal(109, await c.SearchAsync(query, 50_000_000, cancellationToken: Ct).CountAsync(Ct));
        Assert.Empty(await c.SearchAsync(query, 10, new VectorSearchOptions<Hotel> { Skip = int.MaxValue }, Ct).ToListAsync(Ct));
        var ranked = new NormSearchOptions<Hotel> { Ranking = NormRankingOptions.Parse("specificity:0.2"), Skip = 100 };
        Assert.Equal(9, await c.SearchAsync(query, int.MaxValue, ranked, Ct).CountAsync(Ct));
        Assert.Equal(109, await c.GetAsync(h => h.Rating >= 0, int.MaxValue, cancellationToken: Ct).CountAsync(Ct));
    }

    [Fact]
    public async Task Case_6_norms_that_do_not_fit_a_normal_float_are_refused_and_extreme_ones_keep_a_unit_direction()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(TempStore.Hotel("kept", 1, 0, 0, 0), Ct);

        await Assert.ThrowsAsync<NormRetrieval.Vectors.InvalidVectorException>(() => c.UpsertAsync(TempStore.Hotel("huge", 3e38f, 3e38f, 0, 0), Ct));
        await Assert.ThrowsAsync<NormRetrieval.Vectors.InvalidVectorException>(() => c.UpsertAsync(TempStore.Hotel("subnormal", 1e-39f, 1e-39f, 0, 0), Ct));
        Assert.Equal(1, await c.CountAsync(Ct));

        // Extreme but representable norms are stored exactly, with a direction that is unit to float precision.
        float[] tiny = [3e-35f, 4e-35f, 0, 0], large = [0, 0, 3e37f, 4e37f];
        await c.UpsertAsync([TempStore.Hotel("tiny", tiny), TempStore.Hotel("large", large)], Ct);
        var stored = await c.GetAsync(["tiny", "large"], new RecordRetrievalOptions { IncludeVectors = true }, Ct).ToDictionaryAsync(h => h.Id, cancellationToken: Ct);
        Assert.Equal(5e-35, NormRetrieval.Vectors.VectorNorm.Norm(stored["tiny"].Embedding), 1e-41);
        Assert.Equal(5e37, NormRetrieval.Vectors.VectorNorm.Norm(stored["large"].Embedding), 5e31);
        foreach (var (key, raw) in new[] { ("tiny", tiny), ("large", large) })
        {
            var top = await c.SearchAsync(raw, 1, cancellationToken: Ct).SingleAsync(Ct);
            Assert.Equal(key, top.Record.Id);
            Assert.InRange(top.Score!.Value, 1 - 1e-6, 1 + 1e-6);
        }
    }

    [Fact]
    public async Task Case_7_bytes_changed_after_writing_are_refused_by_key_even_when_they_still_parse()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" });
        var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        var hotels = TempStore.RandomHotels("h", 0, 20, 7);
        await c.UpsertAsync(hotels, Ct);

        // A rating edited by hand (valid JSON, valid record), a norm nudged and one byte of a direction flipped.
        await ExecuteAsync(temp, """
            UPDATE records_1 SET data = json_set(data, '$.Rating', 99) WHERE key = 'h3';
            UPDATE records_1 SET norm = norm * 1.001 WHERE key = 'h5';
            UPDATE records_1 SET direction = CAST(substr(direction, 1, 6) || X'7F' || substr(direction, 8) AS BLOB) WHERE key = 'h8';
            """);

        foreach (string key in new[] { "h3", "h5", "h8" })
        {
            var ex = await Assert.ThrowsAsync<VectorStoreException>(() => c.GetAsync(key, cancellationToken: Ct));
            Assert.Contains($"'{key}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
            var search = await Assert.ThrowsAsync<VectorStoreException>(() => c.SearchAsync(hotels[int.Parse(key[1..], System.Globalization.CultureInfo.InvariantCulture)].Embedding!, 3, cancellationToken: Ct).ToListAsync(Ct).AsTask());
            Assert.Contains($"'{key}'", search.Message, StringComparison.Ordinal);
        }

        var verification = await store.VerifyAsync(Ct);
        Assert.Equal(3, verification.Problems.Count(p => p.Contains("checksum", StringComparison.Ordinal)));

        // Repair: upserting (or deleting) the damaged records; every other record was readable throughout.
        Assert.Equal(17, await c.GetAsync([.. hotels.Select(h => h.Id).Except(["h3", "h5", "h8"])], cancellationToken: Ct).CountAsync(Ct));
        await c.UpsertAsync([hotels[3], hotels[5]], Ct);
        await c.DeleteAsync("h8", Ct);
        await TempStore.AssertEachFindsItselfAsync(c, hotels.Where(h => h.Id != "h8"), 1e-5, Ct);
        Assert.True((await store.VerifyAsync(Ct)).IsHealthy);
    }

    [Fact]
    public async Task Case_7_rows_written_before_checksums_get_them_when_the_store_is_next_opened_writable()
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 30, 8);
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
        }

        await ExecuteAsync(temp, "ALTER TABLE records_1 DROP COLUMN checksum;");
        using (var store = temp.Open(new NormVectorStoreOptions { ReadOnly = true }))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            Assert.Equal(30, await c.GetAsync(hotels.Select(h => h.Id), cancellationToken: Ct).CountAsync(Ct));
        }

        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            await TempStore.AssertEachFindsItselfAsync(c, hotels, 1e-5, Ct);
            Assert.True((await store.VerifyAsync(Ct)).IsHealthy);
        }

        await ExecuteAsync(temp, "UPDATE records_1 SET data = json_set(data, '$.Rating', 98) WHERE key = 'h0';");
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h");
            await Assert.ThrowsAsync<VectorStoreException>(() => c.GetAsync("h0", cancellationToken: Ct));
        }
    }

    [Fact]
    public async Task Case_8_a_backup_taken_while_writes_sit_in_the_wal_holds_every_acknowledged_record()
    {
        using var temp = new TempStore();
        using var backup = new NormRetrieval.Testing.TempDirectory();
        string copy = Path.Combine(backup.Path, "copy");
        var hotels = TempStore.RandomHotels("h", 0, 1_500, 9);
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            await store.BackupAsync(copy, Ct);
            await c.UpsertAsync(TempStore.Hotel("after", 1, 0, 0, 0), Ct);
        }

        using (var restored = new NormVectorStore(copy))
        {
            var c = (NormCollection<string, Hotel>)restored.GetCollection<string, Hotel>("h");
            Assert.Equal(1_500, await c.CountAsync(Ct));
            Assert.Null(await c.GetAsync("after", cancellationToken: Ct));
            await TempStore.AssertEachFindsItselfAsync(c, hotels.Take(50), 1e-5, Ct);
            var verification = await restored.VerifyAsync(Ct);
            Assert.True(verification.IsHealthy, string.Join("; ", verification.Problems));
            Assert.Equal(1_500, verification.Records);
        }
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

    private static async Task ExecuteAsync(TempStore temp, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    public sealed class Wide
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreVector(768)]
        public float[] Embedding { get; set; } = [];
    }
}
