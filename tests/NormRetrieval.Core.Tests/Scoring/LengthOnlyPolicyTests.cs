using NormRetrieval.Calibration;
using NormRetrieval.Ranking;
using NormRetrieval.Scoring;
using NormRetrieval.Statistics;

namespace NormRetrieval.Tests.Scoring;

/// <summary>The length-only baseline: a policy family driven by log token counts instead of norms.</summary>
public sealed class LengthOnlyPolicyTests
{
    [Fact]
    public void Length_policies_parse_print_and_refuse_what_has_no_length_form()
    {
        var policy = ScoringPolicy.Parse("specificity:0.05,length");
        Assert.True(policy.UsesLengthOnly);
        Assert.False(policy.UsesLengthResidual);
        Assert.Equal("specificity:0.05,length", policy.ToString());
        Assert.Equal("gated:0.3,0.5,length", ScoringPolicy.Parse("gated:0.3,0.5,length").ToString());
        Assert.Equal("adaptive:-0.01,length", ScoringPolicy.LengthOnly(ScoringPolicy.Parse("adaptive:-0.01")).ToString());
        Assert.Throws<FormatException>(() => ScoringPolicy.Parse("magnitude:0.5,length"));
        Assert.Throws<FormatException>(() => ScoringPolicy.Parse("specificity:0.05,residual,length"));
        Assert.Throws<ArgumentException>(() => ScoringPolicy.LengthOnly(ScoringPolicy.Cosine));
        Assert.All(PolicyGrid.For("gated,length").Candidates, p => Assert.True(p.UsesLengthOnly));
        Assert.Throws<ArgumentException>(() => PolicyGrid.For("magnitude,length"));
        Assert.Contains("specificity,length", PolicyGrid.Families);
    }

    [Fact]
    public void The_length_z_score_ranks_by_token_count_whatever_the_norms()
    {
        // ln tokens 1..4 (e, e², e³, e⁴ rounded): mean 2.5; norms all 1 (degenerate), which silence norm policies.
        var stats = new NormStatistics();
        int[] tokens = [3, 7, 20, 55];
        foreach (int t in tokens)
        {
            stats.Add(1.0, t);
        }

        double sd = Math.Sqrt(tokens.Select(t => Math.Pow(Math.Log(t) - tokens.Average(x => Math.Log(x)), 2)).Sum() / 3);
        Assert.Equal((Math.Log(55) - tokens.Average(x => Math.Log(x))) / sd, stats.LengthZScore(55), 12);
        Assert.Equal(0, stats.LengthZScore(null));

        RerankCandidate<string>[] candidates = [new("short", 0.80, 1.0, 3), new("long", 0.79, 1.0, 55)];
        var byLength = NormReranker.Rerank(candidates, new QueryFeatures(1.0), ScoringPolicy.Parse("specificity:0.05,length"), new NormContext(stats));
        Assert.Equal(["long", "short"], byLength.Select(r => r.Key));
        var byNorm = NormReranker.Rerank(candidates, new QueryFeatures(1.0), ScoringPolicy.Parse("specificity:0.05"), new NormContext(stats));
        Assert.Equal(["short", "long"], byNorm.Select(r => r.Key)); // degenerate norms: cosine order

        // The calibration benchmark ranks the same way as the reranker.
        var query = new RerankingQuery("q", new QueryFeatures(1.0), candidates, new Dictionary<string, int> { ["long"] = 1 });
        var benchmark = new RerankingBenchmark([query], new NormContext(stats));
        Assert.Equal(["long", "short"], benchmark.Ranking(ScoringPolicy.Parse("specificity:0.05,length"), 0));
        Assert.Equal(["short", "long"], benchmark.Ranking(ScoringPolicy.Parse("specificity:0.05"), 0));
    }
}
