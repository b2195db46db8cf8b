using NormRetrieval.Evaluation;

namespace NormRetrieval.Tests.Evaluation;

public sealed class RankingMetricsTests
{
    // q1: graded judgments with one judged non-relevant document (d3); d9 is unjudged.
    private static readonly Dictionary<string, int> Q1 = new() { ["d1"] = 3, ["d2"] = 2, ["d3"] = 0, ["d4"] = 1 };
    private static readonly string[] Q1Ranking = ["d3", "d1", "d9", "d4", "d2"];

    [Fact]
    public void Ndcg_matches_hand_computation_with_graded_gains()
    {
        // DCG@3 = 3/log2(3); IDCG@3 = 3/log2(2) + 2/log2(3) + 1/log2(4).
        Assert.Equal(0.39748952229168844, RankingMetrics.Ndcg(Q1Ranking, Q1, 3), 12);

        // DCG@5 adds 1/log2(5) + 2/log2(6); the ideal is still three documents long.
        Assert.Equal(0.6504121821761035, RankingMetrics.Ndcg(Q1Ranking, Q1, 5), 12);
        Assert.Equal(0.6504121821761035, RankingMetrics.Ndcg(Q1Ranking, Q1, 100), 12);
        Assert.Equal(0, RankingMetrics.Ndcg(Q1Ranking, Q1, 1));
    }

    [Fact]
    public void Recall_mrr_and_ap_match_hand_computation()
    {
        Assert.Equal(1.0 / 3, RankingMetrics.Recall(Q1Ranking, Q1, 3), 12);
        Assert.Equal(1.0, RankingMetrics.Recall(Q1Ranking, Q1, 5), 12);
        Assert.Equal(0.5, RankingMetrics.ReciprocalRank(Q1Ranking, Q1, 10), 12);
        Assert.Equal(0, RankingMetrics.ReciprocalRank(Q1Ranking, Q1, 1));

        // Relevant at ranks 2, 4, 5: (1/2 + 2/4 + 3/5) / 3.
        Assert.Equal((0.5 + 0.5 + 0.6) / 3, RankingMetrics.AveragePrecision(Q1Ranking, Q1), 12);
    }

    [Fact]
    public void Relevant_documents_missing_from_the_ranking_still_count_in_the_ideal()
    {
        var judgments = new Dictionary<string, int> { ["a"] = 1, ["b"] = 1 };
        Assert.Equal(1 / (1 + (1 / Math.Log2(3))), RankingMetrics.Ndcg(["a"], judgments, 10), 12);
        Assert.Equal(0.5, RankingMetrics.Recall(["a"], judgments, 10), 12);
        Assert.Equal(0.5, RankingMetrics.AveragePrecision(["a"], judgments), 12);
    }

    [Fact]
    public void Queries_without_relevant_documents_score_zero()
    {
        var judgments = new Dictionary<string, int> { ["a"] = 0, ["b"] = -1 };
        Assert.Equal(0, RankingMetrics.Ndcg(["a", "b"], judgments, 10));
        Assert.Equal(0, RankingMetrics.Recall(["a", "b"], judgments, 10));
        Assert.Equal(0, RankingMetrics.AveragePrecision(["a", "b"], judgments));
    }

    [Fact]
    public void Ties_are_broken_by_document_id_descending_as_trec_eval_does()
    {
        var ordered = RankingMetrics.Order([new("a", 0.5), new("c", 0.9), new("b", 0.5), new("d", 0.1)]);
        Assert.Equal(["c", "b", "a", "d"], ordered);

        // So a tie between a relevant and a non-relevant document has one defined outcome.
        var judgments = new Dictionary<string, int> { ["a"] = 1 };
        Assert.Equal(0.5, RankingMetrics.ReciprocalRank(RankingMetrics.Order([new("a", 0.5), new("b", 0.5)]), judgments, 10));
    }

    [Fact]
    public void Evaluator_means_skip_queries_without_relevant_documents_and_count_missing_runs_as_zero()
    {
        var qrels = new Qrels();
        foreach (var (d, g) in Q1)
        {
            qrels.Add("q1", d, g);
        }

        qrels.Add("q2", "d5", 1);
        qrels.Add("q3", "d6", 0);
        qrels.Add("q4", "d7", 2);
        var run = new Dictionary<string, IReadOnlyList<string>>
        {
            ["q1"] = Q1Ranking,
            ["q2"] = ["d8", "d5"],
            ["q3"] = ["d6"],
            ["extra"] = ["d1"],
        };

        var report = RetrievalEvaluator.Evaluate(qrels, run, new EvaluationOptions { NdcgAt = 5, RecallAt = 3, MrrAt = 10 });
        Assert.Equal(["q1", "q2", "q4"], report.PerQuery.Select(m => m.QueryId));
        Assert.Equal(["q3"], report.SkippedQueries);
        Assert.Equal(0, report.PerQuery[2].Ndcg);
        double q2Ndcg = 1 / Math.Log2(3);
        Assert.Equal((0.6504121821761035 + q2Ndcg + 0) / 3, report.Ndcg, 12);
        Assert.Equal(((1.0 / 3) + 1 + 0) / 3, report.Recall, 12);
        Assert.Equal((0.5 + 0.5 + 0) / 3, report.Mrr, 12);
        Assert.Equal((((0.5 + 0.5 + 0.6) / 3) + 0.5 + 0) / 3, report.Map, 12);
    }

    [Fact]
    public void Scored_runs_are_ordered_before_evaluation()
    {
        var qrels = new Qrels();
        qrels.Add("q", "x", 1);
        var run = new Dictionary<string, IReadOnlyList<ScoredDocument>> { ["q"] = [new("y", 0.2), new("x", 0.9)] };
        Assert.Equal(1, RetrievalEvaluator.Evaluate(qrels, run).Ndcg, 12);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.Ndcg(Q1Ranking, Q1, 0));
        Assert.Throws<ArgumentNullException>(() => RankingMetrics.Recall(null!, Q1, 3));
    }
}
