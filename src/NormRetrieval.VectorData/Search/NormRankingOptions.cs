using NormRetrieval.Scoring;

namespace NormRetrieval.VectorData;

/// <summary>
/// Opt-in norm-aware ranking: the index is searched by cosine for <c>Overfetch × (Skip + Top)</c>
/// candidates, which <see cref="Policy"/> reranks with the collection's norm statistics.
/// </summary>
/// <remarks>
/// With a norm-aware policy, result scores are the policy's scores (see the policy's formula), not
/// cosine similarities, and <c>ScoreThreshold</c> applies to those scores. With <see cref="ScoringPolicy.Cosine"/>
/// scores are exactly cosine similarities.
/// </remarks>
public sealed record NormRankingOptions
{
    /// <summary>The scoring policy (default cosine). See <see cref="ScoringPolicy.Parse"/> for policy strings.</summary>
    public ScoringPolicy Policy { get; init; } = ScoringPolicy.Cosine;

    /// <summary>How many cosine candidates per wanted result the reranker sees (default 4, at least 1).</summary>
    public int Overfetch { get; init; } = 4;

    /// <summary>Creates ranking options from a policy string such as <c>specificity:0.02</c>.</summary>
    /// <param name="policy">The policy string.</param>
    /// <param name="overfetch">The overfetch factor.</param>
    /// <returns>The options.</returns>
    public static NormRankingOptions Parse(string policy, int overfetch = 4) => new() { Policy = ScoringPolicy.Parse(policy), Overfetch = overfetch };
}
