namespace NormRetrieval.Ranking;

/// <summary>One candidate returned by a cosine search, to be reranked.</summary>
/// <typeparam name="TKey">The record key type.</typeparam>
/// <param name="Key">The record key.</param>
/// <param name="Cosine">Cosine similarity to the query.</param>
/// <param name="Norm">The raw norm of the document embedding.</param>
/// <param name="TokenCount">The document's token count, when known (used by length-residualised policies).</param>
public readonly record struct RerankCandidate<TKey>(TKey Key, double Cosine, double Norm, int? TokenCount = null);
