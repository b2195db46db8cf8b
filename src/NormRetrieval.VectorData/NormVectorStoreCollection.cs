using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Calibration;
using NormRetrieval.Ranking;
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
    private readonly NormRankingOptions? _storeRanking;

    /// <summary>Validates the name and builds the record model.</summary>
    /// <param name="name">The collection name (see <see cref="CollectionNames"/>).</param>
    /// <param name="options">The collection's options (definition, embedding generator).</param>
    /// <param name="storeGenerator">The store's embedding generator, used when neither the options nor the definition name one.</param>
    /// <param name="ranking">The ranking the collection's options choose (null: none).</param>
    /// <param name="storeRanking">The ranking the store's options choose (null: none).</param>
    /// <param name="dynamic">True for a dynamic (dictionary) collection.</param>
    /// <remarks>
    /// A search ranks by the query's ranking, else the collection options', else the policy stored by
    /// <see cref="CalibrateAsync{TInput}"/>, else the store options', else cosine.
    /// </remarks>
    protected NormVectorStoreCollection(string name, VectorStoreCollectionOptions options, IEmbeddingGenerator? storeGenerator, NormRankingOptions? ranking, NormRankingOptions? storeRanking, bool dynamic)
    {
        ArgumentNullException.ThrowIfNull(options);
        CollectionNames.Validate(name);
        Name = name;
        _ranking = ranking;
        _storeRanking = storeRanking;
        Pipeline = RecordPipeline.Create(typeof(TRecord), typeof(TKey), options.Definition, options.EmbeddingGenerator ?? options.Definition?.EmbeddingGenerator ?? storeGenerator, dynamic);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The distance function of the vector property (CosineSimilarity or CosineDistance).</summary>
    public string Distance => Pipeline.Distance;

    /// <summary>The vector dimension of this collection's definition.</summary>
    public int Dimension => Pipeline.Mapper.VectorProperty.Dimensions;

    /// <summary>The collection options' ranking, else the store options' (null: cosine); a query's options may override it. Hybrid searches use it; a stored calibration is for vector searches.</summary>
    protected NormRankingOptions? DefaultRanking => _ranking ?? _storeRanking;

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

    /// <summary>The ranking policy stored with the collection by <see cref="CalibrateAsync{TInput}"/> or <see cref="SetCalibrationAsync"/>, with its evidence.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The calibration; null when none is stored (or the collection does not exist).</returns>
    /// <exception cref="VectorStoreException">The stored calibration is damaged.</exception>
    public abstract Task<PolicyCalibration?> GetCalibrationAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a ranking policy with the collection (null removes it): vector searches whose query and collection
    /// options choose no ranking then use it, in this process and (for a shared store) in every other.
    /// </summary>
    /// <param name="calibration">The calibration, usually from <see cref="MeasureCalibrationAsync{TInput}"/>; null to remove.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the calibration is durable.</returns>
    /// <exception cref="VectorStoreException">The collection does not exist, or the store is read-only.</exception>
    public abstract Task SetCalibrationAsync(PolicyCalibration? calibration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Measures which ranking policy to use on this collection from judged queries, without storing it: each query is
    /// searched by cosine for <c>Overfetch × 10</c> candidates (what a search for 10 results with a policy reranks),
    /// and <see cref="SafePolicySelector"/> compares every norm policy family with cosine by repeated cross-validation.
    /// </summary>
    /// <typeparam name="TInput">The queries' type: a vector, or an input of the embedding generator (text is embedded in query mode).</typeparam>
    /// <param name="queries">The judged queries: their relevance judgments name records by key (as text).</param>
    /// <param name="options">The comparison's options (defaults when null).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The choice and its evidence.</returns>
    /// <exception cref="ArgumentException">There are fewer queries than folds, or an option is invalid.</exception>
    public async Task<PolicyCalibration> MeasureCalibrationAsync<TInput>(
        IReadOnlyList<JudgedQuery<TInput>> queries, CollectionCalibrationOptions? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        ArgumentNullException.ThrowIfNull(queries);
        options ??= new CollectionCalibrationOptions();
        options.Selection.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Overfetch, 1, nameof(options));
        if (!(options.TargetPrecision > 0 && options.TargetPrecision <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TargetPrecision, "The target precision must lie in (0, 1].");
        }

        if (queries.Count < options.Selection.Folds)
        {
            throw new ArgumentException($"Calibration needs at least as many judged queries as folds ({options.Selection.Folds}); {queries.Count} were given.", nameof(queries));
        }

        var statistics = await GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
        var cosine = new NormSearchOptions<TRecord> { Ranking = new NormRankingOptions { Policy = NormRetrieval.Scoring.ScoringPolicy.Cosine } };
        int candidates = options.Overfetch * NormRetrieval.Evaluation.EvaluationOptions.Default.NdcgAt;
        var judged = new List<RerankingQuery>(queries.Count);
        var confidence = new List<QueryConfidence>(queries.Count);
        foreach (var query in queries)
        {
            ArgumentNullException.ThrowIfNull(query, nameof(queries));
            var response = await SearchDetailedAsync(query.Query, candidates, cosine, cancellationToken).ConfigureAwait(false);
            confidence.Add(response.Confidence);
            judged.Add(new RerankingQuery(
                query.Id,
                new QueryFeatures(response.QueryNorm),
                [.. response.Results.Select(r => new RerankCandidate<string>(Pipeline.Mapper.Key(r.Record), r.Explanation.Cosine, r.Explanation.Norm, r.Explanation.TokenCount))],
                query.Judgments));
        }

        var benchmark = new RerankingBenchmark(judged, new NormContext(statistics));
        var choice = SafePolicySelector.Select(benchmark, options.Selection);

        // When to answer: is the top result under the chosen policy relevant, and does the confidence signal know?
        var policy = choice.ToPolicy();
        double[] topRelevant = [.. judged.Select((q, i) => benchmark.Ranking(policy, i) is [var top, ..] && q.Judgments.TryGetValue(top, out int grade) && grade > 0 ? 1.0 : 0.0)];
        var abstention = AbstentionCalibrator.Choose(
            [
                ("confidence", [.. confidence.Select(c => c.Value)]),
                ("topCosine", [.. confidence.Select(c => c.TopCosine)]),
                ("gap", [.. confidence.Select(c => c.Gap)]),
                ("queryNorm", [.. judged.Select(q => q.Query.Norm)]),
            ],
            topRelevant,
            options.TargetPrecision,
            folds: options.Selection.Folds,
            seed: options.Selection.Seed);
        return choice with
        {
            Records = await CountAsync(cancellationToken).ConfigureAwait(false),
            Overfetch = options.Overfetch,
            Abstention = abstention,
        };
    }

    /// <summary>
    /// Measures which ranking policy to use (see <see cref="MeasureCalibrationAsync{TInput}"/>) and stores the choice
    /// with the collection: a norm policy only when its gain over cosine is significant, otherwise cosine.
    /// </summary>
    /// <typeparam name="TInput">The queries' type.</typeparam>
    /// <param name="queries">The judged queries.</param>
    /// <param name="options">The comparison's options (defaults when null).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored calibration.</returns>
    public async Task<PolicyCalibration> CalibrateAsync<TInput>(
        IReadOnlyList<JudgedQuery<TInput>> queries, CollectionCalibrationOptions? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        var calibration = await MeasureCalibrationAsync(queries, options, cancellationToken).ConfigureAwait(false);
        await SetCalibrationAsync(calibration, cancellationToken).ConfigureAwait(false);
        return calibration;
    }

    /// <summary>The stored calibration as a search reads it (stores may cache it); by default <see cref="GetCalibrationAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The calibration, or null.</returns>
    protected virtual Task<PolicyCalibration?> CalibrationForSearchAsync(CancellationToken cancellationToken) => GetCalibrationAsync(cancellationToken);

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

    private async Task<NormSearchResponse<TRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<TRecord>? options, bool withConfidence, CancellationToken cancellationToken)
        where TInput : notnull
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        Pipeline.CheckIncludeVectors(options.IncludeVectors);
        NormRankingOptions? stored = null;
        if ((options as NormSearchOptions<TRecord>)?.Ranking is null && _ranking is null
            && await CalibrationForSearchAsync(cancellationToken).ConfigureAwait(false) is { } calibration)
        {
            stored = new NormRankingOptions { Policy = calibration.ToPolicy(), Overfetch = calibration.Overfetch };
        }

        var ranking = RecordPipeline.Ranking(options, _ranking ?? stored, _storeRanking);
        return await SearchCoreAsync(new SearchRequest<TInput, TRecord>(searchValue, top, options, ranking, withConfidence), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A query with relevance judgments, for <see cref="NormVectorStoreCollection{TKey, TRecord}.CalibrateAsync{TInput}"/>.</summary>
/// <typeparam name="TInput">A vector, or an input of the collection's embedding generator.</typeparam>
/// <param name="Id">The query's id (for reports).</param>
/// <param name="Query">The query.</param>
/// <param name="Judgments">Relevance grades by record key (as text); keys not listed count as not relevant.</param>
public sealed record JudgedQuery<TInput>(string Id, TInput Query, IReadOnlyDictionary<string, int> Judgments)
    where TInput : notnull;

/// <summary>Options of a collection's calibration.</summary>
public sealed record CollectionCalibrationOptions
{
    /// <summary>The comparison: families, folds, repeats, seed, confidence.</summary>
    public SafePolicyOptions Selection { get; init; } = new();

    /// <summary>Cosine candidates per wanted result that the stored policy will rerank (default 4, as <see cref="NormRankingOptions.Overfetch"/>).</summary>
    public int Overfetch { get; init; } = 4;

    /// <summary>The top-result precision the abstention threshold is chosen for (default 0.5): see <see cref="PolicyCalibration.Abstention"/>.</summary>
    public double TargetPrecision { get; init; } = 0.5;
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
