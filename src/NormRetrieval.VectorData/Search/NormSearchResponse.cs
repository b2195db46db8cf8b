using NormRetrieval.Ranking;

namespace NormRetrieval.VectorData;

/// <summary>The results of one search together with what the query itself reveals.</summary>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <param name="Results">The results, best first.</param>
/// <param name="QueryNorm">The raw norm of the query embedding.</param>
/// <param name="Confidence">The query confidence signal computed from the cosine candidates.</param>
/// <param name="Policy">The policy string that ranked the results.</param>
public sealed record NormSearchResponse<TRecord>(
    IReadOnlyList<NormSearchResult<TRecord>> Results, double QueryNorm, QueryConfidence Confidence, string Policy)
{
    /// <summary>
    /// True when some shards of a sharded collection did not answer and the caller opted into partial
    /// results: the results come from the other shards only. Always false for the embedded store.
    /// </summary>
    public bool IsPartial => UnavailableShards.Count > 0;

    /// <summary>The shards (with their endpoints) that did not answer; empty when the results are complete.</summary>
    public IReadOnlyList<string> UnavailableShards { get; init; } = [];
}
