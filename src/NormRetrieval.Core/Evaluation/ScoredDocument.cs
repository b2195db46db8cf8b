namespace NormRetrieval.Evaluation;

/// <summary>A document id with its retrieval score.</summary>
/// <param name="Id">The document id.</param>
/// <param name="Score">The score (larger is better).</param>
public readonly record struct ScoredDocument(string Id, double Score);
