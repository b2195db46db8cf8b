using Microsoft.Extensions.VectorData;
using NormRetrieval.Statistics;

namespace NormRetrieval.VectorData;

/// <summary>
/// The norm-aware surface of a searchable collection: searches that explain every score and report the
/// query's confidence signal, and the collection's norm statistics. Implemented by the embedded
/// <c>NormCollection</c>, the Garnet collection and <see cref="NormRerankingSearchable{TRecord}"/>,
/// and registered in DI beside <see cref="IVectorSearchable{TRecord}"/> by the <c>Add…Collection</c> extensions,
/// so no caller needs to cast.
/// </summary>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>Implementations are thread-safe for concurrent searches.</remarks>
public interface INormSearchable<TRecord> : IVectorSearchable<TRecord>
    where TRecord : class
{
    /// <summary>
    /// Searches like <see cref="IVectorSearchable{TRecord}.SearchAsync{TInput}"/> and returns, with each
    /// result, the explanation of its score, plus the query's norm and confidence signal.
    /// </summary>
    /// <typeparam name="TInput">A vector (float[], ReadOnlyMemory&lt;float&gt;, Embedding&lt;float&gt;) or an input of the configured embedding generator (text is embedded in query mode).</typeparam>
    /// <param name="searchValue">The query.</param>
    /// <param name="top">Results wanted (≥ 1).</param>
    /// <param name="options">Filter, skip, threshold, vectors; a <see cref="NormSearchOptions{TRecord}"/> also chooses the ranking.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The results and the query's signals.</returns>
    /// <exception cref="NotSupportedException">The input type needs an embedding generator and none is configured, or the filter is not supported.</exception>
    /// <exception cref="InvalidOperationException">The configured embedding generator cannot take the input type.</exception>
    Task<NormSearchResponse<TRecord>> SearchDetailedAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull;

    /// <summary>The norm statistics that norm-aware policies standardise with (a snapshot).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The statistics; empty when the collection holds nothing.</returns>
    Task<NormStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default);
}
