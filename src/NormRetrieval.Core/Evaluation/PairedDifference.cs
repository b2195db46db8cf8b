namespace NormRetrieval.Evaluation;

/// <summary>The mean of a paired difference (b − a) with its bootstrap confidence interval and randomisation p-value.</summary>
/// <param name="Mean">The mean of the per-query differences b − a.</param>
/// <param name="Lower">Lower end of the confidence interval.</param>
/// <param name="Upper">Upper end of the confidence interval.</param>
/// <param name="Confidence">The confidence level of the interval (e.g. 0.95).</param>
/// <param name="PValue">Two-sided p-value of the paired randomisation (sign-flip) test.</param>
/// <param name="Count">The number of pairs.</param>
public sealed record PairedDifference(double Mean, double Lower, double Upper, double Confidence, double PValue, int Count)
{
    /// <summary>Compares two per-query metric series with both tests.</summary>
    /// <param name="a">The baseline's per-query values.</param>
    /// <param name="b">The contender's per-query values, paired with <paramref name="a"/>.</param>
    /// <param name="iterations">Resamples for each test.</param>
    /// <param name="seed">Random seed (results are reproducible).</param>
    /// <param name="confidence">The confidence level.</param>
    /// <returns>The summary.</returns>
    public static PairedDifference Compute(IReadOnlyList<double> a, IReadOnlyList<double> b, int iterations = 10_000, int seed = 42, double confidence = 0.95)
    {
        var (lower, upper) = SignificanceTests.BootstrapInterval(a, b, confidence, iterations, seed);
        double p = SignificanceTests.PairedRandomisationPValue(a, b, iterations, seed);
        double mean = a.Count == 0 ? 0 : b.Zip(a, (x, y) => x - y).Average();
        return new PairedDifference(mean, lower, upper, confidence, p, a.Count);
    }
}
