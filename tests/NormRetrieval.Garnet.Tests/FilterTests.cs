using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.Garnet.Tests;

/// <summary>The embedded store's filter cases, translated to vector-set FILTER expressions.</summary>
public sealed class FilterTests(GarnetFixture garnet)
{
    private static readonly DateTimeOffset Day = FilterCases.Day;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static List<Hotel> Hotels() => FilterCases.Hotels();

    [Fact]
    public async Task Filtered_search_returns_exactly_the_best_matching_records()
    {
        using var store = new GarnetVectorStore(garnet.Connection, new GarnetVectorStoreOptions { Shards = 3 });
        var c = store.GetCollection<string, Hotel>(garnet.NewName("filters"));
        await c.EnsureCollectionExistsAsync(Ct);
        var all = Hotels();
        await c.UpsertAsync(all, Ct);
        float[] query = [0.3f, 0.9f, 1, 1];
        foreach (var (name, filter) in FilterCases.Common)
        {
            if (name == "filter injection 2")
            {
                // It compares with a backslash, which the server's literals cannot hold: refused, not a silent miss.
                await Assert.ThrowsAsync<NotSupportedException>(() => c.SearchAsync(query, 5, new VectorSearchOptions<Hotel> { Filter = filter }, Ct).ToListAsync(Ct).AsTask());
                continue;
            }

            await FilterOracle.AssertFilteredSearchAsync(c, all, query, name, filter, Ct);
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
        var model = new NormRetrieval.VectorData.ProviderServices.NormModelBuilder().Build(typeof(Hotel), typeof(string), null, null);
        Assert.Equal("((.Rating >= 2) and !((.Open == true )))", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => h.Rating >= 2 && !h.Open), model));
        Assert.Equal("(.Name == \"a\\\"b'c\")", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => h.Name == "a\"b'c"), model));
        Assert.Throws<NotSupportedException>(() => GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => h.Name == "a\\c"), model));
        Assert.Equal("(.Name in [\"a\"] or .Name == null )", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => new[] { "a", null }.Contains(h.Name)), model));
        Assert.Equal("(\"pool\" in .Tags)", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => h.Tags.Contains("pool")), model));
        Assert.Equal("(.__key in [\"a\", \"b\"])", GarnetFilterTranslator.Translate((System.Linq.Expressions.Expression<Func<Hotel, bool>>)(h => new[] { "a", "b" }.Contains(h.Id)), model));
    }
}
