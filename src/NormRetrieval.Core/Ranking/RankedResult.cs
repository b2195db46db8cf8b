namespace NormRetrieval.Ranking;

/// <summary>A reranked result.</summary>
/// <typeparam name="TKey">The record key type.</typeparam>
/// <param name="Key">The record key.</param>
/// <param name="Score">The policy's score (larger is better).</param>
/// <param name="Explanation">How the score came about.</param>
public sealed record RankedResult<TKey>(TKey Key, double Score, ScoreExplanation Explanation);
