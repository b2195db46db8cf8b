using System.Globalization;

namespace NormRetrieval.Experiments.Dynamics;

/// <summary>A concept of the synthetic corpus after training.</summary>
/// <param name="Id">Breadth-first index (0 is the root).</param>
/// <param name="Depth">Depth in the hierarchy.</param>
/// <param name="Frequency">Probability of being drawn as an anchor.</param>
/// <param name="Updates">Steps in which it received a gradient.</param>
/// <param name="InitialNorm">‖z₀‖.</param>
/// <param name="Norm">‖z_T‖.</param>
/// <param name="PredictedNorm">√(‖z₀‖² + η² Σ_t ‖∇L_t‖²): what the identity predicts.</param>
public sealed record DynamicsConcept(int Id, int Depth, double Frequency, int Updates, double InitialNorm, double Norm, double PredictedNorm);

/// <summary>What a run measured.</summary>
/// <param name="Options">The run's options.</param>
/// <param name="Concepts">Every concept.</param>
/// <param name="MaxRelativeError">max over concepts of |‖z_T‖² − predicted²| / ‖z_T‖² (the norm-growth identity).</param>
/// <param name="MaxStepRelativeError">max over steps and updated concepts of |‖z_{t+1}‖² − ‖z_t‖² − η²‖∇L‖²| / ‖z_{t+1}‖².</param>
/// <param name="MaxCosineToGradient">max over steps and updated concepts of |cos(z_t, ∇L_t)| (0 when the gradient is orthogonal).</param>
/// <param name="NormDecreases">Concept updates after which the norm was smaller than before.</param>
/// <param name="Updates">Concept updates in all.</param>
/// <param name="FirstLoss">Mean loss of the first 1% of steps.</param>
/// <param name="LastLoss">Mean loss of the last 1% of steps.</param>
/// <param name="SpearmanFrequency">Spearman ρ of final norm and log frequency.</param>
/// <param name="SpearmanDepth">Spearman ρ of final norm and depth.</param>
/// <param name="PartialFrequency">ρ of norm and log frequency, controlling for depth.</param>
/// <param name="PartialDepth">ρ of norm and depth, controlling for log frequency.</param>
/// <param name="MeanNormByStep">Mean norm over concepts every <see cref="TraceEvery"/> steps (first: step 0).</param>
/// <param name="TraceEvery">Steps between the points of <paramref name="MeanNormByStep"/>.</param>
public sealed record DynamicsResult(
    DynamicsOptions Options,
    IReadOnlyList<DynamicsConcept> Concepts,
    double MaxRelativeError,
    double MaxStepRelativeError,
    double MaxCosineToGradient,
    long NormDecreases,
    long Updates,
    double FirstLoss,
    double LastLoss,
    double SpearmanFrequency,
    double SpearmanDepth,
    double PartialFrequency,
    double PartialDepth,
    IReadOnlyList<double> MeanNormByStep,
    int TraceEvery)
{
    /// <summary>Mean final norm by depth.</summary>
    public IReadOnlyList<double> MeanNormByDepth =>
        [.. Concepts.GroupBy(c => c.Depth).OrderBy(g => g.Key).Select(g => g.Average(c => c.Norm))];

    /// <summary>One line for reports.</summary>
    /// <returns>The summary.</returns>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Options.Name}: identity rel. error {MaxRelativeError:E2} (per step {MaxStepRelativeError:E2}), max |cos(z, ∇L)| {MaxCosineToGradient:E2}, norm decreases {NormDecreases}/{Updates}, loss {FirstLoss:F3} → {LastLoss:F3}, ρ(norm, log freq) {Signed(SpearmanFrequency)}, ρ(norm, depth) {Signed(SpearmanDepth)}");

    private static string Signed(double value) => double.IsFinite(value) ? value.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "—";
}
