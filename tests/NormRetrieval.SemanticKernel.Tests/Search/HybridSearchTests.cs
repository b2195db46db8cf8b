using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Ranking;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Search;

/// <summary>
/// Hybrid search on the embedded store: the MEVD contract of <see cref="IKeywordHybridSearchable{TRecord}"/> (the
/// behaviours the published conformance suite checks, written as our own tests), exact-term recall, filters,
/// keywords that look like FTS5 syntax, norm-aware ranking after fusion, and the full-text index kept in step
/// with upserts, deletes, drops and verification.
/// </summary>
public sealed class HybridSearchTests
{
    private static readonly ReadOnlyMemory<float> Same = new float[] { 1, 0, 0, 0 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_with_the_same_vector_are_ordered_by_their_keywords()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = await FruitAsync(store);

        Assert.Equal(3, (await c.HybridSearchAsync(Same, ["Grapes"], 3, cancellationToken: Ct).ToListAsync(Ct)).Count);
        Assert.Equal(3, (await c.HybridSearchAsync(Same, ["Grapes"], 3, cancellationToken: Ct).FirstAsync(Ct)).Record.Code);
        Assert.Equal(2, (await c.HybridSearchAsync(Same, ["Oranges"], 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Code);
        Assert.Equal(1, (await c.HybridSearchAsync(Same, ["Oranges"], 3, new HybridSearchOptions<Fruit> { Filter = r => r.Code == 1 }, Ct).SingleAsync(Ct)).Record.Code);
        Assert.Equal(2, (await c.HybridSearchAsync(Same, ["healthy"], 3, new HybridSearchOptions<Fruit> { Skip = 2 }, Ct).SingleAsync(Ct)).Record.Code);

        var two = await c.HybridSearchAsync(Same, ["tangy", "nourishing"], 3, cancellationToken: Ct).Select(r => r.Record.Code).ToListAsync(Ct);
        Assert.Equal([1, 2], two.Take(2).Order());
        Assert.Equal(3, two[2]);

        // Stemming and case folding: "HEALTH" finds "healthy"? No — porter keeps "healthi"; "juice" finds "juicy"? also no;
        // but plural and case do fold: "grape" finds "Grapes".
        Assert.Equal(3, (await c.HybridSearchAsync(Same, ["grape"], 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Code);
    }

    [Fact]
    public async Task The_full_text_property_is_chosen_by_AdditionalProperty_and_required_when_there_are_several()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = store.GetCollection<string, TwoTexts>("two");
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync([new TwoTexts { Id = "1", Text1 = "Apples", Text2 = "Oranges", Vector = Same }, new TwoTexts { Id = "2", Text1 = "Oranges", Text2 = "Apples", Vector = Same }], Ct);
        var hybrid = (IKeywordHybridSearchable<TwoTexts>)c;

        var apples = await hybrid.HybridSearchAsync(Same, ["Apples"], 4, new HybridSearchOptions<TwoTexts> { AdditionalProperty = r => r.Text2 }, Ct).Select(r => r.Record.Id).ToListAsync(Ct);
        Assert.Equal(["2", "1"], apples);
        var oranges = await hybrid.HybridSearchAsync(Same, ["Oranges"], 4, new HybridSearchOptions<TwoTexts> { AdditionalProperty = r => r.Text2 }, Ct).Select(r => r.Record.Id).ToListAsync(Ct);
        Assert.Equal(["1", "2"], oranges);

        await Assert.ThrowsAsync<InvalidOperationException>(() => hybrid.HybridSearchAsync(Same, ["Apples"], 3, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<InvalidOperationException>(() => hybrid.HybridSearchAsync(Same, ["Apples"], 3, new HybridSearchOptions<TwoTexts> { AdditionalProperty = r => r.Plain }, Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => hybrid.HybridSearchAsync(Same, [], 3, new HybridSearchOptions<TwoTexts> { AdditionalProperty = r => r.Text1 }, Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => hybrid.HybridSearchAsync(Same, ["  "], 3, new HybridSearchOptions<TwoTexts> { AdditionalProperty = r => r.Text1 }, Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => hybrid.HybridSearchAsync(Same, ["Apples"], 0, new HybridSearchOptions<TwoTexts> { AdditionalProperty = r => r.Text1 }, Ct).ToListAsync(Ct).AsTask());

        // A record type without any full-text property.
        var hotels = (IKeywordHybridSearchable<Hotel>)store.GetCollection<string, Hotel>("hotels");
        await ((VectorStoreCollection<string, Hotel>)hotels).EnsureCollectionExistsAsync(Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => hotels.HybridSearchAsync(new float[] { 1, 0, 0, 0 }, ["x"], 3, cancellationToken: Ct).ToListAsync(Ct).AsTask());
    }

    [Fact]
    public async Task A_rare_identifier_finds_its_record_when_the_dense_score_does_not()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = (NormCollection<string, Fruit>)store.GetCollection<string, Fruit>("parts");
        await c.EnsureCollectionExistsAsync(Ct);
        var rng = new Random(17);
        var records = Enumerable.Range(0, 300).Select(i => new Fruit
        {
            Id = "p" + i,
            Code = i,
            Text = $"replacement part number {i} for pumps and valves",
            Vector = NormRetrieval.Testing.TestVectors.RandomUnitRows(rng, 1, 4),
        }).ToList();
        records[137].Text = "seal kit XK-4471Q for pumps";
        await c.UpsertAsync(records, Ct);

        // A query vector that the target ranks poorly against.
        float[] query = [.. records[137].Vector.ToArray().Select(x => -x)];
        var dense = await c.SearchAsync(query, 10, cancellationToken: Ct).Select(r => r.Record.Id).ToListAsync(Ct);
        Assert.DoesNotContain("p137", dense);

        var hybrid = await c.HybridSearchAsync(query, ["XK-4471Q"], 10, cancellationToken: Ct).Select(r => r.Record.Id).ToListAsync(Ct);
        Assert.Contains("p137", hybrid.Take(2));
        var fromQueryText = await c.HybridSearchAsync(query, "which seal kit fits XK-4471Q".Split(' '), 5, cancellationToken: Ct).Select(r => r.Record.Id).ToListAsync(Ct);
        Assert.Contains("p137", fromQueryText);
    }

    [Fact]
    public async Task Filters_apply_to_both_rankings()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = await FruitAsync(store);
        var results = await c.HybridSearchAsync(Same, ["healthy"], 5, new HybridSearchOptions<Fruit> { Filter = r => r.Code >= 2 }, Ct).Select(r => r.Record.Code).ToListAsync(Ct);
        Assert.Equal([3, 2], results);
        Assert.Empty(await c.HybridSearchAsync(Same, ["healthy"], 5, new HybridSearchOptions<Fruit> { Filter = r => r.Code > 10 }, Ct).ToListAsync(Ct));
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("NEAR(apples oranges)")]
    [InlineData("text: grapes")]
    [InlineData("grap*")]
    [InlineData("^grapes")]
    [InlineData("AND")]
    [InlineData("OR NOT -")]
    [InlineData("'); DROP TABLE records_1; --")]
    [InlineData("{text}: sweet")]
    public async Task Keywords_that_look_like_FTS5_syntax_are_literal_words(string keyword)
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = await FruitAsync(store);
        await c.UpsertAsync(new Fruit { Id = "4", Code = 4, Text = "near and or not drop table text grap", Vector = Same }, Ct);

        var results = await c.HybridSearchAsync(Same, [keyword], 4, new NormHybridSearchOptions<Fruit> { Fusion = HybridFusionOptions.Parse("weighted:0") }, Ct).ToListAsync(Ct);
        Assert.Equal(4, results.Count);
        Assert.Equal(4, await c.CountAsync(Ct));

        // Whatever the keyword, only records holding one of its words as a word rank above the others.
        string[] words = [.. System.Text.RegularExpressions.Regex.Split(keyword.ToLowerInvariant(), @"[^\p{L}\p{N}]+").Where(w => w.Length > 0)];
        bool Holds(Fruit f) => words.Any(w => f.Text.ToLowerInvariant().Split(' ', ',', '.').Any(t => t == w || t == w + "s"));
        var matching = results.Where(r => Holds(r.Record)).ToList();
        Assert.All(results.Take(matching.Count), r => Assert.True(Holds(r.Record), $"'{keyword}' ranked {r.Record.Text} first"));
    }

    [Fact]
    public async Task A_norm_policy_reranks_the_fused_list()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = (NormCollection<string, Fruit>)store.GetCollection<string, Fruit>("norms");
        await c.EnsureCollectionExistsAsync(Ct);

        // Same direction, same text; norms 1 … 8: only the norm can separate them.
        await c.UpsertAsync([.. Enumerable.Range(0, 8).Select(i => new Fruit { Id = "n" + i, Code = i, Text = "same words", Vector = new float[] { i + 1, 0, 0, 0 } })], Ct);
        var plain = await c.HybridSearchDetailedAsync(Same, ["same"], 8, cancellationToken: Ct);
        Assert.Equal("hybrid(rrf:60)", plain.Policy);
        var ranked = await c.HybridSearchDetailedAsync(Same, ["same"], 8, new NormHybridSearchOptions<Fruit> { Ranking = NormRankingOptions.Parse("magnitude:1") }, Ct);
        Assert.StartsWith("hybrid(rrf:60)+magnitude", ranked.Policy, StringComparison.Ordinal);
        Assert.Equal("n7", ranked.Results[0].Record.Id);
        Assert.Equal("n0", ranked.Results[^1].Record.Id);
        Assert.All(ranked.Results, r => Assert.InRange(r.Explanation.Cosine, 0, 1));
        Assert.Contains(ranked.Results, r => r.Explanation.Adjustment != 0);
    }

    [Fact]
    public async Task The_full_text_index_follows_upserts_deletes_drops_and_is_verified()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = await FruitAsync(store);
        var keywordOnly = new NormHybridSearchOptions<Fruit> { Fusion = HybridFusionOptions.Parse("weighted:0") };
        Assert.Equal(3, (await c.HybridSearchAsync(Same, ["grapes"], 1, keywordOnly, Ct).SingleAsync(Ct)).Record.Code);

        // Rewritten text: the old word no longer finds the record, the new one does.
        await c.UpsertAsync(new Fruit { Id = "3", Code = 3, Text = "Plums are purple", Vector = Same }, Ct);
        Assert.NotEqual(3, (await c.HybridSearchAsync(Same, ["grapes"], 1, keywordOnly, Ct).SingleAsync(Ct)).Record.Code);
        Assert.Equal(3, (await c.HybridSearchAsync(Same, ["plums"], 1, keywordOnly, Ct).SingleAsync(Ct)).Record.Code);
        await c.DeleteAsync("3", Ct);
        Assert.DoesNotContain(3, await c.HybridSearchAsync(Same, ["plums"], 5, keywordOnly, Ct).Select(r => r.Record.Code).ToListAsync(Ct));
        Assert.True((await store.VerifyAsync(Ct)).IsHealthy);

        // An entry of a record that is gone is found by verify.
        await Execute(temp, "INSERT INTO fts_1_" + TableSuffix("Text") + " (rowid, body) VALUES (999, 'ghost');");
        var problems = (await store.VerifyAsync(Ct)).Problems;
        Assert.Contains(problems, p => p.Contains("1 entries of records that no longer exist", StringComparison.Ordinal));

        await store.EnsureCollectionDeletedAsync("fruit", Ct);
        Assert.Equal(0L, await Scalar(temp, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'fts_1_%';"));
    }

    [Fact]
    public async Task A_property_declared_full_text_later_is_indexed_from_the_rows_already_stored()
    {
        using var temp = new TempStore();
        using (var store = temp.Open())
        {
            var plain = store.GetCollection<string, PlainFruit>("later");
            await plain.EnsureCollectionExistsAsync(Ct);
            await plain.UpsertAsync([new PlainFruit { Id = "a", Text = "kiwi", Vector = Same }, new PlainFruit { Id = "b", Text = "mango", Vector = Same }], Ct);
        }

        using (var store = temp.Open())
        {
            var c = (IKeywordHybridSearchable<Fruit>)store.GetCollection<string, Fruit>("later");
            var keywordOnly = new NormHybridSearchOptions<Fruit> { Fusion = HybridFusionOptions.Parse("weighted:0") };
            Assert.Equal("b", (await c.HybridSearchAsync(Same, ["mango"], 1, keywordOnly, Ct).SingleAsync(Ct)).Record.Id);
        }
    }

    private static async Task<NormCollection<string, Fruit>> FruitAsync(NormVectorStore store)
    {
        var c = (NormCollection<string, Fruit>)store.GetCollection<string, Fruit>("fruit");
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(
            [
                new Fruit { Id = "1", Code = 1, Text = "Apples are a healthy and nourishing snack", Vector = Same },
                new Fruit { Id = "2", Code = 2, Text = "Oranges are tangy and contain vitamin c", Vector = Same },
                new Fruit { Id = "3", Code = 3, Text = "Grapes are healthy, sweet and juicy", Vector = Same },
            ],
            Ct);
        return c;
    }

    private static string TableSuffix(string storageName) =>
        System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(storageName)).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task Execute(TempStore temp, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<long> Scalar(TempStore temp, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    public sealed class Fruit
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public int Code { get; set; }

        [VectorStoreVector(4)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }

    public sealed class PlainFruit
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData]
        public string Text { get; set; } = "";

        [VectorStoreVector(4)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }

    public sealed class TwoTexts
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text1 { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text2 { get; set; } = "";

        [VectorStoreData]
        public string Plain { get; set; } = "";

        [VectorStoreVector(4)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }
}
