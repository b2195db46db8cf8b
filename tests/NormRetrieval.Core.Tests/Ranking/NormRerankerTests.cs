using NormRetrieval.Ranking;
using NormRetrieval.Scoring;
using NormRetrieval.Statistics;

namespace NormRetrieval.Tests.Ranking;

public sealed class NormRerankerTests
{
    private static NormContext Context()
    {
        var stats = new NormStatistics();
        foreach (double n in new[] { 1.0, 2.0, 4.0, 8.0 })
        {
            stats.Add(n, (int)(16 / n));
        }

        return new NormContext(stats);
    }

    private static readonly RerankCandidate<string>[] Candidates =
    [
        new("general", 0.62, 1.0),
        new("middle", 0.60, 2.0),
        new("specific", 0.58, 8.0),
    ];

    [Fact]
    public void Cosine_keeps_the_cosine_order_and_explains_no_adjustment()
    {
        var results = NormReranker.Rerank(Candidates, new QueryFeatures(3), ScoringPolicy.Cosine, Context());
        Assert.Equal(["general", "middle", "specific"], results.Select(r => r.Key));
        Assert.All(results, r => Assert.Equal(0, r.Explanation.Adjustment));
        Assert.All(results, r => Assert.Equal(r.Explanation.Cosine, r.Score));
    }

    [Fact]
    public void A_specificity_prior_moves_specific_documents_up_and_explains_why()
    {
        var context = Context();
        var policy = new SpecificityPolicy(0.05);
        var results = NormReranker.Rerank(Candidates, new QueryFeatures(3), policy, context);
        Assert.Equal("specific", results[0].Key);
        var e = results[0].Explanation;
        double z = context.Documents.ZScore(8.0);
        Assert.Equal(z, e.Z, 12);
        Assert.Equal(0.58 + (0.05 * Math.Min(3, z)), results[0].Score, 12);
        Assert.Equal(results[0].Score - 0.58, e.Adjustment, 12);
        Assert.Equal("specificity:0.05", e.Policy);
        Assert.Equal(8.0, e.Norm);
        Assert.Equal(3, e.QueryNorm);
        Assert.StartsWith("specificity:0.05: cos 0.5800 + ", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Residual_policies_use_the_length_residual()
    {
        var context = Context();
        var candidates = new[] { new RerankCandidate<string>("a", 0.5, 2.0, 8) };
        var result = NormReranker.Rerank(candidates, new QueryFeatures(1), new SpecificityPolicy(0.1, residual: true), context)[0];
        Assert.Equal(context.Documents.ResidualZScore(2.0, 8), result.Explanation.Z, 12);
    }

    [Fact]
    public void Ties_keep_the_input_order_and_top_cuts()
    {
        var tied = new[] { new RerankCandidate<int>(3, 0.5, 2), new RerankCandidate<int>(1, 0.5, 2), new RerankCandidate<int>(2, 0.5, 2) };
        var results = NormReranker.Rerank(tied, new QueryFeatures(1), new SpecificityPolicy(0.1), Context(), top: 2);
        Assert.Equal([3, 1], results.Select(r => r.Key));
        Assert.Empty(NormReranker.Rerank(tied, new QueryFeatures(1), ScoringPolicy.Cosine, Context(), top: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NormReranker.Rerank(tied, new QueryFeatures(1), ScoringPolicy.Cosine, Context(), top: -1));
    }

    [Fact]
    public void Query_z_comes_from_query_statistics_when_given()
    {
        var queries = new NormStatistics();
        queries.Add(10);
        queries.Add(20);
        var context = new NormContext(Context().Documents, queries);
        var result = NormReranker.Rerank(Candidates, new QueryFeatures(20), new QueryAdaptivePolicy(0.05), context)[0];
        Assert.Equal(queries.ZScore(20), result.Explanation.QueryZ, 12);
    }
}
