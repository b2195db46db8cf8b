using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Collections;

public sealed class RecordTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_data_type_round_trips()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var hotels = store.GetCollection<string, Hotel>("hotels");
        await hotels.EnsureCollectionExistsAsync(Ct);
        var hotel = TempStore.Hotel("h1", 1, 2, 3, 4);
        hotel.Stars = 4;
        hotel.Pets = false;
        hotel.Closed = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(7);
        await hotels.UpsertAsync(hotel, Ct);
        var back = await hotels.GetAsync("h1", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        StoreAssertions.SameHotel(hotel, back);
        Assert.NotNull(back!.Embedding);

        var withoutVectors = await hotels.GetAsync("h1", cancellationToken: Ct);
        Assert.Null(withoutVectors!.Embedding);

        var nulls = TempStore.Hotel("h2");
        nulls.Name = null;
        await hotels.UpsertAsync(nulls, Ct);
        var nullBack = await hotels.GetAsync("h2", cancellationToken: Ct);
        Assert.Null(nullBack!.Name);
        Assert.Null(nullBack.Stars);
        Assert.Null(nullBack.Closed);
    }

    [Fact]
    public async Task Guid_int_and_long_keys_and_every_vector_type_work()
    {
        using var temp = new TempStore();
        using var store = temp.Open();

        var guids = store.GetCollection<Guid, GuidRecord>("guids");
        await guids.EnsureCollectionExistsAsync(Ct);
        var g = Guid.NewGuid();
        await guids.UpsertAsync(new GuidRecord { Key = g, Text = "g", Vector = new float[] { 0, 3, 4 } }, Ct);
        var gBack = await guids.GetAsync(g, new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal(new float[] { 0, 3, 4 }, gBack!.Vector.ToArray());

        var ints = store.GetCollection<int, IntRecord>("ints");
        await ints.EnsureCollectionExistsAsync(Ct);
        await ints.UpsertAsync([new IntRecord { Key = 7, Text = "seven", Vector = new Embedding<float>(new float[] { 1, 0, 0 }) }, new IntRecord { Key = -3, Text = "minus", Vector = new Embedding<float>(new float[] { 0, 1, 0 }) }], Ct);
        Assert.Equal("seven", (await ints.GetAsync(7, cancellationToken: Ct))!.Text);
        Assert.Equal(new[] { -3, 7 }, await ints.GetAsync([7, -3, 99], cancellationToken: Ct).Select(r => r.Key).OrderBy(k => k).ToListAsync(Ct));

        var longs = store.GetCollection<long, LongRecord>("longs");
        await longs.EnsureCollectionExistsAsync(Ct);
        await longs.UpsertAsync(new LongRecord { Key = long.MaxValue, Text = "max", Vector = [1, 1, 0] }, Ct);
        Assert.Equal("max", (await longs.GetAsync(long.MaxValue, cancellationToken: Ct))!.Text);
    }

    [Fact]
    public async Task Batch_semantics_missing_keys_duplicates_and_replacement()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var hotels = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("hotels");
        await hotels.EnsureCollectionExistsAsync(Ct);

        // Duplicate keys in one batch: the last wins.
        var first = TempStore.Hotel("dup", 1, 0, 0, 0);
        var second = TempStore.Hotel("dup", 0, 1, 0, 0);
        second.Name = "second";
        await hotels.UpsertAsync([first, TempStore.Hotel("x"), second], Ct);
        Assert.Equal(2, await hotels.CountAsync(Ct));
        Assert.Equal("second", (await hotels.GetAsync("dup", cancellationToken: Ct))!.Name);
        Assert.Equal(2, hotels.IndexCount());

        // Upsert replaces, in the database and in the index.
        var third = TempStore.Hotel("dup", 0, 0, 1, 0);
        third.Name = "third";
        await hotels.UpsertAsync(third, Ct);
        Assert.Equal("third", (await hotels.GetAsync("dup", cancellationToken: Ct))!.Name);
        var hit = await hotels.SearchAsync(new float[] { 0, 0, 1, 0 }, 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal("dup", hit.Record.Id);
        Assert.Equal(1.0, hit.Score!.Value, 5);
        Assert.Equal(2, hotels.IndexCount());
        Assert.Equal(2, hotels.Statistics.Count);

        // Missing keys: null, skipped, and deleting them is a no-op.
        Assert.Null(await hotels.GetAsync("nope", cancellationToken: Ct));
        Assert.Single(await hotels.GetAsync(["nope", "x"], cancellationToken: Ct).ToListAsync(Ct));
        await hotels.DeleteAsync("nope", Ct);
        await hotels.DeleteAsync(["x", "x", "nope"], Ct);
        Assert.Equal(1, await hotels.CountAsync(Ct));
        Assert.Equal(1, hotels.IndexCount());
        Assert.Equal(1, hotels.Statistics.Count);
        await hotels.UpsertAsync([], Ct);
    }

    [Fact]
    public async Task Dynamic_collections_store_dictionaries()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(long)),
                new VectorStoreDataProperty("Title", typeof(string)),
                new VectorStoreDataProperty("Year", typeof(int?)),
                new VectorStoreDataProperty("Tags", typeof(List<string>)),
                new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 2),
            ],
        };
        var books = store.GetDynamicCollection("books", definition);
        await books.EnsureCollectionExistsAsync(Ct);
        await books.UpsertAsync(
        [
            new Dictionary<string, object?> { ["Key"] = 1L, ["Title"] = "One", ["Year"] = 1999, ["Tags"] = new List<string> { "a" }, ["Vector"] = new ReadOnlyMemory<float>([1, 0]) },
            new Dictionary<string, object?> { ["Key"] = 2L, ["Title"] = "Two", ["Year"] = null, ["Tags"] = new List<string>(), ["Vector"] = new ReadOnlyMemory<float>([0, 1]) },
        ], Ct);
        var one = await books.GetAsync(1L, cancellationToken: Ct);
        Assert.Equal("One", one!["Title"]);
        Assert.Equal(1999, one["Year"]);
        Assert.Equal(new List<string> { "a" }, one["Tags"]);
        var hits = await books.SearchAsync(new float[] { 0, 1 }, 2, new VectorSearchOptions<Dictionary<string, object?>> { Filter = r => (string)r["Title"]! == "One" }, Ct).ToListAsync(Ct);
        Assert.Equal(1L, Assert.Single(hits).Record["Key"]);
        Assert.Null((await books.GetAsync(2L, cancellationToken: Ct))!["Year"]);
    }

    [Fact]
    public async Task Filtered_get_with_order_skip_and_top()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var hotels = store.GetCollection<string, Hotel>("hotels");
        await hotels.EnsureCollectionExistsAsync(Ct);
        await hotels.UpsertAsync(Enumerable.Range(0, 10).Select(i =>
        {
            var h = TempStore.Hotel("h" + i, i + 1, 1, 0, 0);
            h.Rating = i;
            h.Open = i % 2 == 0;
            return h;
        }), Ct);
        var page = await hotels.GetAsync(h => h.Open, 2, new FilteredRecordRetrievalOptions<Hotel> { Skip = 1, OrderBy = o => o.Descending(h => h.Rating) }, Ct).ToListAsync(Ct);
        Assert.Equal([6, 4], page.Select(h => h.Rating));
    }
}
