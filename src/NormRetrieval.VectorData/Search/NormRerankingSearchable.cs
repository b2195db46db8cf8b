using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Ranking;
using NormRetrieval.Statistics;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.VectorData;

/// <summary>
/// Adds norm-aware reranking to any other connector's collection whose records carry the raw norm of
/// their embedding in a property: it asks the inner searchable for <c>Overfetch × (Skip + Top)</c> results
/// by cosine similarity and reranks them with a policy and the collection's norm statistics.
/// </summary>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>
/// The inner collection must score by cosine similarity (higher is better). Results are the inner
/// records; scores are the policy's. <c>Skip</c> and <c>ScoreThreshold</c> are applied after reranking.
/// Thread-safe if the inner searchable is.
/// </remarks>
public sealed class NormRerankingSearchable<TRecord> : INormSearchable<TRecord>
    where TRecord : class
{
    private readonly IVectorSearchable<TRecord> _inner;
    private readonly Func<TRecord, double> _norm;
    private readonly Func<TRecord, int?>? _tokens;
    private readonly NormRankingOptions _ranking;
    private readonly NormStatistics _statistics;

    /// <summary>Wraps a searchable.</summary>
    /// <param name="inner">The connector's collection (searching by cosine similarity).</param>
    /// <param name="norm">Reads a record's raw norm (e.g. <c>r =&gt; r.Norm</c>).</param>
    /// <param name="statistics">The collection's norm statistics (e.g. collected while indexing, or merged from shards).</param>
    /// <param name="ranking">The policy and overfetch.</param>
    /// <param name="tokens">Reads a record's token count, for length-residualised policies.</param>
    public NormRerankingSearchable(IVectorSearchable<TRecord> inner, Func<TRecord, double> norm, NormStatistics statistics, NormRankingOptions ranking, Func<TRecord, int?>? tokens = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _norm = norm ?? throw new ArgumentNullException(nameof(norm));
        _statistics = statistics ?? throw new ArgumentNullException(nameof(statistics));
        _ranking = ranking ?? throw new ArgumentNullException(nameof(ranking));
        ArgumentOutOfRangeException.ThrowIfLessThan(ranking.Overfetch, 1, nameof(ranking));
        _tokens = tokens;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        await foreach (var result in SearchWithExplanationsAsync(searchValue, top, options, cancellationToken).ConfigureAwait(false))
        {
            yield return new VectorSearchResult<TRecord>(result.Record, result.Score);
        }
    }

    /// <summary>Searches and reranks, returning each result's explanation.</summary>
    /// <typeparam name="TInput">The inner connector's search input type.</typeparam>
    /// <param name="searchValue">The query.</param>
    /// <param name="top">Results wanted.</param>
    /// <param name="options">Filter, skip, threshold, vectors (a <see cref="NormSearchOptions{TRecord}"/> may override the ranking).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The reranked results.</returns>
    public async IAsyncEnumerable<NormSearchResult<TRecord>> SearchWithExplanationsAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        var response = await SearchDetailedAsync(searchValue, top, options, cancellationToken).ConfigureAwait(false);
        foreach (var result in response.Results)
        {
            yield return result;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The query norm is known only when the search value is a vector; for other inputs (text embedded by the
    /// inner connector) it is unknown here and taken as 1, so query-adaptive policies and the query-norm
    /// percentile carry no information for them.
    /// </remarks>
    public async Task<NormSearchResponse<TRecord>> SearchDetailedAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        var ranking = (options as NormSearchOptions<TRecord>)?.Ranking ?? _ranking;
        ArgumentOutOfRangeException.ThrowIfLessThan(ranking.Overfetch, 1, nameof(options));
        // The inner connector's size is unknown here: bound only what fits an int; it returns what it has.
        var (_, fetch) = SearchWindow.Bound(options.Skip, top, ranking, int.MaxValue);
        var inner = new VectorSearchOptions<TRecord>
        {
            Filter = options.Filter,
            VectorProperty = options.VectorProperty,
            IncludeVectors = options.IncludeVectors,
            Skip = 0,
        };

        var candidates = new List<RerankCandidate<int>>();
        var found = new List<TRecord>();
        await foreach (var r in _inner.SearchAsync(searchValue, fetch, inner, cancellationToken).ConfigureAwait(false))
        {
            candidates.Add(new RerankCandidate<int>(found.Count, r.Score ?? double.NegativeInfinity, _norm(r.Record), _tokens?.Invoke(r.Record)));
            found.Add(r.Record);
        }

        double queryNorm = QueryNorm(searchValue);
        var query = new QueryFeatures(queryNorm);
        var context = new NormContext(_statistics);
        var ranked = NormReranker.Rerank(candidates, query, ranking.Policy, context);
        var results = SearchWindow.Page(ranked, distance: false, options.ScoreThreshold, options.Skip, top, (key, score, explanation) => new NormSearchResult<TRecord>(found[key], score, explanation));
        return new NormSearchResponse<TRecord>(results, queryNorm, QueryConfidence.Compute(query, candidates, context), ranking.Policy.ToString());
    }

    /// <inheritdoc />
    public Task<NormStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_statistics.Clone());
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _inner.GetService(serviceType, serviceKey);
    }

    private static double QueryNorm<TInput>(TInput value) => value switch
    {
        float[] a => System.Numerics.Tensors.TensorPrimitives.Norm(a),
        ReadOnlyMemory<float> m => System.Numerics.Tensors.TensorPrimitives.Norm(m.Span),
        Microsoft.Extensions.AI.Embedding<float> e => System.Numerics.Tensors.TensorPrimitives.Norm(e.Vector.Span),
        _ => 1,
    };
}
