namespace NormRetrieval.Scoring;

/// <summary>
/// A bounded specificity prior: <c>score = c + λ · clip(z_d, −3, 3)</c>, where z_d is the document's
/// standardised log-norm (length-residualised when <see cref="ScoringPolicy.UsesLengthResidual"/>).
/// λ &gt; 0 favours specific (long-norm) documents, λ &lt; 0 general ones, λ = 0 is cosine.
/// </summary>
public sealed class SpecificityPolicy : ScoringPolicy
{
    private readonly bool _residual;

    /// <summary>Creates the policy.</summary>
    /// <param name="lambda">The weight λ of the prior (any finite value).</param>
    /// <param name="residual">Whether z_d is the length-residualised z-score.</param>
    /// <exception cref="ArgumentOutOfRangeException">λ is not finite.</exception>
    public SpecificityPolicy(double lambda, bool residual = false)
    {
        if (!double.IsFinite(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be finite.");
        }

        Lambda = lambda;
        _residual = residual;
    }

    /// <summary>The weight λ.</summary>
    public double Lambda { get; }

    /// <inheritdoc />
    public override string Name => "specificity";

    /// <inheritdoc />
    public override bool UsesNorms => Lambda != 0;

    /// <inheritdoc />
    public override bool UsesLengthResidual => _residual;

    /// <inheritdoc />
    public override IReadOnlyList<double> Parameters => [Lambda];

    /// <inheritdoc />
    public override double Score(in ScoringFeatures features) => features.Cosine + (Lambda * Clip(features.DocumentZ));
}
