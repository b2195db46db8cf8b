using System.Diagnostics.CodeAnalysis;
using NormRetrieval.Ranking;

namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>
/// The one place where a ranked candidate list becomes the page a caller asked for: the score threshold
/// (in the meaning of the distance function), then <c>Skip</c>, then <c>top</c>; and the bound that keeps
/// any request within what a collection holds.
/// </summary>
[Experimental(ProviderDiagnostics.Id)]
public static class SearchWindow
{
    /// <summary>
    /// How many results a search can return and how many cosine candidates it fetches, bounded by the
    /// collection's size: no request allocates or asks for more than the collection holds, however large
    /// <c>top</c>, <c>Skip</c> or the overfetch are.
    /// </summary>
    /// <param name="skip">Results skipped.</param>
    /// <param name="top">Results wanted.</param>
    /// <param name="ranking">The ranking (norm-aware policies overfetch).</param>
    /// <param name="size">Records the collection holds (an upper bound is enough; <see cref="int.MaxValue"/> when unknown).</param>
    /// <returns>Skip + top and the candidate count, both at most <paramref name="size"/>.</returns>
    public static (int Wanted, int Candidates) Bound(int skip, int top, NormRankingOptions ranking, long size)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        long limit = Math.Clamp(size, 0, int.MaxValue);
        long wanted = Math.Min((long)skip + top, limit);
        long candidates = Math.Min(ranking.Policy.UsesNorms ? wanted * ranking.Overfetch : wanted, limit);
        return ((int)wanted, (int)candidates);
    }

    /// <summary>
    /// Walks ranked candidates best first and keeps the page: a candidate whose score fails the threshold
    /// is dropped, the first <paramref name="skip"/> that pass are skipped, and at most <paramref name="top"/> are kept.
    /// </summary>
    /// <typeparam name="TKey">The candidate key.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="ranked">Candidates, best first, with similarity-like scores (higher is better).</param>
    /// <param name="distance">True when results carry distances (1 − score; lower is better), false for similarities.</param>
    /// <param name="threshold">The caller's threshold, in the results' meaning; null for none.</param>
    /// <param name="skip">Passing results to skip.</param>
    /// <param name="top">Results wanted.</param>
    /// <param name="materialize">Makes a result from a key, its score in the results' meaning and its explanation.</param>
    /// <returns>The page.</returns>
    public static List<TResult> Page<TKey, TResult>(
        IEnumerable<RankedResult<TKey>> ranked, bool distance, double? threshold, int skip, int top, Func<TKey, double, ScoreExplanation, TResult> materialize)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(materialize);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var page = new List<TResult>(Math.Min(top, ranked is IReadOnlyCollection<RankedResult<TKey>> c ? c.Count : 16));
        int skipped = 0;
        foreach (var r in ranked)
        {
            double score = distance ? 1 - r.Score : r.Score;
            if (threshold is double t && (distance ? score > t : score < t))
            {
                continue;
            }

            if (skipped < skip)
            {
                skipped++;
                continue;
            }

            page.Add(materialize(r.Key, score, r.Explanation));
            if (page.Count == top)
            {
                break;
            }
        }

        return page;
    }
}
