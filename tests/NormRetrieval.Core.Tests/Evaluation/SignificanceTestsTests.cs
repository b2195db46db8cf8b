using NormRetrieval.Evaluation;

namespace NormRetrieval.Tests.Evaluation;

public sealed class SignificanceTestsTests
{
    [Fact]
    public void Identical_systems_are_not_significantly_different()
    {
        double[] a = [.. Enumerable.Range(0, 40).Select(i => i / 40.0)];
        Assert.Equal(1.0, SignificanceTests.PairedRandomisationPValue(a, a));
        Assert.Equal((0.0, 0.0), SignificanceTests.BootstrapInterval(a, a));
    }

    [Fact]
    public void A_consistent_improvement_is_significant_and_its_interval_is_tight()
    {
        double[] a = [.. Enumerable.Range(0, 50).Select(i => i / 100.0)];
        double[] b = [.. a.Select(x => x + 0.1)];
        Assert.Equal(1.0 / 10_001, SignificanceTests.PairedRandomisationPValue(a, b, 10_000), 12);
        var (lo, hi) = SignificanceTests.BootstrapInterval(a, b);
        Assert.Equal(0.1, lo, 9);
        Assert.Equal(0.1, hi, 9);
    }

    [Fact]
    public void Randomisation_p_value_approximates_the_exact_permutation_p_value()
    {
        // Differences (1, 1, 1): of the 8 sign assignments, 2 have |mean| >= 1, so the exact p is 0.25.
        double p = SignificanceTests.PairedRandomisationPValue([0, 0, 0], [1, 1, 1], 40_000, seed: 5);
        Assert.Equal(0.25, p, 0.01);

        // Differences (3, 1, -1): |mean| = 1; assignments with |sum| >= 3: (+3,+1,-1), (+3,-1,+1), (+3,+1,+1), and their negatives: 6/8.
        Assert.Equal(0.75, SignificanceTests.PairedRandomisationPValue([0, 0, 0], [3, 1, -1], 40_000, seed: 5), 0.01);
    }

    [Fact]
    public void Bootstrap_interval_matches_the_normal_approximation_on_a_large_sample()
    {
        var rng = new Random(9);
        double[] a = new double[400];
        double[] b = [.. a.Select(_ => 0.05 + (0.1 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())))];
        double mean = b.Average();
        double sd = Math.Sqrt(b.Sum(x => (x - mean) * (x - mean)) / (b.Length - 1));
        double half = 1.96 * sd / Math.Sqrt(b.Length);
        var (lo, hi) = SignificanceTests.BootstrapInterval(a, b, 0.95, 20_000, seed: 1);
        Assert.Equal(mean - half, lo, 0.002);
        Assert.Equal(mean + half, hi, 0.002);
        var summary = PairedDifference.Compute(a, b);
        Assert.Equal(mean, summary.Mean, 12);
        Assert.True(summary.PValue < 0.001);
        Assert.Equal(400, summary.Count);
    }

    [Fact]
    public void Results_are_reproducible_for_a_seed()
    {
        double[] a = [0.1, 0.4, 0.3, 0.8, 0.5];
        double[] b = [0.2, 0.3, 0.5, 0.9, 0.4];
        Assert.Equal(SignificanceTests.PairedRandomisationPValue(a, b, seed: 3), SignificanceTests.PairedRandomisationPValue(a, b, seed: 3));
        Assert.Equal(SignificanceTests.BootstrapInterval(a, b, seed: 3), SignificanceTests.BootstrapInterval(a, b, seed: 3));
    }

    [Fact]
    public void Unpaired_series_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SignificanceTests.PairedRandomisationPValue([1, 2], [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SignificanceTests.BootstrapInterval([1], [1], confidence: 1.5));
    }
}
