using NormRetrieval.Statistics;

namespace NormRetrieval.Ranking;

/// <summary>
/// The collection statistics a norm-aware policy standardises against: those of the documents and,
/// optionally, of queries (queries are shorter and may carry a prefix, so their norms are their own
/// population; without query statistics the document statistics serve for queries too).
/// </summary>
/// <remarks>Reads only; safe to share while the statistics are not being changed.</remarks>
/// <param name="documents">Norm statistics of the collection's documents.</param>
/// <param name="queries">Norm statistics of queries, when known.</param>
public sealed class NormContext(NormStatistics documents, NormStatistics? queries = null)
{
    /// <summary>Norm statistics of the documents.</summary>
    public NormStatistics Documents { get; } = documents ?? throw new ArgumentNullException(nameof(documents));

    /// <summary>Norm statistics of queries, or null when the document statistics serve.</summary>
    public NormStatistics? Queries { get; } = queries;

    /// <summary>The document z-score z_d, length-residualised when asked.</summary>
    /// <param name="norm">The document's raw norm.</param>
    /// <param name="tokenCount">The document's token count, when known.</param>
    /// <param name="residual">Whether to residualise on length.</param>
    /// <returns>z_d.</returns>
    public double DocumentZ(double norm, int? tokenCount, bool residual) =>
        residual ? Documents.ResidualZScore(norm, tokenCount) : Documents.ZScore(norm);

    /// <summary>The query z-score z_q against the query statistics (or the document statistics).</summary>
    /// <param name="norm">The query's raw norm.</param>
    /// <returns>z_q.</returns>
    public double QueryZ(double norm) => (Queries is { Count: > 1 } q ? q : Documents).ZScore(norm);

    /// <summary>The query norm's percentile rank in [0, 1] against the query statistics (or the document statistics).</summary>
    /// <param name="norm">The query's raw norm.</param>
    /// <returns>The percentile rank, NaN when no statistics exist.</returns>
    public double QueryPercentile(double norm) => (Queries is { Count: > 0 } q ? q : Documents).PercentileRank(norm);
}
