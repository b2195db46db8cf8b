using System.Globalization;

namespace NormRetrieval.Ranking;

/// <summary>How a hybrid search combines its dense (cosine) and keyword (BM25) rankings.</summary>
public enum HybridFusionMethod
{
    /// <summary>
    /// Reciprocal-rank fusion (Cormack, Clarke and Büttcher, 2009): a record's score is the sum over the two
    /// rankings of <c>1 / (k + rank)</c>, ranks from 1; a record missing from a ranking gets nothing from it.
    /// Scale-free, so it needs no tuning; the default.
    /// </summary>
    ReciprocalRank,

    /// <summary>
    /// Weighted score fusion (a convex combination, Bruch, Gai and Ingber, 2023): each ranking's scores are scaled
    /// to [0, 1] between the score's theoretical minimum (cosine −1, BM25 0) and the ranking's best score, then
    /// <c>w · dense + (1 − w) · keyword</c>; a record missing from a ranking gets 0 from it, so any keyword match
    /// counts for more than none.
    /// </summary>
    WeightedScore,
}

/// <summary>Fusion settings of a hybrid search.</summary>
public sealed record HybridFusionOptions
{
    /// <summary>The fusion method (default reciprocal-rank fusion).</summary>
    public HybridFusionMethod Method { get; init; } = HybridFusionMethod.ReciprocalRank;

    /// <summary>The <c>k</c> of reciprocal-rank fusion (default 60, the value of the original paper).</summary>
    public double RankConstant { get; init; } = 60;

    /// <summary>The weight <c>w</c> of the dense ranking in weighted score fusion (default 0.5; the keyword ranking gets 1 − w).</summary>
    public double DenseWeight { get; init; } = 0.5;

    /// <summary>
    /// How many candidates each ranking contributes per result wanted (default 4: for <c>top + skip = 10</c>, the 40
    /// best of each); at least 50 are taken when the collection holds that many.
    /// </summary>
    public int CandidateFactor { get; init; } = 4;

    /// <summary>Parses <c>rrf</c>, <c>rrf:K</c>, <c>weighted</c> or <c>weighted:W</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">The text is not one of those forms.</exception>
    public static HybridFusionOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Trim().Split(':', 2);
        double? value = parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;
        if (parts.Length == 2 && value is null)
        {
            throw new FormatException($"'{text}': the value after ':' is not a number.");
        }

        var options = parts[0].ToLowerInvariant() switch
        {
            "rrf" => new HybridFusionOptions { RankConstant = value ?? 60 },
            "weighted" => new HybridFusionOptions { Method = HybridFusionMethod.WeightedScore, DenseWeight = value ?? 0.5 },
            _ => throw new FormatException($"'{text}' is not a fusion: use rrf, rrf:K, weighted or weighted:W."),
        };
        options.Validate();
        return options;
    }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k is not positive, w is outside [0, 1], or the factor is below 1.</exception>
    public void Validate()
    {
        if (!(RankConstant > 0) || double.IsInfinity(RankConstant))
        {
            throw new ArgumentOutOfRangeException(nameof(RankConstant), RankConstant, "The rank constant k must be positive and finite.");
        }

        if (!(DenseWeight >= 0 && DenseWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(DenseWeight), DenseWeight, "The dense weight must lie in [0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(CandidateFactor, 1, nameof(CandidateFactor));
    }

    /// <inheritdoc />
    public override string ToString() => Method == HybridFusionMethod.ReciprocalRank
        ? string.Create(CultureInfo.InvariantCulture, $"rrf:{RankConstant:G}")
        : string.Create(CultureInfo.InvariantCulture, $"weighted:{DenseWeight:G}");
}

/// <summary>A fused record: its score in [0, 1] and its 1-based rank in each input ranking (null when absent).</summary>
/// <typeparam name="TKey">The record key.</typeparam>
/// <param name="Key">The record.</param>
/// <param name="Score">The fused score, scaled to [0, 1] (1: first in both rankings, or the best of both scores).</param>
/// <param name="DenseRank">The rank in the dense ranking.</param>
/// <param name="KeywordRank">The rank in the keyword ranking.</param>
public readonly record struct FusedCandidate<TKey>(TKey Key, double Score, int? DenseRank, int? KeywordRank);

/// <summary>Combines a dense and a keyword ranking into one (see <see cref="HybridFusionMethod"/>).</summary>
public static class HybridFusion
{
    /// <summary>Fuses two rankings, each best first; ties in the fused score keep the dense ranking's order, then the keyword ranking's.</summary>
    /// <typeparam name="TKey">The record key.</typeparam>
    /// <param name="dense">Records with their cosine, best first.</param>
    /// <param name="keyword">Records with their keyword score (higher is better, e.g. −bm25), best first.</param>
    /// <param name="options">The fusion.</param>
    /// <returns>Every record of either ranking, best first.</returns>
    public static List<FusedCandidate<TKey>> Fuse<TKey>(IReadOnlyList<(TKey Key, double Score)> dense, IReadOnlyList<(TKey Key, double Score)> keyword, HybridFusionOptions options)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var order = new List<TKey>(dense.Count + keyword.Count);
        var denseRank = new Dictionary<TKey, int>(dense.Count);
        var keywordRank = new Dictionary<TKey, int>(keyword.Count);
        for (int i = 0; i < dense.Count; i++)
        {
            if (denseRank.TryAdd(dense[i].Key, i + 1))
            {
                order.Add(dense[i].Key);
            }
        }

        for (int i = 0; i < keyword.Count; i++)
        {
            if (keywordRank.TryAdd(keyword[i].Key, i + 1) && !denseRank.ContainsKey(keyword[i].Key))
            {
                order.Add(keyword[i].Key);
            }
        }

        Func<TKey, double> score = options.Method == HybridFusionMethod.ReciprocalRank
            ? Reciprocal(denseRank, keywordRank, options.RankConstant)
            : Weighted(dense, keyword, options.DenseWeight);
        var fused = new List<FusedCandidate<TKey>>(order.Count);
        foreach (var key in order)
        {
            fused.Add(new FusedCandidate<TKey>(
                key, score(key), denseRank.TryGetValue(key, out int d) ? d : null, keywordRank.TryGetValue(key, out int k) ? k : null));
        }

        // A stable sort: equal scores keep the order built above (dense first, then keyword-only records).
        return [.. fused.Select((f, i) => (f, i)).OrderByDescending(x => x.f.Score).ThenBy(x => x.i).Select(x => x.f)];
    }

    private static Func<TKey, double> Reciprocal<TKey>(Dictionary<TKey, int> denseRank, Dictionary<TKey, int> keywordRank, double k)
        where TKey : notnull
    {
        // Scaled by the best possible sum (first in both), so that scores lie in (0, 1] like cosines.
        double best = 2 / (k + 1);
        return key =>
            ((denseRank.TryGetValue(key, out int d) ? 1 / (k + d) : 0) + (keywordRank.TryGetValue(key, out int w) ? 1 / (k + w) : 0)) / best;
    }

    private static Func<TKey, double> Weighted<TKey>(IReadOnlyList<(TKey Key, double Score)> dense, IReadOnlyList<(TKey Key, double Score)> keyword, double weight)
        where TKey : notnull
    {
        var denseScaled = Scale(dense, -1);
        var keywordScaled = Scale(keyword, 0);
        return key => (weight * denseScaled.GetValueOrDefault(key)) + ((1 - weight) * keywordScaled.GetValueOrDefault(key));
    }

    private static Dictionary<TKey, double> Scale<TKey>(IReadOnlyList<(TKey Key, double Score)> ranking, double floor)
        where TKey : notnull
    {
        var scaled = new Dictionary<TKey, double>(ranking.Count);
        if (ranking.Count == 0)
        {
            return scaled;
        }

        double max = ranking.Max(r => r.Score);
        foreach (var (key, s) in ranking)
        {
            // A best score at the floor carries no spread: every member then gets 1.
            scaled.TryAdd(key, max > floor ? Math.Clamp((s - floor) / (max - floor), 0, 1) : 1);
        }

        return scaled;
    }

}
