using System.Numerics.Tensors;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.Testing;

/// <summary>Checks shared by the store test suites, so each store is held to the same expectations.</summary>
public static class StoreAssertions
{
    /// <summary>Every data property of a hotel read back equals what was written (dates as the same instant); the vector when one was read.</summary>
    public static void SameHotel(Hotel expected, Hotel? actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Assert.NotNull(actual);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Rating, actual.Rating);
        Assert.Equal(expected.Visits, actual.Visits);
        Assert.Equal(expected.Price, actual.Price);
        Assert.Equal(expected.Score, actual.Score);
        Assert.Equal(expected.Open, actual.Open);
        Assert.Equal(expected.Opened, actual.Opened); // the same instant (stored in UTC)
        Assert.Equal(expected.Code, actual.Code);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Rooms, actual.Rooms);
        Assert.Equal(expected.Stars, actual.Stars);
        Assert.Equal(expected.Discount, actual.Discount);
        Assert.Equal(expected.Pets, actual.Pets);
        Assert.Equal(expected.Closed, actual.Closed);
        if (actual.Embedding is not null)
        {
            Assert.Equal(expected.Embedding!, actual.Embedding, (x, y) => Math.Abs(x - y) < 1e-5f);
        }
    }

    /// <summary>Under CosineDistance, scores are 1 − cosine, lower first, and the threshold keeps distances at most it.</summary>
    public static async Task CosineDistanceScoresAsync(VectorStoreCollection<long, LongRecord> collection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collection);
        await collection.EnsureCollectionExistsAsync(cancellationToken);
        await collection.UpsertAsync([new LongRecord { Key = 1, Vector = [1, 0, 0] }, new LongRecord { Key = 2, Vector = [1, 1, 0] }, new LongRecord { Key = 3, Vector = [0, 0, 1] }], cancellationToken);
        var results = await collection.SearchAsync(new float[] { 1, 0, 0 }, 3, cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        Assert.Equal([1L, 2, 3], results.Select(r => r.Record.Key));
        Assert.Equal(0, results[0].Score!.Value, 5);
        Assert.Equal(1 - Math.Sqrt(0.5), results[1].Score!.Value, 5);
        Assert.Equal(1, results[2].Score!.Value, 5);
        var close = await collection.SearchAsync(new float[] { 1, 0, 0 }, 3, new VectorSearchOptions<LongRecord> { ScoreThreshold = 0.5 }, cancellationToken).ToListAsync(cancellationToken);
        Assert.Equal([1L, 2], close.Select(r => r.Record.Key));
    }

    /// <summary>
    /// Under CosineSimilarity, a score is exactly the cosine of the raw vectors whatever their norms; the
    /// threshold keeps scores at least it; Skip pages after ranking; IncludeVectors returns the raw vector.
    /// </summary>
    public static async Task CosineSimilarityScoresAsync(VectorStoreCollection<string, Hotel> collection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collection);
        await collection.EnsureCollectionExistsAsync(cancellationToken);
        var hotels = new[] { Scaled("a", 5, 1, 0, 0, 0), Scaled("b", 0.5f, 1, 1, 0, 0), Scaled("c", 9, 0, 1, 0, 0), Scaled("d", 1, -1, 0.2f, 0, 0) };
        await collection.UpsertAsync(hotels, cancellationToken);
        float[] query = [3, 1, 0, 0];
        var results = await collection.SearchAsync(query, 10, cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        Assert.Equal(["a", "b", "c", "d"], results.Select(r => r.Record.Id));
        foreach (var r in results)
        {
            Assert.Equal(TensorPrimitives.CosineSimilarity(query, hotels.Single(h => h.Id == r.Record.Id).Embedding!), r.Score!.Value, 5);
        }

        var thresholded = await collection.SearchAsync(query, 10, new VectorSearchOptions<Hotel> { ScoreThreshold = results[1].Score!.Value - 1e-5 }, cancellationToken).ToListAsync(cancellationToken);
        Assert.Equal(["a", "b"], thresholded.Select(r => r.Record.Id));
        var skipped = await collection.SearchAsync(query, 2, new VectorSearchOptions<Hotel> { Skip = 1 }, cancellationToken).ToListAsync(cancellationToken);
        Assert.Equal(["b", "c"], skipped.Select(r => r.Record.Id));
        var withVectors = await collection.SearchAsync(query, 1, new VectorSearchOptions<Hotel> { IncludeVectors = true }, cancellationToken).SingleAsync(cancellationToken);
        Assert.Equal(5f, withVectors.Record.Embedding![0], 1e-4f); // the raw vector, norm included
        Assert.Null((await collection.SearchAsync(query, 1, cancellationToken: cancellationToken).SingleAsync(cancellationToken)).Record.Embedding);
    }

    /// <summary>A sample hotel whose vector is a direction times a norm.</summary>
    public static Hotel Scaled(string id, float norm, params float[] direction) => Hotel.Sample(id, [.. direction.Select(x => x * norm)]);
}
