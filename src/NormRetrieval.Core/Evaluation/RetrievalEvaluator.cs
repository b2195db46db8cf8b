namespace NormRetrieval.Evaluation;

/// <summary>Evaluates a run (rankings per query) against relevance judgments.</summary>
/// <remarks>
/// Every judged query with at least one relevant document is evaluated; a query the run has no
/// ranking for scores 0 (trec_eval <c>-c</c>). Judged queries without a relevant document are listed in
/// <see cref="EvaluationReport.SkippedQueries"/>. Thread-safe.
/// </remarks>
public static class RetrievalEvaluator
{
    /// <summary>Evaluates rankings.</summary>
    /// <param name="qrels">The judgments.</param>
    /// <param name="rankings">Query id → document ids, best first.</param>
    /// <param name="options">The cut-offs (default: nDCG@10, Recall@100, MRR@10).</param>
    /// <returns>The report.</returns>
    public static EvaluationReport Evaluate(Qrels qrels, IReadOnlyDictionary<string, IReadOnlyList<string>> rankings, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(qrels);
        ArgumentNullException.ThrowIfNull(rankings);
        options ??= EvaluationOptions.Default;
        var perQuery = new List<QueryMetrics>();
        var skipped = new List<string>();
        foreach (string q in qrels.QueryIds)
        {
            if (!qrels.HasRelevant(q))
            {
                skipped.Add(q);
                continue;
            }

            perQuery.Add(Measure(q, rankings.TryGetValue(q, out var r) ? r : [], qrels.For(q), options));
        }

        return new EvaluationReport(perQuery, skipped, options);
    }

    /// <summary>Evaluates scored runs, ordering each with trec_eval's tie-breaking (<see cref="RankingMetrics.Order"/>).</summary>
    /// <param name="qrels">The judgments.</param>
    /// <param name="run">Query id → scored documents in any order.</param>
    /// <param name="options">The cut-offs.</param>
    /// <returns>The report.</returns>
    public static EvaluationReport Evaluate(Qrels qrels, IReadOnlyDictionary<string, IReadOnlyList<ScoredDocument>> run, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var ordered = run.ToDictionary(kv => kv.Key, kv => RankingMetrics.Order(kv.Value), StringComparer.Ordinal);
        return Evaluate(qrels, ordered, options);
    }

    /// <summary>Computes the metrics of one query.</summary>
    /// <param name="queryId">The query id.</param>
    /// <param name="ranking">Document ids, best first.</param>
    /// <param name="judgments">The query's judgments.</param>
    /// <param name="options">The cut-offs.</param>
    /// <returns>The metrics.</returns>
    public static QueryMetrics Measure(string queryId, IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new QueryMetrics(
            queryId,
            RankingMetrics.Ndcg(ranking, judgments, options.NdcgAt),
            RankingMetrics.Recall(ranking, judgments, options.RecallAt),
            RankingMetrics.ReciprocalRank(ranking, judgments, options.MrrAt),
            RankingMetrics.AveragePrecision(ranking, judgments));
    }
}
