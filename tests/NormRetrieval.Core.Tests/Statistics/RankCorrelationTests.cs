using NormRetrieval.Statistics;

namespace NormRetrieval.Tests.Statistics;

public sealed class RankCorrelationTests
{
    [Fact]
    public void Known_values()
    {
        double[] x = [1, 2, 3, 4, 5];
        Assert.Equal(1, RankCorrelation.Spearman(x, [2, 4, 6, 8, 100]), 12);
        Assert.Equal(-1, RankCorrelation.Spearman(x, [5, 4, 3, 2, 1]), 12);
        Assert.Equal(1, RankCorrelation.KendallTauB(x, [1, 3, 5, 7, 9]), 12);

        // One swapped pair out of ten: τ = (9 − 1) / 10; ρ = 1 − 6·2/(5·24) = 0.9.
        Assert.Equal(0.8, RankCorrelation.KendallTauB(x, [1, 2, 3, 5, 4]), 12);
        Assert.Equal(0.9, RankCorrelation.Spearman(x, [1, 2, 3, 5, 4]), 12);
        Assert.Equal([1.5, 1.5, 3, 4.5, 4.5], RankCorrelation.Ranks([7, 7, 8, 9, 9]));

        // Ties: τ-b for x = (1,2,2,3), y = (1,2,3,3): 4 concordant, 0 discordant, one tie in each → 4/√(5·5).
        Assert.Equal(0.8, RankCorrelation.KendallTauB([1, 2, 2, 3], [1, 2, 3, 3]), 12);
        Assert.True(double.IsNaN(RankCorrelation.Spearman([1, 1, 1], [1, 2, 3])));
        Assert.Throws<ArgumentException>(() => RankCorrelation.Pearson([1, 2], [1]));
    }

    [Fact]
    public void Partial_correlation_removes_a_shared_cause()
    {
        var rng = new Random(3);
        double[] z = [.. Enumerable.Range(0, 2000).Select(_ => rng.NextDouble())];
        double[] x = [.. z.Select(v => v + (0.1 * rng.NextDouble()))];
        double[] y = [.. z.Select(v => v + (0.1 * rng.NextDouble()))];
        Assert.True(RankCorrelation.Spearman(x, y) > 0.9);
        Assert.InRange(RankCorrelation.PartialSpearman(x, y, z), -0.15, 0.15);
    }
}
