using NormRetrieval.Ranking;
using NormRetrieval.Statistics;

namespace NormRetrieval.Tests.Ranking;

public sealed class QueryConfidenceTests
{
    [Fact]
    public void Components_are_computed_from_the_candidates()
    {
        var docs = new NormStatistics();
        foreach (double n in new[] { 1.0, 2.0, 3.0, 4.0 })
        {
            docs.Add(n);
        }

        var context = new NormContext(docs);
        RerankCandidate<string>[] candidates = [new("b", 0.5, 2.0), new("a", 0.7, 4.0), new("c", 0.1, 1.0)];
        var confidence = QueryConfidence.Compute(new QueryFeatures(3.5), candidates, context);
        Assert.Equal(0.7, confidence.TopCosine, 12);
        Assert.Equal(0.2, confidence.Gap, 12);
        Assert.Equal(0.9, confidence.Value, 12);
        Assert.Equal(new[] { 4.0, 2.0, 1.0 }.Average(docs.ZScore), confidence.MeanTopZ, 12);
        Assert.Equal(0.75, confidence.QueryNormPercentile, 2);
    }

    [Fact]
    public void No_candidates_give_a_defined_result()
    {
        var docs = new NormStatistics();
        docs.Add(2);
        var confidence = QueryConfidence.Compute(new QueryFeatures(1), Array.Empty<RerankCandidate<int>>(), new NormContext(docs));
        Assert.True(double.IsNaN(confidence.TopCosine));
        Assert.Equal(0, confidence.Gap);
        Assert.Equal(0, confidence.QueryNormPercentile);
    }
}
