using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.Testing.Contract;

/// <summary>
/// Records in and out, as the MEVD contract has them: every key type, Guid keys generated when left empty,
/// every data type round-tripped, batches, upsert replacing, deletes, missing keys, dynamic records.
/// </summary>
public abstract class CrudContractTests(ContractStore fixture)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ContractStore Fixture => fixture;

    public static VectorStoreCollectionDefinition Definition(Type keyType) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", keyType),
            new VectorStoreDataProperty("Int", typeof(int)),
            new VectorStoreDataProperty("Text", typeof(string)),
            new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 3),
        ],
    };

    [Fact]
    public Task String_keys() => KeyRoundTrip("k1", "k2");

    [Fact]
    public Task Int_keys() => KeyRoundTrip(8, 9);

    [Fact]
    public Task Long_keys() => KeyRoundTrip(8L, long.MaxValue);

    [Fact]
    public Task Guid_keys() => KeyRoundTrip(new Guid("603840bf-cf91-4521-8b8e-8b6a2e75910a"), Guid.NewGuid());

    [Fact]
    public async Task Departure_1_Guid_keys_left_empty_are_generated_and_written_back()
    {
        var c = fixture.Store.GetCollection<Guid, KeyedRecord<Guid>>(fixture.NewName("guid-auto"), Definition(typeof(Guid)));
        await c.EnsureCollectionExistsAsync(Ct);
        var a = new KeyedRecord<Guid> { Int = 1, Vector = new float[] { 1, 2, 3 } };
        var b = new KeyedRecord<Guid> { Int = 2, Vector = new float[] { 3, 2, 1 } };
        await c.UpsertAsync([a, b], Ct);

        Assert.NotEqual(Guid.Empty, a.Key);
        Assert.NotEqual(Guid.Empty, b.Key);
        Assert.NotEqual(a.Key, b.Key);
        Assert.Equal(1, (await c.GetAsync(a.Key, cancellationToken: Ct))!.Int);
        Assert.Equal(2, (await c.GetAsync(b.Key, cancellationToken: Ct))!.Int);
        Assert.Null(await c.GetAsync(Guid.Empty, cancellationToken: Ct));

        // A key the caller chose is kept.
        var chosen = new KeyedRecord<Guid> { Key = Guid.NewGuid(), Int = 3, Vector = new float[] { 1, 1, 1 } };
        Guid before = chosen.Key;
        await c.UpsertAsync(chosen, Ct);
        Assert.Equal(before, chosen.Key);
        Assert.Equal(3, (await c.GetAsync(before, cancellationToken: Ct))!.Int);
    }

    [Fact]
    public async Task Departure_1_Guid_keys_of_dynamic_records_are_generated_too()
    {
        var c = fixture.Store.GetDynamicCollection(fixture.NewName("guid-dyn"), Definition(typeof(Guid)));
        await c.EnsureCollectionExistsAsync(Ct);
        var record = new Dictionary<string, object?> { ["Int"] = 5, ["Text"] = "t", ["Vector"] = new ReadOnlyMemory<float>([1, 2, 3]) };
        await c.UpsertAsync(record, Ct);
        var key = Assert.IsType<Guid>(record["Key"]);
        Assert.NotEqual(Guid.Empty, key);
        Assert.Equal(5, (await c.GetAsync(key, cancellationToken: Ct))!["Int"]);
    }

    [Fact]
    public async Task Batches_upsert_get_and_delete_together()
    {
        var c = fixture.Store.GetCollection<string, KeyedRecord<string>>(fixture.NewName("batch"), Definition(typeof(string)));
        await c.EnsureCollectionExistsAsync(Ct);
        var records = Enumerable.Range(0, 25).Select(i => new KeyedRecord<string> { Key = "r" + i, Int = i, Text = "text " + i, Vector = new float[] { 1, i + 1, 2 } }).ToList();
        await c.UpsertAsync(records, Ct);

        var got = await c.GetAsync(records.Select(r => r.Key).Append("missing"), cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(25, got.Count);
        Assert.All(got, g => Assert.Equal("text " + g.Int, g.Text));
        Assert.Null(await c.GetAsync("missing", cancellationToken: Ct));

        await c.DeleteAsync(records.Take(10).Select(r => r.Key), Ct);
        Assert.Empty(await c.GetAsync(records.Take(10).Select(r => r.Key), cancellationToken: Ct).ToListAsync(Ct));
        Assert.Equal(15, (await c.GetAsync(records.Select(r => r.Key), cancellationToken: Ct).ToListAsync(Ct)).Count);

        // Deleting what is not there is not an error.
        await c.DeleteAsync("never-there", Ct);
        await c.DeleteAsync([], Ct);
    }

    [Fact]
    public async Task Upsert_replaces_and_vectors_come_back_only_when_asked()
    {
        var c = fixture.Store.GetCollection<int, KeyedRecord<int>>(fixture.NewName("replace"), Definition(typeof(int)));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(new KeyedRecord<int> { Key = 1, Int = 1, Text = "old", Vector = new float[] { 1, 0, 0 } }, Ct);
        await c.UpsertAsync(new KeyedRecord<int> { Key = 1, Int = 2, Text = null, Vector = new float[] { 0, 2, 0 } }, Ct);

        var plain = await c.GetAsync(1, cancellationToken: Ct);
        Assert.Equal(2, plain!.Int);
        Assert.Null(plain.Text);
        Assert.True(plain.Vector.IsEmpty);

        var full = await c.GetAsync(1, new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal([0f, 2f, 0f], full!.Vector.ToArray(), (x, y) => Math.Abs(x - y) < 1e-5f);

        var hit = Assert.Single(await c.SearchAsync(new ReadOnlyMemory<float>([0, 1, 0]), 5, cancellationToken: Ct).ToListAsync(Ct));
        Assert.Equal(1, hit.Record.Key);
        Assert.Equal(1.0, hit.Score!.Value, 4);
    }

    [Fact]
    public async Task Every_data_type_round_trips()
    {
        var c = fixture.Store.GetCollection<string, AllTypes>(fixture.NewName("types"));
        await c.EnsureCollectionExistsAsync(Ct);
        var value = AllTypes.Sample("a");
        var empty = new AllTypes { Key = "b", Vector = new float[] { 1, 1, 1 }, StringArray = [], StringList = [] };
        await c.UpsertAsync([value, empty], Ct);

        var back = await c.GetAsync("a", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.NotNull(back);
        Assert.Equivalent(value with { Vector = default }, back with { Vector = default }, strict: true);
        Assert.Equal(value.Vector.ToArray(), back.Vector.ToArray(), (x, y) => Math.Abs(x - y) < 1e-5f);
        var none = await c.GetAsync("b", cancellationToken: Ct);
        Assert.Null(none!.NullableInt);
        Assert.Null(none.String);
        Assert.Empty(none.StringArray);
    }

    [Fact]
    public async Task Dynamic_records_round_trip_through_the_same_collection()
    {
        string name = fixture.NewName("dyn");
        var typed = fixture.Store.GetCollection<string, KeyedRecord<string>>(name, Definition(typeof(string)));
        var dynamic = fixture.Store.GetDynamicCollection(name, Definition(typeof(string)));
        await dynamic.EnsureCollectionExistsAsync(Ct);
        await dynamic.UpsertAsync(new Dictionary<string, object?> { ["Key"] = "d", ["Int"] = 7, ["Text"] = "x", ["Vector"] = new ReadOnlyMemory<float>([1, 2, 3]) }, Ct);
        Assert.Equal(7, (await typed.GetAsync("d", cancellationToken: Ct))!.Int);
        var back = await dynamic.GetAsync("d", new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal("x", back!["Text"]);
        Assert.Equal([1f, 2f, 3f], ((ReadOnlyMemory<float>)back["Vector"]!).ToArray(), (x, y) => Math.Abs(x - y) < 1e-5f);
        await dynamic.DeleteAsync("d", Ct);
        Assert.Null(await typed.GetAsync("d", cancellationToken: Ct));
    }

    [Fact]
    public async Task A_definition_of_another_dimension_is_refused_at_GetCollection()
    {
        string name = fixture.NewName("dimension");
        var c = fixture.Store.GetCollection<string, KeyedRecord<string>>(name, Definition(typeof(string)));
        await c.EnsureCollectionExistsAsync(Ct);
        var wider = new VectorStoreCollectionDefinition
        {
            Properties = [new VectorStoreKeyProperty("Key", typeof(string)), new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 768)],
        };

        var ex = Assert.Throws<InvalidOperationException>(() => fixture.Store.GetCollection<string, KeyedRecord<string>>(name, wider));
        Assert.Contains("768", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dimension 3", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => fixture.Store.GetDynamicCollection(name, wider));

        // A collection that does not exist yet takes any dimension.
        Assert.NotNull(fixture.Store.GetCollection<string, KeyedRecord<string>>(fixture.NewName("dimension"), wider));
    }

    [Fact]
    public async Task Top_and_skip_are_bounded_by_the_collection()
    {
        var c = fixture.Store.GetCollection<string, KeyedRecord<string>>(fixture.NewName("bounds"), Definition(typeof(string)));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(Enumerable.Range(0, 5).Select(i => new KeyedRecord<string> { Key = "b" + i, Int = i, Vector = new float[] { 1, i + 1, 1 } }), Ct);
        var query = new ReadOnlyMemory<float>([1, 2, 1]);

        Assert.Equal(5, await c.SearchAsync(query, int.MaxValue, cancellationToken: Ct).CountAsync(Ct));
        Assert.Equal(5, await c.SearchAsync(query, 50_000_000, cancellationToken: Ct).CountAsync(Ct));
        Assert.Empty(await c.SearchAsync(query, 3, new VectorSearchOptions<KeyedRecord<string>> { Skip = int.MaxValue }, Ct).ToListAsync(Ct));
        Assert.Equal(2, await c.SearchAsync(query, int.MaxValue, new VectorSearchOptions<KeyedRecord<string>> { Skip = 3 }, Ct).CountAsync(Ct));

        // A norm-aware policy overfetches: still bounded, no overflow.
        var ranked = new NormRetrieval.VectorData.NormSearchOptions<KeyedRecord<string>>
        {
            Ranking = NormRetrieval.VectorData.NormRankingOptions.Parse("specificity:0.05"),
            Skip = int.MaxValue - 1,
        };
        Assert.Empty(await c.SearchAsync(query, int.MaxValue, ranked, Ct).ToListAsync(Ct));
        ranked.Skip = 1;
        Assert.Equal(4, await c.SearchAsync(query, int.MaxValue, ranked, Ct).CountAsync(Ct));
    }

    [Fact]
    public async Task Collections_are_created_listed_and_deleted()
    {
        string name = fixture.NewName("life");
        var c = fixture.Store.GetCollection<string, KeyedRecord<string>>(name, Definition(typeof(string)));
        Assert.False(await c.CollectionExistsAsync(Ct));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.EnsureCollectionExistsAsync(Ct);
        Assert.True(await fixture.Store.CollectionExistsAsync(name, Ct));
        Assert.Contains(name, await fixture.Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        await c.EnsureCollectionDeletedAsync(Ct);
        await c.EnsureCollectionDeletedAsync(Ct);
        Assert.False(await c.CollectionExistsAsync(Ct));
        Assert.DoesNotContain(name, await fixture.Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
    }

    private async Task KeyRoundTrip<TKey>(TKey first, TKey second)
        where TKey : notnull
    {
        var c = fixture.Store.GetCollection<TKey, KeyedRecord<TKey>>(fixture.NewName("key-" + typeof(TKey).Name.ToLowerInvariant()), Definition(typeof(TKey)));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync([new KeyedRecord<TKey> { Key = first, Int = 8, Vector = new float[] { 1, 2, 3 } }, new KeyedRecord<TKey> { Key = second, Int = 9, Vector = new float[] { 3, 2, 1 } }], Ct);
        Assert.Equal(8, (await c.GetAsync(first, cancellationToken: Ct))!.Int);
        Assert.Equal(second, (await c.GetAsync(second, cancellationToken: Ct))!.Key);
        var hit = await c.SearchAsync(new ReadOnlyMemory<float>([3, 2, 1]), 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal(second, hit.Record.Key);
        if (fixture.SupportsFilteredGet)
        {
            Assert.Equal(2, await c.GetAsync(r => r.Int > 0, 10, cancellationToken: Ct).CountAsync(Ct));
        }
        else
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync(r => r.Int > 0, 10, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        }

        await c.DeleteAsync(first, Ct);
        Assert.Null(await c.GetAsync(first, cancellationToken: Ct));
    }
}

/// <summary>A record with a key of any supported type, an int, a text and a vector.</summary>
public sealed class KeyedRecord<TKey>
{
    public TKey Key { get; set; } = default!;

    public int Int { get; set; }

    public string? Text { get; set; }

    public ReadOnlyMemory<float> Vector { get; set; }
}

/// <summary>Every data type the stores support, declared with attributes.</summary>
public sealed record AllTypes
{
    [VectorStoreKey]
    public string Key { get; set; } = "";

    [VectorStoreData]
    public string? String { get; set; }

    [VectorStoreData]
    public int Int { get; set; }

    [VectorStoreData]
    public int? NullableInt { get; set; }

    [VectorStoreData]
    public long Long { get; set; }

    [VectorStoreData]
    public float Float { get; set; }

    [VectorStoreData]
    public double Double { get; set; }

    [VectorStoreData]
    public bool Bool { get; set; }

    [VectorStoreData]
    public DateTimeOffset Date { get; set; }

    [VectorStoreData]
    public Guid Guid { get; set; }

    [VectorStoreData]
    public string[] StringArray { get; set; } = [];

    [VectorStoreData]
    public List<string> StringList { get; set; } = [];

    [VectorStoreVector(3)]
    public ReadOnlyMemory<float> Vector { get; set; }

    public static AllTypes Sample(string key) => new()
    {
        Key = key,
        String = "quote \" backslash \\ é 日本 $[x]",
        Int = -8,
        NullableInt = 42,
        Long = long.MinValue + 1,
        Float = 1.5f,
        Double = Math.PI,
        Bool = true,
        Date = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Guid = new Guid("11111111-2222-3333-4444-555555555555"),
        StringArray = ["x", "y"],
        StringList = ["a"],
        Vector = new float[] { 1, 2, 3 },
    };
}
