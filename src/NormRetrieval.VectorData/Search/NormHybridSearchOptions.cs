using Microsoft.Extensions.VectorData;
using NormRetrieval.Ranking;

namespace NormRetrieval.VectorData;

/// <summary>
/// Hybrid search options with the fusion and a norm-aware ranking for one query; pass them wherever
/// <see cref="HybridSearchOptions{TRecord}"/> are accepted. Collections that are not NormRetrieval's ignore the extra settings.
/// </summary>
/// <typeparam name="TRecord">The record type.</typeparam>
public sealed class NormHybridSearchOptions<TRecord> : HybridSearchOptions<TRecord>
{
    /// <summary>How the dense and keyword rankings are fused; null uses the collection's setting (default reciprocal-rank fusion, k = 60).</summary>
    public HybridFusionOptions? Fusion { get; set; }

    /// <summary>The norm-aware ranking applied to the fused scores; null uses the collection's (or the store's) setting.</summary>
    public NormRankingOptions? Ranking { get; set; }
}
