namespace NormRetrieval.Scoring;

/// <summary>
/// Keeps part of the document's magnitude: <c>score = c · n_d^α</c> with α in [0, 1].
/// α = 0 is cosine; α = 1 ranks like the dot product of the unit query with the raw document.
/// </summary>
/// <remarks>For one query the query norm is a constant factor, so it never changes the ranking.</remarks>
public sealed class MagnitudePolicy : ScoringPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="alpha">The exponent α in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">α is outside [0, 1].</exception>
    public MagnitudePolicy(double alpha)
    {
        if (!(alpha >= 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must lie in [0, 1].");
        }

        Alpha = alpha;
    }

    /// <summary>The exponent α.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public override string Name => "magnitude";

    /// <inheritdoc />
    public override bool UsesNorms => Alpha != 0;

    /// <inheritdoc />
    public override IReadOnlyList<double> Parameters => [Alpha];

    /// <inheritdoc />
    public override double Score(in ScoringFeatures features) =>
        Alpha == 0 ? features.Cosine : features.Cosine * Math.Pow(features.DocumentNorm, Alpha);
}
