namespace NormRetrieval.Evaluation;

/// <summary>
/// Per-query ranking metrics with trec_eval semantics: linear graded gains for nDCG with a log2(rank+1)
/// discount and the ideal ranking built from all judged relevant documents; gains ≤ 0 and unjudged
/// documents are non-relevant.
/// </summary>
/// <remarks>Pure functions; thread-safe.</remarks>
public static class RankingMetrics
{
    /// <summary>
    /// Orders scored documents as trec_eval does: by score descending, ties broken by document id
    /// descending (ordinal), so that ties never depend on input order.
    /// </summary>
    /// <param name="scored">The scored documents.</param>
    /// <returns>Document ids, best first.</returns>
    public static IReadOnlyList<string> Order(IEnumerable<ScoredDocument> scored)
    {
        ArgumentNullException.ThrowIfNull(scored);
        var list = scored.ToList();
        list.Sort(static (a, b) =>
        {
            int cmp = b.Score.CompareTo(a.Score);
            return cmp != 0 ? cmp : string.CompareOrdinal(b.Id, a.Id);
        });
        return [.. list.Select(s => s.Id)];
    }

    /// <summary>nDCG@k: DCG of the top k over the DCG of the ideal top k; 0 when nothing is relevant.</summary>
    /// <param name="ranking">Document ids, best first.</param>
    /// <param name="judgments">Document id → gain.</param>
    /// <param name="k">The cut-off (≥ 1).</param>
    /// <returns>nDCG@k in [0, 1].</returns>
    public static double Ndcg(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        Check(ranking, judgments, k);
        double dcg = 0;
        int n = Math.Min(k, ranking.Count);
        for (int i = 0; i < n; i++)
        {
            int gain = Gain(judgments, ranking[i]);
            if (gain > 0)
            {
                dcg += gain / Math.Log2(i + 2);
            }
        }

        var ideal = judgments.Values.Where(g => g > 0).OrderByDescending(g => g).Take(k).ToList();
        double idcg = 0;
        for (int i = 0; i < ideal.Count; i++)
        {
            idcg += ideal[i] / Math.Log2(i + 2);
        }

        return idcg == 0 ? 0 : dcg / idcg;
    }

    /// <summary>Recall@k: the share of relevant documents found in the top k; 0 when nothing is relevant.</summary>
    /// <param name="ranking">Document ids, best first.</param>
    /// <param name="judgments">Document id → gain.</param>
    /// <param name="k">The cut-off (≥ 1).</param>
    /// <returns>Recall@k in [0, 1].</returns>
    public static double Recall(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        Check(ranking, judgments, k);
        int relevant = judgments.Values.Count(g => g > 0);
        if (relevant == 0)
        {
            return 0;
        }

        int found = ranking.Take(k).Distinct(StringComparer.Ordinal).Count(id => Gain(judgments, id) > 0);
        return (double)found / relevant;
    }

    /// <summary>Reciprocal rank within the top k: 1/rank of the first relevant document, 0 when none is in the top k.</summary>
    /// <param name="ranking">Document ids, best first.</param>
    /// <param name="judgments">Document id → gain.</param>
    /// <param name="k">The cut-off (≥ 1).</param>
    /// <returns>RR@k in [0, 1].</returns>
    public static double ReciprocalRank(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        Check(ranking, judgments, k);
        int n = Math.Min(k, ranking.Count);
        for (int i = 0; i < n; i++)
        {
            if (Gain(judgments, ranking[i]) > 0)
            {
                return 1.0 / (i + 1);
            }
        }

        return 0;
    }

    /// <summary>
    /// Average precision over the whole ranking (trec_eval <c>map</c>): the sum of precision at each
    /// relevant document's rank, over the number of relevant documents judged.
    /// </summary>
    /// <param name="ranking">Document ids, best first.</param>
    /// <param name="judgments">Document id → gain.</param>
    /// <returns>AP in [0, 1]; 0 when nothing is relevant.</returns>
    public static double AveragePrecision(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments)
    {
        Check(ranking, judgments, 1);
        int relevant = judgments.Values.Count(g => g > 0);
        if (relevant == 0)
        {
            return 0;
        }

        double sum = 0;
        int hits = 0;
        for (int i = 0; i < ranking.Count; i++)
        {
            if (Gain(judgments, ranking[i]) > 0)
            {
                hits++;
                sum += (double)hits / (i + 1);
            }
        }

        return sum / relevant;
    }

    private static int Gain(IReadOnlyDictionary<string, int> judgments, string id) =>
        judgments.TryGetValue(id, out int g) ? g : 0;

    private static void Check(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(judgments);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
    }
}
