namespace NormRetrieval.Ranking;

/// <summary>What the reranker knows of the query besides its direction.</summary>
/// <param name="Norm">The query embedding's raw norm (1 when unknown: then it carries no signal).</param>
/// <param name="TokenCount">The query's token count, when known.</param>
public readonly record struct QueryFeatures(double Norm, int? TokenCount = null);
