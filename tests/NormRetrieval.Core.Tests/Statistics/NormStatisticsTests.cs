using CsCheck;
using NormRetrieval.Statistics;
using NormRetrieval.Vectors;

namespace NormRetrieval.Tests.Statistics;

public sealed class NormStatisticsTests
{
    private static readonly Gen<(double Norm, int Tokens)[]> Observations =
        Gen.Select(Gen.Double[0.2, 30], Gen.Int[1, 512]).Array[3, 300];

    [Fact]
    public void Moments_equal_a_direct_computation()
    {
        Observations.Sample(obs =>
        {
            var s = new NormStatistics();
            foreach (var (n, t) in obs)
            {
                s.Add(n, t);
            }

            double[] logs = [.. obs.Select(o => Math.Log(o.Norm))];
            double mean = logs.Average();
            double std = Math.Sqrt(logs.Sum(x => (x - mean) * (x - mean)) / (logs.Length - 1));
            Assert.Equal(obs.Length, s.Count);
            Assert.Equal(mean, s.MeanLogNorm, 9);
            Assert.Equal(std, s.StdLogNorm, 9);
            Assert.Equal((Math.Log(obs[0].Norm) - mean) / std, s.ZScore(obs[0].Norm), 6);
        });
    }

    [Fact]
    public void Length_fit_equals_ordinary_least_squares()
    {
        Observations.Where(o => o.Select(x => x.Tokens).Distinct().Count() > 2).Sample(obs =>
        {
            var s = new NormStatistics();
            foreach (var (n, t) in obs)
            {
                s.Add(n, t);
            }

            double[] x = [.. obs.Select(o => Math.Log(o.Tokens))];
            double[] y = [.. obs.Select(o => Math.Log(o.Norm))];
            double mx = x.Average(), my = y.Average();
            double sxy = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
            double sxx = x.Sum(a => (a - mx) * (a - mx));
            double slope = sxy / sxx;
            double intercept = my - (slope * mx);
            double sse = x.Zip(y, (a, b) => Math.Pow(b - (intercept + (slope * a)), 2)).Sum();
            Assert.True(s.HasLengthFit);
            Assert.Equal(slope, s.LengthSlope, 8);
            Assert.Equal(intercept, s.LengthIntercept, 8);
            Assert.Equal(Math.Sqrt(sse / (obs.Length - 2)), s.LengthResidualStd, 8);
            double expectedResidualZ = (y[0] - (intercept + (slope * x[0]))) / Math.Sqrt(sse / (obs.Length - 2));
            Assert.Equal(expectedResidualZ, s.ResidualZScore(obs[0].Norm, obs[0].Tokens), 6);
        });
    }

    [Fact]
    public void Length_fit_recovers_a_planted_slope()
    {
        var rng = new Random(7);
        var s = new NormStatistics();
        for (int i = 0; i < 5000; i++)
        {
            int tokens = rng.Next(5, 300);
            double logNorm = 1.5 - (0.3 * Math.Log(tokens)) + (0.05 * Normal(rng));
            s.Add(Math.Exp(logNorm), tokens);
        }

        Assert.Equal(-0.3, s.LengthSlope, 0.01);
        Assert.Equal(1.5, s.LengthIntercept, 0.05);
        Assert.Equal(0.05, s.LengthResidualStd, 0.005);
    }

    [Fact]
    public void Merging_shards_equals_seeing_everything()
    {
        Gen.Select(Observations, Gen.Int[0, 100]).Sample((obs, cut) =>
        {
            cut = Math.Min(cut, obs.Length);
            var all = new NormStatistics();
            var a = new NormStatistics();
            var b = new NormStatistics();
            for (int i = 0; i < obs.Length; i++)
            {
                float[] dir = [(float)Math.Cos(i), (float)Math.Sin(i)];
                all.Add(obs[i].Norm, dir, obs[i].Tokens);
                (i < cut ? a : b).Add(obs[i].Norm, dir, obs[i].Tokens);
            }

            a.Merge(b);
            AssertSame(all, a);
        });
    }

    [Fact]
    public void Removing_what_was_added_restores_the_statistics()
    {
        Gen.Select(Observations, Observations).Sample((keep, drop) =>
        {
            var expected = new NormStatistics();
            var s = new NormStatistics();
            foreach (var (n, t) in keep)
            {
                expected.Add(n, t);
                s.Add(n, t);
            }

            foreach (var (n, t) in drop)
            {
                s.Add(n, t);
            }

            foreach (var (n, t) in drop.Reverse())
            {
                s.Remove(n, t);
            }

            AssertSame(expected, s);
        });
    }

    [Fact]
    public void Json_round_trip_keeps_everything()
    {
        var s = new NormStatistics();
        var rng = new Random(3);
        for (int i = 0; i < 500; i++)
        {
            s.Add(rng.NextDouble() * 10 + 0.5, [(float)rng.NextDouble(), (float)rng.NextDouble(), 1f], i % 2 == 0 ? rng.Next(1, 100) : null);
        }

        var copy = NormStatistics.FromJson(s.ToJson());
        AssertSame(s, copy);
        Assert.Equal(s.ToJson(), copy.ToJson());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"version\": 99}")]
    [InlineData("not json")]
    public void Bad_json_is_a_format_error(string json)
    {
        Assert.Throws<FormatException>(() => NormStatistics.FromJson(json));
    }

    [Fact]
    public void Inconsistent_json_is_a_format_error()
    {
        var s = new NormStatistics();
        s.Add(2.0);
        string tampered = s.ToJson().Replace("\"count\":1,", "\"count\":5,", StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NormStatistics.FromJson(tampered));
    }

    [Fact]
    public void Percentiles_match_sample_quantiles_within_the_bin_resolution()
    {
        var rng = new Random(11);
        double[] norms = [.. Enumerable.Range(0, 20_000).Select(_ => Math.Exp(1.7 + (0.2 * Normal(rng))))];
        var s = new NormStatistics();
        foreach (double n in norms)
        {
            s.Add(n);
        }

        double[] sorted = [.. norms.Order()];
        foreach (double p in new[] { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99 })
        {
            double exact = sorted[(int)(p * (sorted.Length - 1))];
            Assert.Equal(exact, s.Percentile(p), exact * 2e-3);
            Assert.Equal(p, s.PercentileRank(exact), 2e-3);
        }

        Assert.Equal(0, s.PercentileRank(sorted[0] * 0.5));
        Assert.Equal(1, s.PercentileRank(sorted[^1] * 2));
        Assert.True(s.Percentile(0) <= sorted[0] * 1.001);
        Assert.True(s.Percentile(1) >= sorted[^1] * 0.999);
    }

    [Fact]
    public void Mean_direction_is_the_average_of_the_directions()
    {
        var s = new NormStatistics();
        s.Add(1, [1f, 0f]);
        s.Add(2, [0f, 1f]);
        s.Add(3);
        Assert.Equal([0.5f, 0.5f], s.MeanDirection());
        Assert.Equal(2, s.Dimension);
        Assert.Throws<InvalidVectorException>(() => s.Add(1, [1f, 0f, 0f]));
    }

    [Fact]
    public void Normalised_upstream_embeddings_are_detected()
    {
        var s = new NormStatistics();
        for (int i = 0; i < 100; i++)
        {
            s.Add(1 + (i % 3 * 1e-5));
        }

        Assert.True(s.AllNormsNearOne);
        s.Add(4.2);
        Assert.False(s.AllNormsNearOne);
        Assert.False(new NormStatistics().AllNormsNearOne);
    }

    [Fact]
    public void Empty_and_single_observation_are_well_defined()
    {
        var s = new NormStatistics();
        Assert.Equal(0, s.StdLogNorm);
        Assert.Equal(0, s.ZScore(3));
        Assert.True(double.IsNaN(s.Percentile(0.5)));
        Assert.Empty(s.MeanDirection());
        s.Add(3, 10);
        Assert.Equal(Math.Log(3), s.MeanLogNorm, 12);
        Assert.Equal(0, s.StdLogNorm);
        Assert.False(s.HasLengthFit);
        Assert.Equal(s.ZScore(3), s.ResidualZScore(3, 10));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Invalid_norms_are_rejected(double norm)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NormStatistics().Add(norm));
    }

    [Fact]
    public void Removing_what_was_never_added_fails()
    {
        var s = new NormStatistics();
        Assert.Throws<InvalidOperationException>(() => s.Remove(2.0));
        s.Add(2.0);
        Assert.Throws<InvalidOperationException>(() => s.Remove(7.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Add(2.0, tokenCount: 0));
    }

    internal static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static void AssertSame(NormStatistics expected, NormStatistics actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.MeanLogNorm, actual.MeanLogNorm, 8);
        Assert.Equal(expected.StdLogNorm, actual.StdLogNorm, 7);
        Assert.Equal(expected.LengthFitCount, actual.LengthFitCount);
        Assert.Equal(expected.HasLengthFit, actual.HasLengthFit);
        Assert.Equal(expected.LengthSlope, actual.LengthSlope, 6);
        Assert.Equal(expected.LengthIntercept, actual.LengthIntercept, 6);
        Assert.Equal(expected.LengthResidualStd, actual.LengthResidualStd, 6);
        foreach (double p in new[] { 0, 0.1, 0.5, 0.9, 1 })
        {
            Assert.Equal(expected.Percentile(p), actual.Percentile(p), 12);
        }

        var e = expected.MeanDirection();
        var a = actual.MeanDirection();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            Assert.Equal(e[i], a[i], 5);
        }
    }
}
