namespace NormRetrieval.Scoring;

/// <summary>Plain cosine similarity: <c>score = c</c>. Norms are ignored.</summary>
public sealed class CosinePolicy : ScoringPolicy
{
    internal CosinePolicy()
    {
    }

    /// <inheritdoc />
    public override string Name => "cosine";

    /// <inheritdoc />
    public override bool UsesNorms => false;

    /// <inheritdoc />
    public override IReadOnlyList<double> Parameters => [];

    /// <inheritdoc />
    public override double Score(in ScoringFeatures features) => features.Cosine;
}
