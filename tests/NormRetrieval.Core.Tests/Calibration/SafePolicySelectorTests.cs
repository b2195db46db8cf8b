using NormRetrieval.Calibration;
using NormRetrieval.Ranking;
using NormRetrieval.Statistics;

namespace NormRetrieval.Tests.Calibration;

public sealed class SafePolicySelectorTests
{
    private static readonly SafePolicyOptions Fast = new() { Repeats = 2, Iterations = 2000, Time = new FixedTime() };

    [Fact]
    public void A_planted_norm_effect_is_chosen_with_its_evidence()
    {
        var benchmark = PolicyCalibratorTests.PlantedBenchmark(queries: 40, lowerLambda: 0.012, upperLambda: 0.022, out _);
        var chosen = SafePolicySelector.Select(benchmark, Fast);
        Assert.False(chosen.IsCosine);
        Assert.NotNull(chosen.Family);
        Assert.True(chosen.Lower > 0 && chosen.Gain >= chosen.Lower && chosen.Upper >= chosen.Gain, chosen.Summary());
        Assert.Equal(chosen.Gain, chosen.Families.Where(f => f.Lower > 0).Max(f => f.Gain), 12);
        Assert.Equal(40, chosen.Queries);
        Assert.Equal(3, chosen.Candidates);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero), chosen.Date);

        // The stored policy, tuned on every query, ranks every relevant document first.
        Assert.Equal(1.0, benchmark.Evaluate(chosen.ToPolicy()).Average(m => m.Ndcg), 12);

        // Deterministic.
        Assert.Equal(chosen.ToJson(), SafePolicySelector.Select(benchmark, Fast).ToJson());
    }

    [Fact]
    public void Cosine_is_chosen_when_no_interval_clears_zero_after_the_adjustment()
    {
        // Norms carry nothing: the relevant document is first by cosine, and its norm is drawn like the others'.
        var random = new Random(3);
        var stats = new NormStatistics();
        var queries = new List<RerankingQuery>();
        for (int q = 0; q < 40; q++)
        {
            var candidates = Enumerable.Range(0, 10)
                .Select(i => new RerankCandidate<string>($"{q}-{i}", 0.9 - (i * 0.01) - (random.NextDouble() * 0.004), 1 + random.NextDouble()))
                .ToList();
            candidates.ForEach(c => stats.Add(c.Norm));
            int relevant = random.Next(3);
            queries.Add(new RerankingQuery($"q{q}", new QueryFeatures(2), candidates, new Dictionary<string, int> { [$"{q}-{relevant}"] = 1 }));
        }

        var chosen = SafePolicySelector.Select(new RerankingBenchmark(queries, new NormContext(stats)), Fast);
        Assert.True(chosen.IsCosine, chosen.Summary());
        Assert.Equal("cosine", chosen.Policy);
        Assert.True(double.IsNaN(chosen.Lower) && double.IsNaN(chosen.PValue));
        Assert.Equal(SafePolicySelector.NormFamilies.Count, chosen.Families.Count);
        Assert.All(chosen.Families, f => Assert.False(f.Lower > 0 && f.Gain > 0));
        Assert.Contains("99.3 % interval", chosen.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_calibration_round_trips_through_json_and_refuses_what_is_not_one()
    {
        var benchmark = PolicyCalibratorTests.PlantedBenchmark(queries: 20, lowerLambda: 0.012, upperLambda: 0.022, out _);
        var chosen = SafePolicySelector.Select(benchmark, Fast with { Families = ["specificity"] });
        var back = PolicyCalibration.FromJson(chosen.ToJson());
        Assert.Equal(chosen.ToJson(), back.ToJson());
        Assert.Equal(chosen.Families[0].RepeatSpread, back.Families[0].RepeatSpread);
        var cosine = PolicyCalibration.FromJson(new PolicyCalibration { Policy = "cosine", Reason = "r" }.ToJson());
        Assert.True(double.IsNaN(cosine.Lower));

        Assert.Throws<FormatException>(() => PolicyCalibration.FromJson("{}"));
        Assert.Throws<FormatException>(() => PolicyCalibration.FromJson("not json"));
        Assert.Throws<FormatException>(() => PolicyCalibration.FromJson("""{"policy":"specificity:x","reason":"r"}"""));
    }

    [Fact]
    public void Bad_options_and_too_few_queries_are_refused()
    {
        var benchmark = PolicyCalibratorTests.PlantedBenchmark(queries: 4, lowerLambda: 0.012, upperLambda: 0.022, out _);
        Assert.Throws<ArgumentException>(() => SafePolicySelector.Select(benchmark, Fast));
        Assert.Throws<ArgumentException>(() => SafePolicySelector.Select(benchmark, Fast with { Folds = 2, Families = ["nonsense"] }));
        Assert.Throws<ArgumentException>(() => SafePolicySelector.Select(benchmark, Fast with { Folds = 2, Families = [] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafePolicySelector.Select(benchmark, Fast with { Folds = 2, Confidence = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafePolicySelector.Select(benchmark, Fast with { Folds = 2, Repeats = 0 }));
        Assert.DoesNotContain(SafePolicySelector.NormFamilies, f => f.EndsWith(",length", StringComparison.Ordinal));
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    }
}
