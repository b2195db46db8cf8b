using NormRetrieval.Experiments.Dynamics;
using NormRetrieval.Testing;

namespace NormRetrieval.Experiments.Tests;

/// <summary>
/// The norm-growth identity of a scale-invariant loss, measured on tiny runs: exact under plain SGD at any step size,
/// broken by weight decay, momentum, Adam and by logits that are not scale-invariant.
/// </summary>
public sealed class DynamicsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DynamicsOptions Tiny = new() { Steps = 150, Depth = 2, Batch = 16, Dimension = 8 };

    [Fact]
    public void Under_plain_sgd_norms_grow_by_exactly_the_accumulated_squared_gradient()
    {
        var r = ContrastiveDynamics.Run(Tiny with { LearningRate = 0.01 }, Ct);
        Assert.True(r.MaxRelativeError < 1e-3, r.Summary());
        Assert.True(r.MaxRelativeError < 1e-10, r.Summary()); // exact up to rounding, in fact
        Assert.True(r.MaxStepRelativeError < 1e-12, r.Summary());
        Assert.True(r.MaxCosineToGradient < 1e-9, r.Summary());
        Assert.Equal(0, r.NormDecreases);
        Assert.True(r.Updates > 0);
        Assert.True(r.LastLoss < r.FirstLoss, r.Summary());
        Assert.All(r.Concepts, c => Assert.True(c.Norm >= c.InitialNorm));
        Assert.All(r.Concepts.Where(c => c.Updates > 0), c => Assert.True(c.Norm > c.InitialNorm));
        Assert.Equal(21, r.Concepts.Count);
        Assert.Equal(1.0, r.Concepts.Sum(c => c.Frequency), 12);
    }

    [Fact]
    public void A_large_step_keeps_the_identity_but_makes_the_growth_large()
    {
        var small = ContrastiveDynamics.Run(Tiny with { LearningRate = 0.01 }, Ct);
        var large = ContrastiveDynamics.Run(Tiny with { LearningRate = 2 }, Ct);
        Assert.True(large.MaxRelativeError < 1e-10, large.Summary());
        Assert.True(large.MeanNormByStep[^1] > 3 * small.MeanNormByStep[^1], $"{large.MeanNormByStep[^1]} vs {small.MeanNormByStep[^1]}");
    }

    [Theory]
    [InlineData("weight decay")]
    [InlineData("momentum")]
    [InlineData("adam")]
    [InlineData("dot")]
    public void Weight_decay_momentum_adam_and_dot_product_logits_break_it(string change)
    {
        var options = change switch
        {
            "weight decay" => Tiny with { WeightDecay = 1e-2 },
            "momentum" => Tiny with { Optimizer = DynamicsOptimizer.Momentum },
            "adam" => Tiny with { Optimizer = DynamicsOptimizer.Adam, LearningRate = 0.01 },
            _ => Tiny with { Similarity = DynamicsSimilarity.Dot },
        };
        var r = ContrastiveDynamics.Run(options, Ct);
        Assert.True(r.MaxRelativeError > 1e-2, r.Summary());
        if (change == "dot")
        {
            Assert.True(r.MaxCosineToGradient > 0.1, r.Summary());
        }
        else
        {
            // The loss gradient is still orthogonal: it is the update rule that adds a radial part.
            Assert.True(r.MaxCosineToGradient < 1e-9, r.Summary());
        }

        if (change == "weight decay")
        {
            Assert.True(r.NormDecreases > 0);
        }
    }

    [Fact]
    public void Runs_are_deterministic_and_the_report_is_written()
    {
        var a = ContrastiveDynamics.Run(Tiny, Ct);
        var b = ContrastiveDynamics.Run(Tiny, Ct);
        Assert.Equal(a.Concepts, b.Concepts);
        Assert.Equal(a.Summary(), b.Summary());
        Assert.True(double.IsFinite(a.SpearmanDepth) && double.IsFinite(a.SpearmanFrequency) && double.IsFinite(a.PartialDepth));

        using var dir = new TempDirectory();
        var runs = ContrastiveDynamics.Lab(steps: 50).Select(o => o with { Depth = 2, Dimension = 8, Batch = 16 }).Select(o => ContrastiveDynamics.Run(o, Ct)).ToList();
        DynamicsReport.Write(runs, dir.Path, "test");
        foreach (string file in new[] { "dynamics.json", "dynamics.md", "identity.png", "norm-growth.png", "norm-vs-frequency.png" })
        {
            Assert.True(new FileInfo(Path.Combine(dir.Path, file)).Length > 100, file);
        }

        string md = File.ReadAllText(Path.Combine(dir.Path, "dynamics.md"));
        Assert.Equal(6, md.Split('\n').Count(l => l.StartsWith("| sgd", StringComparison.Ordinal) || l.StartsWith("| momentum", StringComparison.Ordinal) || l.StartsWith("| adam", StringComparison.Ordinal)));
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ContrastiveDynamics.Run(Tiny with { Steps = 0 }, Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContrastiveDynamics.Run(Tiny with { LearningRate = double.NaN }, Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContrastiveDynamics.Run(Tiny with { Temperature = 0 }, Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContrastiveDynamics.Run(Tiny with { WeightDecay = -1 }, Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContrastiveDynamics.Run(Tiny with { Branching = 10, Depth = 6 }, Ct));
    }
}
