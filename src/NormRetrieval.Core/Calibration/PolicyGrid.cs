using NormRetrieval.Scoring;

namespace NormRetrieval.Calibration;

/// <summary>
/// The candidate parameter settings of one policy family, searched by <see cref="PolicyCalibrator"/>.
/// Settings are ordered from the smallest change to cosine to the largest, so that on a tie the
/// calibrator keeps the most conservative one.
/// </summary>
/// <param name="Family">The family name, e.g. <c>specificity</c> or <c>specificity,residual</c>.</param>
/// <param name="Candidates">The policies to try.</param>
public sealed record PolicyGrid(string Family, IReadOnlyList<ScoringPolicy> Candidates)
{
    private static readonly double[] Lambdas =
        [0, 0.0025, -0.0025, 0.005, -0.005, 0.0075, -0.0075, 0.01, -0.01, 0.015, -0.015, 0.02, -0.02, 0.03, -0.03, 0.04, -0.04, 0.06, -0.06];

    /// <summary>The family names <see cref="For"/> knows.</summary>
    public static IReadOnlyList<string> Families { get; } =
        ["magnitude", "specificity", "specificity,residual", "specificity,length", "gated", "gated,residual", "gated,length", "adaptive", "adaptive,residual", "adaptive,length"];

    /// <summary>
    /// The default grid of a family: magnitude α ∈ {0, 0.05, …, 1}; specificity λ and adaptive λ0 ∈
    /// ±{0, 0.0025, …, 0.06}; gated α ∈ {0, 0.1, …, 0.6} × β ∈ {0.25, 0.5, 1, 2}.
    /// </summary>
    /// <param name="family">A family name from <see cref="Families"/> (a policy string's part before the numbers also works, e.g. <c>specificity</c>).</param>
    /// <returns>The grid.</returns>
    /// <exception cref="ArgumentException">The family is unknown.</exception>
    public static PolicyGrid For(string family)
    {
        ArgumentNullException.ThrowIfNull(family);
        string normalized = family.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        bool residual = normalized.EndsWith(",residual", StringComparison.Ordinal);
        bool length = normalized.EndsWith(",length", StringComparison.Ordinal);
        string name = residual ? normalized[..^",residual".Length] : length ? normalized[..^",length".Length] : normalized;
        ScoringPolicy[] candidates = name switch
        {
            "magnitude" when !residual => [.. Enumerable.Range(0, 21).Select(i => new MagnitudePolicy(i * 0.05))],
            "specificity" => [.. Lambdas.Select(l => new SpecificityPolicy(l, residual))],
            "adaptive" or "query-adaptive" => [.. Lambdas.Select(l => new QueryAdaptivePolicy(l, residual))],
            "gated" => [.. GatedSettings().Select(p => new QualityGatedPolicy(p.Alpha, p.Beta, residual))],
            _ => throw new ArgumentException($"Unknown policy family '{family}'. Known: {string.Join(", ", Families)}.", nameof(family)),
        };
        if (length)
        {
            // The length-only baseline of the family: the same grid driven by log token counts.
            candidates = name == "magnitude"
                ? throw new ArgumentException($"Unknown policy family '{family}': magnitude reads the raw norm and has no length-only form.", nameof(family))
                : [.. candidates.Select(ScoringPolicy.LengthOnly)];
        }

        return new PolicyGrid(normalized, candidates);
    }

    /// <summary>A grid of explicitly listed policies.</summary>
    /// <param name="family">A label for reports.</param>
    /// <param name="policies">The policies, most conservative first.</param>
    /// <returns>The grid.</returns>
    public static PolicyGrid Of(string family, params ScoringPolicy[] policies) => new(family, policies);

    private static IEnumerable<(double Alpha, double Beta)> GatedSettings()
    {
        yield return (0, 0.25);
        foreach (double alpha in new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 })
        {
            foreach (double beta in new[] { 2.0, 1.0, 0.5, 0.25 })
            {
                yield return (alpha, beta);
            }
        }
    }
}
