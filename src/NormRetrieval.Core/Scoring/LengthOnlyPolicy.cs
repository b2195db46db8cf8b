namespace NormRetrieval.Scoring;

/// <summary>
/// A policy family driven by the document's log token count instead of its norm (policy strings end in
/// <c>,length</c>): the baseline that tells how much of a norm policy's gain is text length in disguise, since
/// mean-pooled encoders' norms fall with length.
/// </summary>
internal sealed class LengthOnlyPolicy(ScoringPolicy inner) : ScoringPolicy
{
    public override string Name => inner.Name;

    public override bool UsesNorms => inner.UsesNorms;

    public override bool UsesLengthOnly => true;

    public override IReadOnlyList<double> Parameters => inner.Parameters;

    public override double Score(in ScoringFeatures features) => inner.Score(features);
}
