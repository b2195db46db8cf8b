namespace NormRetrieval.Indexing;

/// <summary>
/// The results of a batch search: for each query, <see cref="K"/> ids and scores, best first; slots
/// without a result hold id −1 and score −∞.
/// </summary>
public sealed class VectorSearchResults
{
    /// <summary>Wraps result arrays.</summary>
    /// <param name="queryCount">The number of queries.</param>
    /// <param name="k">Results per query.</param>
    /// <param name="ids">Ids, <c>queryCount × k</c>.</param>
    /// <param name="scores">Scores, <c>queryCount × k</c>.</param>
    /// <exception cref="ArgumentException">The array sizes do not match.</exception>
    public VectorSearchResults(int queryCount, int k, long[] ids, float[] scores)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(scores);
        if (ids.Length != (long)queryCount * k || scores.Length != ids.Length)
        {
            throw new ArgumentException("The result arrays must hold queryCount × k entries.");
        }

        QueryCount = queryCount;
        K = k;
        Ids = ids;
        Scores = scores;
    }

    /// <summary>The id that marks an empty slot.</summary>
    public const long NoId = -1;

    /// <summary>The number of queries.</summary>
    public int QueryCount { get; }

    /// <summary>Results per query.</summary>
    public int K { get; }

    /// <summary>All ids, query by query.</summary>
    public long[] Ids { get; }

    /// <summary>All scores, query by query.</summary>
    public float[] Scores { get; }

    /// <summary>The ids of one query's results.</summary>
    /// <param name="query">The query index.</param>
    /// <returns>A slice of <see cref="Ids"/>.</returns>
    public ReadOnlySpan<long> IdsOf(int query) => Ids.AsSpan(query * K, K);

    /// <summary>The scores of one query's results.</summary>
    /// <param name="query">The query index.</param>
    /// <returns>A slice of <see cref="Scores"/>.</returns>
    public ReadOnlySpan<float> ScoresOf(int query) => Scores.AsSpan(query * K, K);

    /// <summary>The filled results of one query as (id, score) pairs, best first.</summary>
    /// <param name="query">The query index.</param>
    /// <returns>The results without empty slots.</returns>
    public IReadOnlyList<(long Id, float Score)> Results(int query)
    {
        var list = new List<(long, float)>(K);
        for (int i = 0; i < K; i++)
        {
            long id = Ids[(query * K) + i];
            if (id != NoId)
            {
                list.Add((id, Scores[(query * K) + i]));
            }
        }

        return list;
    }
}
