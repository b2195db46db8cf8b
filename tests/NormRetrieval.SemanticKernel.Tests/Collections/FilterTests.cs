using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Collections;

public sealed class FilterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Day = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static List<Hotel> Hotels() => [.. Enumerable.Range(0, 40).Select(i =>
    {
        var h = TempStore.Hotel("h" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture), (float)Math.Cos(i), (float)Math.Sin(i), i % 3, 1);
        h.Name = i % 7 == 0 ? null : "Name" + (i % 5);
        h.Rating = i % 5;
        h.Visits = i * 1000L;
        h.Price = i * 1.5f;
        h.Score = i / 10.0;
        h.Open = i % 2 == 0;
        h.Opened = Day.AddDays(i).ToOffset(TimeSpan.FromHours(i % 3));
        h.Tags = i % 4 == 0 ? ["pool"] : ["gym", "bar"];
        h.Stars = i % 6 == 0 ? null : i % 6;
        return h;
    })];

    private static async Task<(TempStore Temp, NormVectorStore Store, VectorStoreCollection<string, Hotel> Collection, List<Hotel> All)> SetupAsync(string engine = "flat")
    {
        var temp = new TempStore();
        var store = temp.Open(new NormVectorStoreOptions { Engine = engine });
        var c = store.GetCollection<string, Hotel>("hotels");
        await c.EnsureCollectionExistsAsync(Ct);
        var all = Hotels();
        await c.UpsertAsync(all, Ct);
        return (temp, store, c, all);
    }

    public static TheoryData<string> Cases() => [.. Filters.Keys];

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
        ["date >"] = h => h.Opened > Day.AddDays(20),
        ["tags contains"] = h => h.Tags.Contains("pool"),
        ["rooms contains"] = h => h.Rooms.Contains("double"),
        ["array contains"] = h => Names.Contains(h.Name!),
        ["inline array contains"] = h => new[] { 1, 3 }.Contains(h.Rating),
        ["key =="] = h => h.Id == "h05",
        ["key contains"] = h => new[] { "h01", "h02", "zz" }.Contains(h.Id),
        ["reversed"] = h => 3 < h.Rating,
        ["injection"] = h => h.Name == "x'); DROP TABLE records_1; --",
        ["injection 2"] = h => h.Tags.Contains("\" OR 1=1 --"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Filtered_get_returns_exactly_the_matching_records(string name)
    {
        var (temp, store, c, all) = await SetupAsync();
        using var _ = temp;
        using var __ = store;
        var filter = Filters[name];
        var expected = all.Where(filter.Compile()).Select(h => h.Id).Order().ToList();
        var actual = await c.GetAsync(filter, 100, cancellationToken: Ct).Select(h => h.Id).OrderBy(x => x).ToListAsync(Ct);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("flat")]
    [InlineData("faiss")]
    public async Task Filtered_search_returns_exactly_the_best_matching_records(string engine)
    {
        var (temp, store, c, all) = await SetupAsync(engine);
        using var _ = temp;
        using var __ = store;
        float[] query = [0.3f, 0.9f, 1, 1];
        foreach (var (name, filter) in Filters)
        {
            var matching = all.Where(filter.Compile()).ToList();
            var expected = matching
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

        // The injection attempts neither matched nor damaged anything.
        Assert.Equal(40, await ((NormCollection<string, Hotel>)c).CountAsync(Ct));
    }

    [Fact]
    public async Task Unsupported_filters_throw_not_supported()
    {
        var (temp, store, c, _) = await SetupAsync();
        using var __ = temp;
        using var ___ = store;
        await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync(h => h.Name!.StartsWith('N'), 5, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync(h => h.Rating + 1 == 2, 5, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync(h => h.Rating == h.Stars, 5, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync(h => h.Embedding == null, 5, cancellationToken: Ct).ToListAsync(Ct).AsTask());
    }
}
