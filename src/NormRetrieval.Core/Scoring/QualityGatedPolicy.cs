namespace NormRetrieval.Scoring;

/// <summary>
/// The QMagFace form: <c>score = c + min(0, β·c − α) · g(z_d)</c> with the bounded quality
/// <c>g(z) = (clip(z, −3, 3) + 3) / 6</c> in [0, 1]. Below the cosine α/β a pair is pushed down, the more
/// so the more specific (long-norm) the document: a confident document that still matches poorly is a
/// confident non-match. Above α/β the score is the cosine.
/// </summary>
public sealed class QualityGatedPolicy : ScoringPolicy
{
    private readonly bool _residual;

    /// <summary>Creates the policy.</summary>
    /// <param name="alpha">α ≥ 0, the offset of the gate.</param>
    /// <param name="beta">β ≥ 0, the slope of the gate.</param>
    /// <param name="residual">Whether z_d is the length-residualised z-score.</param>
    /// <exception cref="ArgumentOutOfRangeException">α or β is negative or not finite.</exception>
    public QualityGatedPolicy(double alpha, double beta, bool residual = false)
    {
        if (!(alpha >= 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be finite and non-negative.");
        }

        if (!(beta >= 0) || !double.IsFinite(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be finite and non-negative.");
        }

        Alpha = alpha;
        Beta = beta;
        _residual = residual;
    }

    /// <summary>The offset α.</summary>
    public double Alpha { get; }

    /// <summary>The slope β.</summary>
    public double Beta { get; }

    /// <inheritdoc />
    public override string Name => "gated";

    /// <inheritdoc />
    public override bool UsesLengthResidual => _residual;

    /// <inheritdoc />
    public override IReadOnlyList<double> Parameters => [Alpha, Beta];

    /// <summary>The bounded quality g(z) = (clip(z, −3, 3) + 3) / 6.</summary>
    /// <param name="z">A z-score.</param>
    /// <returns>g(z) in [0, 1].</returns>
    public static double Quality(double z) => (Clip(z) + ZClip) / (2 * ZClip);

    /// <inheritdoc />
    public override double Score(in ScoringFeatures features) =>
        features.Cosine + (Math.Min(0, (Beta * features.Cosine) - Alpha) * Quality(features.DocumentZ));
}
