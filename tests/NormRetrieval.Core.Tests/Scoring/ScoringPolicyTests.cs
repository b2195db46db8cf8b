using CsCheck;
using NormRetrieval.Scoring;

namespace NormRetrieval.Tests.Scoring;

public sealed class ScoringPolicyTests
{
    private static readonly Gen<ScoringFeatures> Features = Gen.Select(
        Gen.Double[-1, 1], Gen.Double[0.1, 20], Gen.Double[-6, 6], Gen.Double[0.1, 20], Gen.Double[-6, 6])
        .Select((c, n, z, nq, zq) => new ScoringFeatures(c, n, z, nq, zq));

    [Fact]
    public void Cosine_is_the_cosine()
    {
        Features.Sample(f => Assert.Equal(f.Cosine, ScoringPolicy.Cosine.Score(f)));
        Assert.False(ScoringPolicy.Cosine.UsesNorms);
    }

    [Fact]
    public void Magnitude_is_cosine_times_norm_to_the_alpha()
    {
        var f = new ScoringFeatures(0.5, 4, 0, 1, 0);
        Assert.Equal(0.5 * 2, new MagnitudePolicy(0.5).Score(f), 12);
        Assert.Equal(0.5 * 4, new MagnitudePolicy(1).Score(f), 12);
        Assert.Equal(0.5, new MagnitudePolicy(0).Score(f), 12);
        Features.Sample(x => Assert.Equal(x.Cosine * Math.Pow(x.DocumentNorm, 0.3), new MagnitudePolicy(0.3).Score(x), 12));
    }

    [Fact]
    public void Magnitude_one_ranks_like_the_dot_product_whatever_the_query_norm()
    {
        Gen.Select(Features, Features).Sample((a, b) =>
        {
            var p = new MagnitudePolicy(1);
            double dotA = a.Cosine * a.DocumentNorm * a.QueryNorm;
            double dotB = b.Cosine * b.DocumentNorm * a.QueryNorm;
            var b2 = b with { QueryNorm = a.QueryNorm, QueryZ = a.QueryZ };
            if (Math.Abs(dotA - dotB) > 1e-9)
            {
                Assert.Equal(Math.Sign(dotA - dotB), Math.Sign(p.Score(a) - p.Score(b2)));
            }
        });
    }

    [Fact]
    public void Specificity_adds_lambda_times_clipped_z()
    {
        var p = new SpecificityPolicy(0.05);
        Assert.Equal(0.6 + (0.05 * 1.2), p.Score(new ScoringFeatures(0.6, 3, 1.2, 1, 0)), 12);
        Assert.Equal(0.6 + (0.05 * 3), p.Score(new ScoringFeatures(0.6, 3, 7.5, 1, 0)), 12);
        Assert.Equal(0.6 - (0.05 * 3), p.Score(new ScoringFeatures(0.6, 3, -9, 1, 0)), 12);
        Features.Sample(f => Assert.InRange(p.Score(f) - f.Cosine, -0.15 - 1e-12, 0.15 + 1e-12));
    }

    [Fact]
    public void Gated_follows_the_qmagface_form()
    {
        var p = new QualityGatedPolicy(alpha: 0.3, beta: 0.8);

        // Above the gate (β·c ≥ α) the score is the cosine.
        Assert.Equal(0.5, p.Score(new ScoringFeatures(0.5, 3, 2, 1, 0)), 12);

        // Below: c + (β·c − α)·g(z), g(z) = (clip(z) + 3) / 6.
        double c = 0.2, z = 1.5;
        double expected = c + (((0.8 * c) - 0.3) * ((z + 3) / 6));
        Assert.Equal(expected, p.Score(new ScoringFeatures(c, 3, z, 1, 0)), 12);

        // g is bounded: z beyond ±3 counts as ±3.
        Assert.Equal(c + ((0.8 * c) - 0.3), p.Score(new ScoringFeatures(c, 3, 10, 1, 0)), 12);
        Assert.Equal(c, p.Score(new ScoringFeatures(c, 3, -10, 1, 0)), 12);

        // The adjustment is never positive.
        Features.Sample(f => Assert.True(p.Score(f) <= f.Cosine + 1e-12));
    }

    [Fact]
    public void Adaptive_weights_the_prior_by_the_query()
    {
        var p = new QueryAdaptivePolicy(0.04);
        var f = new ScoringFeatures(0.5, 3, 1.0, 2, 0);
        Assert.Equal(new SpecificityPolicy(0.04).Score(f), p.Score(f), 12); // average query
        Assert.Equal(0.5 + (0.04 * 2 * 1.0), p.Score(f with { QueryZ = -3 }), 12); // vague query: twice the prior
        Assert.Equal(0.5, p.Score(f with { QueryZ = 3 }), 12); // very specific query: no prior
        Assert.Equal(0.5 + (0.04 * ((3 - 1.5) / 3) * 1.0), p.Score(f with { QueryZ = 1.5 }), 12);
    }

    [Theory]
    [InlineData("cosine", "cosine")]
    [InlineData(" Magnitude:0.5 ", "magnitude:0.5")]
    [InlineData("specificity:0.05", "specificity:0.05")]
    [InlineData("specificity:-0.02,residual", "specificity:-0.02,residual")]
    [InlineData("gated:0.3,0.8", "gated:0.3,0.8")]
    [InlineData("gated:0.3, 0.8, residual", "gated:0.3,0.8,residual")]
    [InlineData("adaptive:0.05", "adaptive:0.05")]
    [InlineData("query-adaptive:0.05", "adaptive:0.05")]
    public void Policy_strings_parse_and_print_canonically(string text, string canonical)
    {
        var policy = ScoringPolicy.Parse(text);
        Assert.Equal(canonical, policy.ToString());
        Assert.Equal(canonical, ScoringPolicy.Parse(policy.ToString()).ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("bm25", "Unknown policy 'bm25'")]
    [InlineData("magnitude", "one parameter")]
    [InlineData("magnitude:1.5", "[0, 1]")]
    [InlineData("magnitude:0.5,residual", "one parameter")]
    [InlineData("specificity:abc", "'abc'")]
    [InlineData("specificity:NaN", "'NaN'")]
    [InlineData("gated:0.3", "two parameters")]
    [InlineData("gated:-0.3,1", "non-negative")]
    [InlineData("cosine:1", "no parameters")]
    public void Bad_policy_strings_fail_with_a_helpful_message(string text, string fragment)
    {
        var ex = Assert.Throws<FormatException>(() => ScoringPolicy.Parse(text));
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        Assert.False(ScoringPolicy.TryParse(text, out _));
    }

    [Fact]
    public void Parsed_policies_score_like_constructed_ones()
    {
        Features.Sample(f =>
        {
            Assert.Equal(new SpecificityPolicy(0.03, true).Score(f), ScoringPolicy.Parse("specificity:0.03,residual").Score(f));
            Assert.Equal(new QualityGatedPolicy(0.2, 1).Score(f), ScoringPolicy.Parse("gated:0.2,1").Score(f));
        });
        Assert.True(ScoringPolicy.Parse("specificity:0.03,residual").UsesLengthResidual);
        Assert.False(ScoringPolicy.Parse("specificity:0.03").UsesLengthResidual);
    }
}
