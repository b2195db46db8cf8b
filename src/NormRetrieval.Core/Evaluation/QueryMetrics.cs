namespace NormRetrieval.Evaluation;

/// <summary>The metrics of one query.</summary>
/// <param name="QueryId">The query id.</param>
/// <param name="Ndcg">nDCG at <see cref="EvaluationOptions.NdcgAt"/>.</param>
/// <param name="Recall">Recall at <see cref="EvaluationOptions.RecallAt"/>.</param>
/// <param name="ReciprocalRank">Reciprocal rank at <see cref="EvaluationOptions.MrrAt"/>.</param>
/// <param name="AveragePrecision">Average precision over the whole ranking.</param>
public sealed record QueryMetrics(string QueryId, double Ndcg, double Recall, double ReciprocalRank, double AveragePrecision);
