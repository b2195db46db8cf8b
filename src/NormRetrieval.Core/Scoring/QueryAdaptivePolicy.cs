namespace NormRetrieval.Scoring;

/// <summary>
/// A specificity prior whose weight depends on the query:
/// <c>score = c + λ0 · h(z_q) · clip(z_d, −3, 3)</c> with <c>h(z_q) = (3 − clip(z_q, −3, 3)) / 3</c> in [0, 2].
/// The hypothesis it encodes: vague queries (low z_q) want specific documents, specific queries need the
/// prior less. At an average query (z_q = 0) it equals <see cref="SpecificityPolicy"/> with λ = λ0.
/// </summary>
public sealed class QueryAdaptivePolicy : ScoringPolicy
{
    private readonly bool _residual;

    /// <summary>Creates the policy.</summary>
    /// <param name="lambda0">The base weight λ0 (any finite value).</param>
    /// <param name="residual">Whether z_d is the length-residualised z-score.</param>
    /// <exception cref="ArgumentOutOfRangeException">λ0 is not finite.</exception>
    public QueryAdaptivePolicy(double lambda0, bool residual = false)
    {
        if (!double.IsFinite(lambda0))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda0), lambda0, "λ0 must be finite.");
        }

        Lambda0 = lambda0;
        _residual = residual;
    }

    /// <summary>The base weight λ0.</summary>
    public double Lambda0 { get; }

    /// <inheritdoc />
    public override string Name => "adaptive";

    /// <inheritdoc />
    public override bool UsesNorms => Lambda0 != 0;

    /// <inheritdoc />
    public override bool UsesLengthResidual => _residual;

    /// <inheritdoc />
    public override IReadOnlyList<double> Parameters => [Lambda0];

    /// <summary>The query weight h(z_q) = (3 − clip(z_q, −3, 3)) / 3.</summary>
    /// <param name="queryZ">The query's z-score.</param>
    /// <returns>h in [0, 2].</returns>
    public static double QueryWeight(double queryZ) => (ZClip - Clip(queryZ)) / ZClip;

    /// <inheritdoc />
    public override double Score(in ScoringFeatures features) =>
        features.Cosine + (Lambda0 * QueryWeight(features.QueryZ) * Clip(features.DocumentZ));
}
