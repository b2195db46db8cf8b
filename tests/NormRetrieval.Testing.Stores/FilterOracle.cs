using System.Linq.Expressions;
using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.Testing;

/// <summary>The reference every store's filtered search is checked against: the filter compiled and applied in memory, then exact cosine top-k.</summary>
public static class FilterOracle
{
    /// <summary>Asserts that a filtered search returns exactly the best-matching records the in-memory filter keeps.</summary>
    public static async Task AssertFilteredSearchAsync(
        IVectorSearchable<Hotel> collection, IEnumerable<Hotel> all, float[] query, string name, Expression<Func<Hotel, bool>> filter, CancellationToken cancellationToken, int top = 5)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(filter);
        var keep = filter.Compile();
        var expected = all.Where(keep)
            .Select(h => (h.Id, Cos: TensorPrimitives.CosineSimilarity(query, h.Embedding!)))
            .OrderByDescending(x => x.Cos).ThenBy(x => x.Id).Take(top).ToList();
        var actual = await collection.SearchAsync(query, top, new VectorSearchOptions<Hotel> { Filter = filter }, cancellationToken).ToListAsync(cancellationToken);
        Assert.True(expected.Count == actual.Count, $"{name}: {expected.Count} expected, {actual.Count} found");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Cos, actual[i].Score!.Value, 4);
        }

        Assert.All(actual, r => Assert.True(keep(r.Record), name));
    }
}
