using NormRetrieval.Ranking;

namespace NormRetrieval.VectorData;

/// <summary>A search result with everything behind its score.</summary>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <param name="Record">The record.</param>
/// <param name="Score">The score, in the meaning of the collection's distance function (cosine) or of the policy.</param>
/// <param name="Explanation">Cosine, norm, z-scores and the policy's adjustment.</param>
public sealed record NormSearchResult<TRecord>(TRecord Record, double Score, ScoreExplanation Explanation);
