using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel;
using NormRetrieval.Vectors;

namespace NormRetrieval.Garnet.Tests;

/// <summary>
/// The embedded store's cases, run against the embedded store and an in-process Garnet server with one
/// and four shards: every store must give the same answers.
/// </summary>
public sealed class ContractTests(GarnetFixture garnet)
{
    public static readonly TheoryData<string> Stores = ["embedded", "garnet-1", "garnet-4"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Hotel H(string id, float scale, params float[] direction) => StoreAssertions.Scaled(id, scale, direction);

    private static Hotel TempHotel(string id, float[] vector) => Hotel.Sample(id, vector);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Collections_are_created_listed_and_deleted(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        string name = garnet.NewName("life");
        var c = s.Collection<string, Hotel>(name);
        Assert.False(await c.CollectionExistsAsync(Ct));
        await Assert.ThrowsAsync<VectorStoreException>(() => c.UpsertAsync(H("a", 1, 1, 0, 0, 0), Ct));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.EnsureCollectionExistsAsync(Ct);
        Assert.True(await s.Store.CollectionExistsAsync(name, Ct));
        Assert.Contains(name, await s.Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        await c.UpsertAsync(H("a", 1, 1, 0, 0, 0), Ct);
        await c.EnsureCollectionDeletedAsync(Ct);
        Assert.False(await c.CollectionExistsAsync(Ct));
        Assert.DoesNotContain(name, await s.Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        await c.EnsureCollectionExistsAsync(Ct);
        Assert.Null(await c.GetAsync("a", cancellationToken: Ct));
        Assert.Throws<ArgumentException>(() => s.Collection<string, Hotel>("bad name!"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Every_data_type_round_trips_and_upsert_replaces(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        var c = s.Collection<string, Hotel>(garnet.NewName("types"));
        await c.EnsureCollectionExistsAsync(Ct);
        var a = H("a", 3, 1, 2, 2, 0);
        a.Stars = 4;
        a.Pets = true;
        a.Closed = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        a.Name = "quote \" backslash \\ é 日本";
        await c.UpsertAsync([a, H("b", 1, 0, 1, 0, 0), H("c", 2, 0, 0, 1, 0)], Ct);
        var back = await c.GetAsync("a", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        StoreAssertions.SameHotel(a, back);
        Assert.NotNull(back!.Embedding);
        Assert.Null((await c.GetAsync("a", cancellationToken: Ct))!.Embedding);

        var many = await c.GetAsync(["c", "missing", "b"], cancellationToken: Ct).Select(h => h.Id).ToListAsync(Ct);
        Assert.Equal(["b", "c"], many.Order());

        var replaced = H("a", 7, 0, 0, 0, 1);
        replaced.Name = "new";
        await c.UpsertAsync(replaced, Ct);
        Assert.Equal(3, await StoreUnderTest.CountAsync(c));
        Assert.Equal("new", (await c.GetAsync("a", cancellationToken: Ct))!.Name);
        var top = await c.SearchAsync(new float[] { 0, 0, 0, 1 }, 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal("a", top.Record.Id);
        var statistics = await StoreUnderTest.StatisticsAsync(c);
        Assert.Equal(3, statistics.Count);
        Assert.Equal((Math.Log(7) + Math.Log(1) + Math.Log(2)) / 3, statistics.MeanLogNorm, 5);

        await c.DeleteAsync(["a", "missing"], Ct);
        Assert.Null(await c.GetAsync("a", cancellationToken: Ct));
        Assert.Equal(2, await StoreUnderTest.CountAsync(c));
        Assert.Equal(2, (await StoreUnderTest.StatisticsAsync(c)).Count);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Guid_int_and_long_keys_work(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        var g = s.Collection<Guid, GuidRecord>(garnet.NewName("guid"));
        await g.EnsureCollectionExistsAsync(Ct);
        var id = Guid.NewGuid();
        await g.UpsertAsync(new GuidRecord { Key = id, Text = "x", Vector = new float[] { 1, 2, 3 } }, Ct);
        Assert.Equal("x", (await g.GetAsync(id, cancellationToken: Ct))!.Text);

        var i = s.Collection<int, IntRecord>(garnet.NewName("int"));
        await i.EnsureCollectionExistsAsync(Ct);
        await i.UpsertAsync(new IntRecord { Key = 42, Text = "y", Vector = new Microsoft.Extensions.AI.Embedding<float>(new float[] { 1, 0, 0 }) }, Ct);
        Assert.Equal(42, (await i.SearchAsync(new float[] { 1, 0, 0 }, 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Key);

        await StoreAssertions.CosineDistanceScoresAsync(s.Collection<long, LongRecord>(garnet.NewName("long")), Ct);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Scores_are_cosine_similarity_with_threshold_skip_and_vectors(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        await StoreAssertions.CosineSimilarityScoresAsync(s.Collection<string, Hotel>(garnet.NewName("scores")), Ct);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Bad_vectors_are_refused_and_nothing_is_stored(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        var c = s.Collection<string, Hotel>(garnet.NewName("bad"));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(H("keep", 1, 1, 0, 0, 0), Ct);
        await Assert.ThrowsAsync<InvalidVectorException>(() => c.UpsertAsync([H("x", 1, 1, 0, 0, 0), H("nan", 1, float.NaN, 0, 0, 0)], Ct));
        await Assert.ThrowsAsync<InvalidVectorException>(() => c.UpsertAsync([H("x", 1, 1, 0, 0, 0), H("zero", 0, 1, 0, 0, 0)], Ct));
        await Assert.ThrowsAsync<InvalidVectorException>(() => c.UpsertAsync(TempHotel("short", [1, 2, 3]), Ct));
        await Assert.ThrowsAsync<InvalidVectorException>(() => c.SearchAsync(new float[] { 1, 2 }, 1, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => c.SearchAsync(new[] { 1.0, 2.0 }, 1, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        Assert.Equal(1, await StoreUnderTest.CountAsync(c));
        Assert.Equal(1, (await StoreUnderTest.StatisticsAsync(c)).Count);
        Assert.Null(await c.GetAsync("x", cancellationToken: Ct));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Dynamic_collections_round_trip(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(string)),
                new VectorStoreDataProperty("Title", typeof(string)),
                new VectorStoreDataProperty("Year", typeof(int)),
                new VectorStoreVectorProperty("Vector", typeof(float[]), 3),
            ],
        };
        var c = s.Store.GetDynamicCollection(garnet.NewName("dyn"), definition);
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(new Dictionary<string, object?> { ["Key"] = "k", ["Title"] = "t", ["Year"] = 1999, ["Vector"] = new float[] { 0, 2, 0 } }, Ct);
        var back = await c.GetAsync("k", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal("t", back!["Title"]);
        Assert.Equal(1999, back["Year"]);
        Assert.Equal([0f, 2f, 0f], (float[])back["Vector"]!, (x, y) => Math.Abs(x - y) < 1e-5f);
        var hit = await c.SearchAsync(new float[] { 0, 1, 0 }, 1, new VectorSearchOptions<Dictionary<string, object?>> { Filter = r => (int)r["Year"]! > 1990 }, Ct).SingleAsync(Ct);
        Assert.Equal("k", hit.Record["Key"]);
    }
}
