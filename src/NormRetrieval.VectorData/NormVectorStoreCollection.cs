using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Statistics;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.VectorData;

/// <summary>
/// What every NormRetrieval collection does the same way whatever its store: the record model and
/// pipeline, the single-record overloads of the MEVD API, the checks of a batch and of a search request,
/// and the ranking a search uses. A store implements the batch operations and the search itself.
/// </summary>
/// <typeparam name="TKey">string, Guid, int or long (object for dynamic collections).</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
public abstract class NormVectorStoreCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>, INormSearchable<TRecord>
    where TKey : notnull
    where TRecord : class
{
    private readonly NormRankingOptions? _ranking;

    /// <summary>Validates the name and builds the record model.</summary>
    /// <param name="name">The collection name (see <see cref="CollectionNames"/>).</param>
    /// <param name="options">The collection's options (definition, embedding generator).</param>
    /// <param name="storeGenerator">The store's embedding generator, used when neither the options nor the definition name one.</param>
    /// <param name="ranking">The collection's ranking, else the store's (null: cosine).</param>
    /// <param name="dynamic">True for a dynamic (dictionary) collection.</param>
    protected NormVectorStoreCollection(string name, VectorStoreCollectionOptions options, IEmbeddingGenerator? storeGenerator, NormRankingOptions? ranking, bool dynamic)
    {
        ArgumentNullException.ThrowIfNull(options);
        CollectionNames.Validate(name);
        Name = name;
        _ranking = ranking;
        Pipeline = RecordPipeline.Create(typeof(TRecord), typeof(TKey), options.Definition, options.EmbeddingGenerator ?? options.Definition?.EmbeddingGenerator ?? storeGenerator, dynamic);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The distance function of the vector property (CosineSimilarity or CosineDistance).</summary>
    public string Distance => Pipeline.Distance;

    /// <summary>The vector dimension of this collection's definition.</summary>
    public int Dimension => Pipeline.Mapper.VectorProperty.Dimensions;

    /// <summary>The collection's ranking, else the store's (null: cosine); a query's options may override it.</summary>
    protected NormRankingOptions? DefaultRanking => _ranking;

    /// <summary>The record model and the record/query pipeline.</summary>
    [System.Diagnostics.CodeAnalysis.Experimental(ProviderDiagnostics.Id)]
    protected RecordPipeline Pipeline { get; }

    /// <inheritdoc />
    public override async Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        await foreach (var record in GetAsync([key], options, cancellationToken).ConfigureAwait(false))
        {
            return record;
        }

        return null;
    }

    /// <inheritdoc />
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    /// <inheritdoc />
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc />
    public override Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        if (list.Any(r => r is null))
        {
            throw new ArgumentNullException(nameof(records), "A record in the batch is null.");
        }

        return list.Count == 0 ? Task.CompletedTask : UpsertBatchAsync(list, cancellationToken);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await SearchAsync(searchValue, top, options, withConfidence: false, cancellationToken).ConfigureAwait(false);
        foreach (var result in response.Results)
        {
            yield return new VectorSearchResult<TRecord>(result.Record, result.Score);
        }
    }

    /// <summary>
    /// Searches like <see cref="SearchAsync{TInput}(TInput, int, VectorSearchOptions{TRecord}?, CancellationToken)"/>
    /// and returns, with each result, the explanation of its score, plus the query's norm and confidence signal.
    /// </summary>
    /// <typeparam name="TInput">float[], ReadOnlyMemory&lt;float&gt;, Embedding&lt;float&gt;, or an input of the embedding generator (text is embedded in query mode).</typeparam>
    /// <param name="searchValue">The query.</param>
    /// <param name="top">Results wanted (≥ 1).</param>
    /// <param name="options">Filter, skip, threshold, vectors; a <see cref="NormSearchOptions{TRecord}"/> also chooses the ranking.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The results and the query's signals.</returns>
    /// <exception cref="NormRetrieval.Vectors.InvalidVectorException">The query vector has the wrong dimension, is zero, or holds NaN or infinity.</exception>
    /// <exception cref="NotSupportedException">The input type or the filter is not supported.</exception>
    public Task<NormSearchResponse<TRecord>> SearchDetailedAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull =>
        SearchAsync(searchValue, top, options, withConfidence: true, cancellationToken);

    /// <inheritdoc />
    public abstract Task<NormStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default);

    /// <summary>The number of records the collection holds.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The count.</returns>
    public abstract Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>What searches the collection: e.g. <c>faiss:IDMap,HNSW32</c>, <c>exact</c>, <c>garnet vector sets, 3 shards</c>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The description; null when the collection does not exist.</returns>
    public abstract Task<string?> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a checked, non-empty batch (no null records).</summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the batch is durable.</returns>
    protected abstract Task UpsertBatchAsync(IReadOnlyList<TRecord> records, CancellationToken cancellationToken);

    /// <summary>Runs a checked search request.</summary>
    /// <typeparam name="TInput">The search value's type.</typeparam>
    /// <param name="request">The request: value, top, options (never null) and the ranking to use.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The results; the confidence signal only when <see cref="SearchRequest{TInput, TRecord}.WithConfidence"/>.</returns>
    protected abstract Task<NormSearchResponse<TRecord>> SearchCoreAsync<TInput>(SearchRequest<TInput, TRecord> request, CancellationToken cancellationToken)
        where TInput : notnull;

    private Task<NormSearchResponse<TRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<TRecord>? options, bool withConfidence, CancellationToken cancellationToken)
        where TInput : notnull
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        Pipeline.CheckIncludeVectors(options.IncludeVectors);
        var ranking = RecordPipeline.Ranking(options, _ranking, null);
        return SearchCoreAsync(new SearchRequest<TInput, TRecord>(searchValue, top, options, ranking, withConfidence), cancellationToken);
    }
}

/// <summary>A checked search request.</summary>
/// <typeparam name="TInput">The search value's type.</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <param name="Value">The search value.</param>
/// <param name="Top">Results wanted (≥ 1).</param>
/// <param name="Options">The options (Skip ≥ 0).</param>
/// <param name="Ranking">The ranking: the query's, else the collection's, else the store's, else cosine.</param>
/// <param name="WithConfidence">Whether the caller wants the query confidence signal.</param>
public sealed record SearchRequest<TInput, TRecord>(TInput Value, int Top, VectorSearchOptions<TRecord> Options, NormRankingOptions Ranking, bool WithConfidence)
    where TInput : notnull;
