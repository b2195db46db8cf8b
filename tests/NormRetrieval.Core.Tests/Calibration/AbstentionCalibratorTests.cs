using NormRetrieval.Calibration;
using NormRetrieval.Ranking;

namespace NormRetrieval.Tests.Calibration;

public sealed class AbstentionCalibratorTests
{
    [Fact]
    public void Risk_coverage_follows_the_signal_from_most_to_least_confident()
    {
        double[] signal = [3, 2, 1], outcome = [1, 0, 1];
        Assert.Equal([0, 0.5, 1 / 3.0], AbstentionCalibrator.RiskCurve(signal, outcome), (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.Equal((0 + 0.5 + (1 / 3.0)) / 3, AbstentionCalibrator.Aurc(signal, outcome), 12);

        // NaN is the least confident; the oracle orders by the outcome itself.
        Assert.Equal([1, 0.5, 1 / 3.0], AbstentionCalibrator.RiskCurve([double.NaN, 2, 1], outcome), (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.True(AbstentionCalibrator.Aurc(outcome, outcome) <= AbstentionCalibrator.Aurc(signal, outcome));
        Assert.True(double.IsNaN(AbstentionCalibrator.Aurc([], [])));
    }

    [Fact]
    public void The_most_informative_signal_is_thresholded_at_the_largest_coverage_that_meets_the_target()
    {
        // 100 queries: the top result is relevant exactly when the informative signal exceeds 0.6; the other signal is noise.
        var random = new Random(5);
        double[] informative = [.. Enumerable.Range(0, 100).Select(_ => random.NextDouble())];
        double[] noise = [.. Enumerable.Range(0, 100).Select(_ => random.NextDouble())];
        double[] outcome = [.. informative.Select(s => s > 0.6 ? 1.0 : 0.0)];
        var a = AbstentionCalibrator.Choose([("noise", noise), ("informative", informative)], outcome, targetPrecision: 0.9);
        Assert.Equal("informative", a.Signal);
        Assert.NotNull(a.Threshold);
        Assert.True(a.Precision >= 0.9);
        // Precision 0.9 allows one wrong answer in ten: the threshold sits a little below 0.6.
        Assert.InRange(a.Threshold!.Value, 0.45, 0.61);
        Assert.InRange(a.Coverage, outcome.Average(), outcome.Average() / 0.9);
        Assert.True(a.OutOfFoldPrecision >= 0.85, a.Summary());
        Assert.True(a.Generalises);
        Assert.Equal(outcome.Average(), a.BasePrecision, 12);
        Assert.Equal(["noise", "informative", "random", "oracle"], a.Signals.Select(s => s.Signal));
        Assert.True(a.Signals[1].Aurc < a.Signals[0].Aurc);
        Assert.Equal(1 - outcome.Average(), a.Signals[2].Aurc, 12);
        Assert.True(a.Accepts(0.99) && !a.Accepts(0.1));
        Assert.Equal(0.7, new AbstentionThreshold { Signal = "confidence" }.SignalOf(new QueryConfidence(0.5, 0.6, 0.1, 0), 4.2), 12);
        Assert.Equal(4.2, new AbstentionThreshold { Signal = "queryNorm" }.SignalOf(new QueryConfidence(0.5, 0.6, 0.1, 0), 4.2), 12);
    }

    [Fact]
    public void An_unreachable_target_gives_no_threshold_and_accepts_nothing()
    {
        double[] signal = [.. Enumerable.Range(0, 30).Select(i => (double)i)];
        double[] outcome = [.. Enumerable.Range(0, 30).Select(i => i % 3 == 0 ? 1.0 : 0.0)];
        var a = AbstentionCalibrator.Choose([("confidence", signal)], outcome, targetPrecision: 0.9);
        Assert.Null(a.Threshold);
        Assert.False(a.Accepts(100));
        Assert.False(a.Generalises);
        Assert.Equal(0, a.Coverage);
        Assert.StartsWith("no confidence threshold reaches top-result precision 0.90", a.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void Ties_are_accepted_or_refused_together_and_small_sets_are_not_trusted()
    {
        // Ten queries share the top signal value: half are right. A threshold cannot split them.
        double[] signal = [.. Enumerable.Repeat(1.0, 10), .. Enumerable.Repeat(0.0, 10)];
        double[] outcome = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, .. Enumerable.Repeat(0.0, 10)];
        Assert.Null(AbstentionCalibrator.Choose([("s", signal)], outcome, targetPrecision: 0.6).Threshold);
        Assert.Equal(1.0, AbstentionCalibrator.Choose([("s", signal)], outcome, targetPrecision: 0.5).Threshold);

        // One perfect query is not enough evidence when at least ten must be accepted.
        double[] single = [5, .. Enumerable.Repeat(0.0, 19)];
        double[] right = [1, .. Enumerable.Repeat(0.0, 19)];
        Assert.Null(AbstentionCalibrator.Choose([("s", single)], right, targetPrecision: 0.9).Threshold);
        Assert.Equal(5, AbstentionCalibrator.Choose([("s", single)], right, targetPrecision: 0.9, minimumAccepted: 1).Threshold);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => AbstentionCalibrator.Choose([], [1.0], 0.5));
        Assert.Throws<ArgumentException>(() => AbstentionCalibrator.Choose([("s", [1.0, 2.0])], [1.0], 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => AbstentionCalibrator.Choose([("s", [1.0])], [1.0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => AbstentionCalibrator.Choose([("s", [1.0])], [1.0], 1.5));
        Assert.Throws<InvalidOperationException>(() => new AbstentionThreshold { Signal = "other" }.SignalOf(new QueryConfidence(0, 0, 0, 0), 1));
    }
}
