using Microsoft.Extensions.VectorData;

namespace NormRetrieval.VectorData;

/// <summary>
/// Search options with a per-query norm-aware ranking; pass them wherever <see cref="VectorSearchOptions{TRecord}"/>
/// are accepted. Collections that are not NormRetrieval's ignore the extra settings.
/// </summary>
/// <typeparam name="TRecord">The record type.</typeparam>
public sealed class NormSearchOptions<TRecord> : VectorSearchOptions<TRecord>
{
    /// <summary>The ranking for this query; null uses the collection's (or the store's) setting.</summary>
    public NormRankingOptions? Ranking { get; set; }
}
