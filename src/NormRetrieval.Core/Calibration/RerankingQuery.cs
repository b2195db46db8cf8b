using NormRetrieval.Ranking;

namespace NormRetrieval.Calibration;

/// <summary>One judged query with the candidates a cosine search returned for it.</summary>
/// <param name="QueryId">The query id.</param>
/// <param name="Query">The query's norm and token count.</param>
/// <param name="Candidates">The candidates, in cosine order (best first).</param>
/// <param name="Judgments">Document id → gain.</param>
public sealed record RerankingQuery(
    string QueryId,
    QueryFeatures Query,
    IReadOnlyList<RerankCandidate<string>> Candidates,
    IReadOnlyDictionary<string, int> Judgments);
