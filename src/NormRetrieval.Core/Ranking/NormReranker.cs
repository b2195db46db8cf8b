using NormRetrieval.Scoring;

namespace NormRetrieval.Ranking;

/// <summary>
/// Reorders cosine-search candidates by a <see cref="ScoringPolicy"/>, using the collection's norm
/// statistics, and explains every score.
/// </summary>
/// <remarks>
/// Results are ordered by score (descending), then cosine (descending), then the candidates' input
/// order, so the order is deterministic. When the collection's norms are all ≈ 1
/// (<see cref="Statistics.NormStatistics.AllNormsNearOne"/>), every policy scores the plain cosine.
/// Thread-safe: it holds no state.
/// </remarks>
public static class NormReranker
{
    /// <summary>Scores and orders candidates.</summary>
    /// <typeparam name="TKey">The record key type.</typeparam>
    /// <param name="candidates">Candidates from a cosine search (any order).</param>
    /// <param name="query">The query's norm and token count.</param>
    /// <param name="policy">The scoring policy.</param>
    /// <param name="context">The collection statistics.</param>
    /// <param name="top">When given, only the best <paramref name="top"/> results are returned.</param>
    /// <returns>The results, best first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> is negative.</exception>
    public static IReadOnlyList<RankedResult<TKey>> Rerank<TKey>(
        IEnumerable<RerankCandidate<TKey>> candidates,
        QueryFeatures query,
        ScoringPolicy policy,
        NormContext context,
        int? top = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        if (top is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(top), top, "top must not be negative.");
        }

        var items = candidates as IReadOnlyList<RerankCandidate<TKey>> ?? [.. candidates];

        // Norms normalised upstream (all ≈ 1) differ only by rounding: a policy would rank on noise, so it
        // is a no-op there, whatever the collection's size (the store logs why, once).
        bool degenerate = policy.UsesNorms && context.Documents.AllNormsNearOne;
        double queryZ = degenerate ? 0 : context.QueryZ(query.Norm);
        string policyText = policy.ToString();
        var scored = new (double Score, double Cosine, int Index, ScoreExplanation Explanation)[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var c = items[i];
            // A length-only baseline reads token counts, not norms: degenerate norms do not silence it.
            double z = policy.UsesLengthOnly ? context.Documents.LengthZScore(c.TokenCount)
                : degenerate ? 0 : context.DocumentZ(c.Norm, c.TokenCount, policy.UsesLengthResidual);
            var features = new ScoringFeatures(c.Cosine, c.Norm, z, query.Norm, queryZ);
            double score = degenerate && !policy.UsesLengthOnly ? c.Cosine : policy.Score(features);
            scored[i] = (score, c.Cosine, i, new ScoreExplanation(policyText, c.Cosine, c.Norm, z, query.Norm, queryZ, score - c.Cosine, score) { TokenCount = c.TokenCount });
        }

        Array.Sort(scored, static (a, b) =>
        {
            int cmp = b.Score.CompareTo(a.Score);
            if (cmp == 0)
            {
                cmp = b.Cosine.CompareTo(a.Cosine);
            }

            return cmp != 0 ? cmp : a.Index.CompareTo(b.Index);
        });

        int count = Math.Min(top ?? scored.Length, scored.Length);
        var results = new RankedResult<TKey>[count];
        for (int i = 0; i < count; i++)
        {
            results[i] = new RankedResult<TKey>(items[scored[i].Index].Key, scored[i].Score, scored[i].Explanation);
        }

        return results;
    }
}
