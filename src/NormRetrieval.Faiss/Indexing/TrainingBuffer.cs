using NormRetrieval.Indexing;

namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// Holds the vectors added to an untrained index (IVF, PQ) in a managed exact index — searchable at once —
/// until there are enough to train on; then they are handed over to be trained on and added.
/// </summary>
internal sealed class TrainingBuffer(int dimension, int trainAfter) : IDisposable
{
    private readonly ExactVectorIndex _vectors = new(dimension, new ExactVectorIndexOptions { Threads = 1 });

    /// <summary>How many vectors training waits for.</summary>
    public int TrainAfter { get; } = trainAfter >= 1 ? trainAfter : throw new ArgumentOutOfRangeException(nameof(trainAfter), trainAfter, "TrainAfter must be at least 1.");

    /// <summary>Vectors held.</summary>
    public long Count => _vectors.Count;

    /// <summary>Holds vectors.</summary>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => _vectors.Add(ids, vectors);

    /// <summary>Removes held vectors; returns how many were held.</summary>
    public int Remove(ReadOnlySpan<long> ids) => _vectors.Count == 0 ? 0 : _vectors.Remove(ids);

    /// <summary>Every held vector (still held: remove them once they are in the trained index).</summary>
    public (long[] Ids, float[] Vectors) Held() => _vectors.Export();

    /// <summary>Merges the held vectors' best matches into the index's results.</summary>
    public VectorSearchResults MergeInto(VectorSearchResults results, ReadOnlySpan<float> queries)
    {
        if (_vectors.Count == 0)
        {
            return results;
        }

        var held = _vectors.Search(queries, results.K);
        int k = results.K;
        var ids = new long[results.Ids.Length];
        var scores = new float[results.Scores.Length];
        for (int q = 0; q < results.QueryCount; q++)
        {
            var merged = results.Results(q).Concat(held.Results(q)).OrderByDescending(r => r.Score).ThenBy(r => r.Id).Take(k).ToList();
            for (int i = 0; i < k; i++)
            {
                ids[(q * k) + i] = i < merged.Count ? merged[i].Id : VectorSearchResults.NoId;
                scores[(q * k) + i] = i < merged.Count ? merged[i].Score : float.NegativeInfinity;
            }
        }

        return new VectorSearchResults(results.QueryCount, k, ids, scores);
    }

    /// <inheritdoc />
    public void Dispose() => _vectors.Dispose();
}
