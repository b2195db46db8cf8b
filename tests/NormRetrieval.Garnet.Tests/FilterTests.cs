using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel.Tests;

namespace NormRetrieval.Garnet.Tests;

/// <summary>The embedded store's filter cases, translated to vector-set FILTER expressions.</summary>
public sealed class FilterTests(GarnetFixture garnet)
{
    private static readonly DateTimeOffset Day = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Captured = "Name3";
    private static readonly string[] Names = ["Name1", "Name4"];

    private static readonly Dictionary<string, System.Linq.Expressions.Expression<Func<Hotel, bool>>> Filters = new()
    {
        ["=="] = h => h.Rating == 3,
        ["!="] = h => h.Rating != 3,
        ["<"] = h => h.Price < 10,
        ["<="] = h => h.Visits <= 5000,
        [">"] = h => h.Score > 2.5,
        [">="] = h => h.Rating >= 4,
        ["&&"] = h => h.Open && h.Rating > 1,
        ["||"] = h => h.Rating == 0 || h.Rating == 4,
        ["!"] = h => !(h.Rating == 2),
        ["bool"] = h => h.Open,
        ["!bool"] = h => !h.Open,
        ["== null"] = h => h.Name == null,
        ["!= null"] = h => h.Stars != null,
        ["nullable =="] = h => h.Stars == 2,
        ["nullable != value"] = h => h.Stars != 2,
        ["string =="] = h => h.Name == "Name2",
        ["string !="] = h => h.Name != "Name2",
        ["captured"] = h => h.Name == Captured,
        ["captured member"] = h => h.Rating == Day.Day % 5,
        ["date =="] = h => h.Opened == Day.AddDays(4),
        ["guid =="] = h => h.Code == Guid.Empty,
        ["tags contains"] = h => h.Tags.Contains("pool"),
        ["rooms contains"] = h => h.Rooms.Contains("double"),
        ["array contains"] = h => Names.Contains(h.Name!),
        ["inline array contains"] = h => new[] { 1, 3 }.Contains(h.Rating),
        ["key =="] = h => h.Id == "h05",
        ["key contains"] = h => new[] { "h01", "h02", "zz" }.Contains(h.Id),
        ["reversed"] = h => 3 < h.Rating,
        ["injection"] = h => h.Name == "x\" or .Rating > -1 or .Name == \"",
        ["injection 2"] = h => h.Tags.Contains("\\\" or 1 == 1 or \"\\"),
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static List<Hotel> Hotels() => [.. Enumerable.Range(0, 40).Select(i =>
    {
        var h = new Hotel
        {
            Id = "h" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture),
            Name = i % 7 == 0 ? null : "Name" + (i % 5),
            Rating = i % 5,
            Visits = i * 1000L,
            Price = i * 1.5f,
            Score = i / 10.0,
            Open = i % 2 == 0,
            Opened = Day.AddDays(i).ToOffset(TimeSpan.FromHours(i % 3)),
            Code = i % 3 == 0 ? Guid.Empty : Guid.Parse("8b4f2a5e-4c71-4f9e-9d0a-3c7e5b1f2a6d"),
            Tags = i % 4 == 0 ? ["pool"] : ["gym", "bar"],
            Rooms = ["single", "double"],
            Stars = i % 6 == 0 ? null : i % 6,
            Embedding = [(float)Math.Cos(i), (float)Math.Sin(i), i % 3, 1],
        };
        return h;
    })];

    [Fact]
    public async Task Filtered_search_returns_exactly_the_best_matching_records()
    {
        using var store = new GarnetVectorStore(garnet.Connection, new GarnetVectorStoreOptions { Shards = 3 });
        var c = store.GetCollection<string, Hotel>(garnet.NewName("filters"));
        await c.EnsureCollectionExistsAsync(Ct);
        var all = Hotels();
        await c.UpsertAsync(all, Ct);
        float[] query = [0.3f, 0.9f, 1, 1];
        foreach (var (name, filter) in Filters)
        {
            var expected = all.Where(filter.Compile())
                .Select(h => (h.Id, Cos: TensorPrimitives.CosineSimilarity(query, h.Embedding!)))
                .OrderByDescending(x => x.Cos).ThenBy(x => x.Id).Take(5).ToList();
            var actual = await c.SearchAsync(query, 5, new VectorSearchOptions<Hotel> { Filter = filter }, Ct).ToListAsync(Ct);
            Assert.True(expected.Count == actual.Count, $"{name}: {expected.Count} expected, {actual.Count} found");
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Cos, actual[i].Score!.Value, 4);
            }

            Assert.All(actual, r => Assert.True(filter.Compile()(r.Record), name));
        }

        Assert.Equal(40, await ((GarnetCollection<string, Hotel>)c).CountAsync(Ct));
    }

    [Fact]
    public async Task Filters_the_server_cannot_express_throw_not_supported()
    {
        using var store = new GarnetVectorStore(garnet.Connection);
        var c = store.GetCollection<string, Hotel>(garnet.NewName("unsupported"));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(Hotels(), Ct);
        float[] q = [1, 0, 0, 1];
        async Task Search(System.Linq.Expressions.Expression<Func<Hotel, bool>> filter) =>
            await c.SearchAsync(q, 3, new VectorSearchOptions<Hotel> { Filter = filter }, Ct).ToListAsync(Ct);

        var e = await Assert.ThrowsAsync<NotSupportedException>(() => Search(h => h.Opened > Day));
        Assert.Contains("Opened", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(h => string.CompareOrdinal(h.Name, "N") > 0));
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(h => h.Name!.StartsWith('N')));
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(h => h.Rating + 1 == 2));
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(h => h.Rating == h.Stars));
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(h => h.Name == "line\nbreak"));
        await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync(h => h.Rating == 1, 5, cancellationToken: Ct).ToListAsync(Ct).AsTask());
    }

    [Fact]
    public void Translations_are_the_documented_expressions()
    {
        var model = new NormRetrieval.SemanticKernel.NormModelBuilder().Build(typeof(Hotel), typeof(string), null, null);
        Assert.Equal("((.Rating >= 2) and !((.Open == true )))", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => h.Rating >= 2 && !h.Open), model));
        Assert.Equal("(.Name == \"a\\\"b\\\\c\")", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => h.Name == "a\"b\\c"), model));
        Assert.Equal("(\"pool\" in .Tags)", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => h.Tags.Contains("pool")), model));
        Assert.Equal("(.__key in [\"a\", \"b\"])", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => new[] { "a", "b" }.Contains(h.Id)), model));
    }
}
