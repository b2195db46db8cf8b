namespace NormRetrieval.Evaluation;

/// <summary>Per-query and mean metrics of one run.</summary>
/// <param name="PerQuery">The metrics of each evaluated query, in qrels order.</param>
/// <param name="SkippedQueries">Judged queries without any relevant document: they have no defined nDCG or recall and are left out of the means.</param>
/// <param name="Options">The cut-offs.</param>
public sealed record EvaluationReport(IReadOnlyList<QueryMetrics> PerQuery, IReadOnlyList<string> SkippedQueries, EvaluationOptions Options)
{
    /// <summary>Mean nDCG.</summary>
    public double Ndcg => Mean(m => m.Ndcg);

    /// <summary>Mean recall.</summary>
    public double Recall => Mean(m => m.Recall);

    /// <summary>Mean reciprocal rank.</summary>
    public double Mrr => Mean(m => m.ReciprocalRank);

    /// <summary>Mean average precision.</summary>
    public double Map => Mean(m => m.AveragePrecision);

    private double Mean(Func<QueryMetrics, double> pick) => PerQuery.Count == 0 ? 0 : PerQuery.Average(pick);
}
