namespace NormRetrieval.Evaluation;

/// <summary>Paired significance tests for per-query metric differences (Smucker et al., CIKM 2007).</summary>
/// <remarks>Deterministic for a given seed; thread-safe.</remarks>
public static class SignificanceTests
{
    /// <summary>
    /// Two-sided paired randomisation test: the share of random sign flips of the per-query differences
    /// whose mean is at least as far from 0 as the observed mean, with the observed assignment counted
    /// ((hits + 1) / (iterations + 1), never 0).
    /// </summary>
    /// <param name="a">Per-query values of system A.</param>
    /// <param name="b">Per-query values of system B, paired with <paramref name="a"/>.</param>
    /// <param name="iterations">Number of random assignments.</param>
    /// <param name="seed">Random seed.</param>
    /// <returns>The p-value in (0, 1]; 1 when there are no pairs.</returns>
    /// <exception cref="ArgumentException">The series differ in length.</exception>
    public static double PairedRandomisationPValue(IReadOnlyList<double> a, IReadOnlyList<double> b, int iterations = 10_000, int seed = 42)
    {
        double[] d = Differences(a, b);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (d.Length == 0)
        {
            return 1;
        }

        double observed = Math.Abs(d.Average());
        var rng = new Random(seed);
        int hits = 0;
        double tolerance = 1e-12 * Math.Max(1, observed);
        for (int it = 0; it < iterations; it++)
        {
            double sum = 0;
            for (int i = 0; i < d.Length; i++)
            {
                sum += rng.Next(2) == 0 ? d[i] : -d[i];
            }

            if (Math.Abs(sum / d.Length) >= observed - tolerance)
            {
                hits++;
            }
        }

        return (hits + 1.0) / (iterations + 1.0);
    }

    /// <summary>Percentile bootstrap confidence interval for the mean of b − a over paired queries.</summary>
    /// <param name="a">Per-query values of system A.</param>
    /// <param name="b">Per-query values of system B, paired with <paramref name="a"/>.</param>
    /// <param name="confidence">The confidence level in (0, 1), e.g. 0.95.</param>
    /// <param name="iterations">Number of bootstrap resamples.</param>
    /// <param name="seed">Random seed.</param>
    /// <returns>The interval; (0, 0) when there are no pairs.</returns>
    /// <exception cref="ArgumentException">The series differ in length.</exception>
    public static (double Lower, double Upper) BootstrapInterval(IReadOnlyList<double> a, IReadOnlyList<double> b, double confidence = 0.95, int iterations = 10_000, int seed = 42)
    {
        double[] d = Differences(a, b);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence level must lie in (0, 1).");
        }

        if (d.Length == 0)
        {
            return (0, 0);
        }

        var rng = new Random(seed);
        var means = new double[iterations];
        for (int it = 0; it < iterations; it++)
        {
            double sum = 0;
            for (int i = 0; i < d.Length; i++)
            {
                sum += d[rng.Next(d.Length)];
            }

            means[it] = sum / d.Length;
        }

        Array.Sort(means);
        double tail = (1 - confidence) / 2;
        return (Quantile(means, tail), Quantile(means, 1 - tail));
    }

    private static double Quantile(double[] sorted, double p)
    {
        double pos = p * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }

    private static double[] Differences(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"The paired series have {a.Count} and {b.Count} values.", nameof(b));
        }

        var d = new double[a.Count];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = b[i] - a[i];
        }

        return d;
    }
}
