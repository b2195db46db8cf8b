using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Collections;

public sealed class FilterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TempStore Temp, NormVectorStore Store, VectorStoreCollection<string, Hotel> Collection, List<Hotel> All)> SetupAsync(string engine = "flat")
    {
        var temp = new TempStore();
        var store = temp.Open(new NormVectorStoreOptions { Engine = engine });
        var c = store.GetCollection<string, Hotel>("hotels");
        await c.EnsureCollectionExistsAsync(Ct);
        var all = FilterCases.Hotels();
        await c.UpsertAsync(all, Ct);
        return (temp, store, c, all);
    }

    public static TheoryData<string> Cases() => [.. Filters.Keys];

    private static readonly Dictionary<string, System.Linq.Expressions.Expression<Func<Hotel, bool>>> Filters = new(FilterCases.Common)
    {
        ["date >"] = h => h.Opened > FilterCases.Day.AddDays(20),
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
            await FilterOracle.AssertFilteredSearchAsync(c, all, query, name, filter, Ct);
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
