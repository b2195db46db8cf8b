using NormRetrieval.Ranking;

namespace NormRetrieval.SemanticKernel;

/// <summary>The results of one search together with what the query itself reveals.</summary>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <param name="Results">The results, best first.</param>
/// <param name="QueryNorm">The raw norm of the query embedding.</param>
/// <param name="Confidence">The query confidence signal computed from the cosine candidates.</param>
/// <param name="Policy">The policy string that ranked the results.</param>
public sealed record NormSearchResponse<TRecord>(
    IReadOnlyList<NormSearchResult<TRecord>> Results, double QueryNorm, QueryConfidence Confidence, string Policy);
