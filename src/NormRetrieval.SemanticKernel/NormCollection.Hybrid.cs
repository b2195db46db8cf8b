using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using NormRetrieval.Ranking;
using NormRetrieval.SemanticKernel.Storage;
using NormRetrieval.Vectors;
using NormRetrieval.VectorData;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.SemanticKernel;

/// <content>
/// Hybrid search (<see cref="IKeywordHybridSearchable{TRecord}"/>): a cosine ranking from the index and a BM25
/// ranking from SQLite FTS5 over the full-text indexed property, fused (reciprocal-rank fusion by default),
/// then ranked by the norm-aware policy when one is set, thresholded, skipped and cut to <c>top</c>.
/// </content>
public partial class NormCollection<TKey, TRecord> : IKeywordHybridSearchable<TRecord>
{
    /// <summary>Each ranking contributes at least this many candidates (when the collection holds them).</summary>
    private const int MinimumHybridCandidates = 50;

    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// Keywords are words, never FTS5 syntax: each is split into words as the tokenizer splits text, and a
    /// record matches when it holds any of them (ranked by BM25). Scores are fused scores in [0, 1]
    /// (see <see cref="HybridFusionMethod"/>), or the policy's score on top of them; <c>ScoreThreshold</c>
    /// applies to them. A <see cref="NormHybridSearchOptions{TRecord}"/> chooses the fusion and the ranking.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">No keyword was given.</exception>
    /// <exception cref="InvalidOperationException">The record type has no full-text indexed string property, or several and
    /// <see cref="HybridSearchOptions{TRecord}.AdditionalProperty"/> names none of them.</exception>
    public async IAsyncEnumerable<VectorSearchResult<TRecord>> HybridSearchAsync<TInput>(
        TInput searchValue, ICollection<string> keywords, int top, HybridSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        var response = await HybridSearchDetailedAsync(searchValue, keywords, top, options, cancellationToken).ConfigureAwait(false);
        foreach (var result in response.Results)
        {
            yield return new VectorSearchResult<TRecord>(result.Record, result.Score);
        }
    }

    /// <summary>Searches like <see cref="HybridSearchAsync{TInput}"/> and returns each result's explanation (its fused score as <c>Cosine</c>).</summary>
    /// <typeparam name="TInput">float[], ReadOnlyMemory&lt;float&gt;, Embedding&lt;float&gt;, or an input of the embedding generator.</typeparam>
    /// <param name="searchValue">The query.</param>
    /// <param name="keywords">The keywords.</param>
    /// <param name="top">Results wanted (≥ 1).</param>
    /// <param name="options">Filter, skip, threshold, the full-text property; fusion and ranking with <see cref="NormHybridSearchOptions{TRecord}"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The results and the query's norm (the confidence signal is not defined for fused scores: NaN).</returns>
    public async Task<NormSearchResponse<TRecord>> HybridSearchDetailedAsync<TInput>(
        TInput searchValue, ICollection<string> keywords, int top, HybridSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        var (property, filter, match) = CheckKeywordRequest(keywords, top, ref options, "Hybrid search needs at least one keyword; use SearchAsync for a vector-only search.");
        var hybrid = options as NormHybridSearchOptions<TRecord>;
        var fusion = hybrid?.Fusion ?? _options.HybridFusion ?? new HybridFusionOptions();
        fusion.Validate();
        var ranking = hybrid?.Ranking ?? DefaultRanking ?? new NormRankingOptions();

        ReadOnlyMemory<float> raw = await Pipeline.QueryVectorAsync(searchValue, cancellationToken).ConfigureAwait(false);
        var state = await Run(() => RequireState(cancellationToken), "HybridSearch").ConfigureAwait(false);
        var direction = new float[raw.Length];
        float queryNorm = VectorNorm.Split(raw.Span, direction, state.Info.Dimension);
        await EnsureFullTextAsync(state, property.StorageName, cancellationToken).ConfigureAwait(false);

        long size = state.Index.Count - state.Tombstones.Count;
        var none = new NormSearchResponse<TRecord>([], queryNorm, new QueryConfidence(double.NaN, double.NaN, double.NaN, double.NaN), ranking.Policy.ToString());
        if (options.Skip >= size)
        {
            return none;
        }

        var (wanted, _) = SearchWindow.Bound(options.Skip, top, ranking, size);
        int window = (int)Math.Min(size, Math.Max(MinimumHybridCandidates, (long)wanted * fusion.CandidateFactor * (ranking.Policy.UsesNorms ? ranking.Overfetch : 1)));
        var rows = await Run(
            () =>
            {
                var dense = Candidates(state, direction, window, filter, cancellationToken);
                using var connection = _store.Storage.Open();
                var keyword = match is null ? [] : FullTextIndex.Search(connection, state.Info, property.StorageName, match, filter, window);
                var fused = HybridFusion.Fuse([.. dense.Select(r => (r.Id, r.Cosine))], keyword, fusion);
                var byId = dense.ToDictionary(r => r.Id);
                var missing = fused.Where(f => !byId.ContainsKey(f.Key)).Select(f => f.Key).ToList();
                foreach (var row in missing.Count == 0 ? [] : state.Table.Scored(connection, missing, direction))
                {
                    byId[row.Id] = row;
                }

                if (byId.Values.FirstOrDefault(r => !r.Intact) is { } damaged)
                {
                    throw DamagedRecord(damaged.Key, "its bytes no longer match the checksum it was written with", "HybridSearch");
                }

                return fused.Where(f => byId.ContainsKey(f.Key)).Select(f => (Fused: f, Row: byId[f.Key])).ToList();
            },
            "HybridSearch").ConfigureAwait(false);

        var rowsById = rows.ToDictionary(r => r.Row.Id, r => r.Row);
        var results = RecordPipeline.RankFused(
            [.. rows.Select(r => new RerankCandidate<long>(r.Row.Id, r.Fused.Score, r.Row.Norm, r.Row.Tokens))],
            (id, score, explanation) =>
            {
                var row = rowsById[id];
                return new NormSearchResult<TRecord>(Materialize(row.Key, row.Data, row.Norm, row.Direction, row.Intact, options.IncludeVectors), score, explanation);
            },
            queryNorm,
            state.Statistics,
            ranking,
            options.ScoreThreshold,
            options.Skip,
            top);
        return new NormSearchResponse<TRecord>(results, queryNorm, none.Confidence, $"hybrid({fusion})" + (ranking.Policy.UsesNorms ? "+" + ranking.Policy : string.Empty));
    }

    /// <summary>
    /// Keyword search alone: the records holding any of the keywords' words in the full-text property, ranked by
    /// BM25 (SQLite FTS5; k1 = 1.2, b = 0.75), best first; scores are BM25 scores (higher is better).
    /// </summary>
    /// <param name="keywords">The keywords (words, never FTS5 syntax).</param>
    /// <param name="top">Results wanted (≥ 1).</param>
    /// <param name="options">Filter, skip, threshold (on the BM25 score) and the full-text property; the vector property is not used.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The results, best first; fewer than <paramref name="top"/> when fewer records hold a keyword.</returns>
    /// <exception cref="ArgumentException">No keyword was given.</exception>
    /// <exception cref="InvalidOperationException">No full-text property can be chosen (see <see cref="HybridSearchAsync{TInput}"/>).</exception>
    public async IAsyncEnumerable<VectorSearchResult<TRecord>> KeywordSearchAsync(
        ICollection<string> keywords, int top, HybridSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (property, filter, match) = CheckKeywordRequest(keywords, top, ref options, "Keyword search needs at least one keyword.");
        var state = await Run(() => RequireState(cancellationToken), "KeywordSearch").ConfigureAwait(false);
        await EnsureFullTextAsync(state, property.StorageName, cancellationToken).ConfigureAwait(false);
        long size = state.Index.Count - state.Tombstones.Count;
        if (match is null || options.Skip >= size)
        {
            yield break;
        }

        int limit = (int)Math.Min(size, (long)options.Skip + top);
        var rows = await Run(
            () =>
            {
                using var connection = _store.Storage.Open();
                var hits = FullTextIndex.Search(connection, state.Info, property.StorageName, match, filter, limit);
                var byId = state.Table.Scored(connection, hits.Select(h => h.Id), new float[state.Info.Dimension]).ToDictionary(r => r.Id);
                return hits.Where(h => byId.ContainsKey(h.Id)).Select(h => (Row: byId[h.Id], h.Score)).ToList();
            },
            "KeywordSearch").ConfigureAwait(false);
        int skipped = 0, returned = 0;
        foreach (var (row, score) in rows)
        {
            if (options.ScoreThreshold is double t && score < t)
            {
                continue;
            }

            if (skipped++ < options.Skip)
            {
                continue;
            }

            yield return new VectorSearchResult<TRecord>(Materialize(row.Key, row.Data, row.Norm, row.Direction, row.Intact, options.IncludeVectors), score);
            if (++returned == top)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Checks what hybrid and keyword searches share — keywords, top, skip, vectors — and resolves the full-text
    /// property (the contract's InvalidOperationException when none or several qualify), the filter and the FTS5 query.
    /// </summary>
    private (Microsoft.Extensions.VectorData.ProviderServices.DataPropertyModel Property, (string Sql, IReadOnlyList<SqliteParameter> Parameters)? Filter, string? Match) CheckKeywordRequest(
        ICollection<string> keywords, int top, [System.Diagnostics.CodeAnalysis.NotNull] ref HybridSearchOptions<TRecord>? options, string noKeyword)
    {
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        if (keywords.Count == 0 || keywords.All(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException(noKeyword, nameof(keywords));
        }

        options ??= new HybridSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        Pipeline.CheckIncludeVectors(options.IncludeVectors);
        var model = Pipeline.Mapper.Model;
        var property = model.GetFullTextDataPropertyOrSingle(options.AdditionalProperty);
        if (property.Type != typeof(string))
        {
            throw new InvalidOperationException($"The full-text property '{property.ModelName}' is a {property.Type.Name}; hybrid and keyword search read string properties.");
        }

        var filter = options.Filter is null ? ((string, IReadOnlyList<SqliteParameter>)?)null : SqliteFilterTranslator.Translate(options.Filter, model);
        return (property, filter, FullTextIndex.Match(keywords));
    }

    /// <summary>Creates (and fills) the full-text table of a property the first time a search needs it.</summary>
    private async Task EnsureFullTextAsync(CollectionState state, string storageName, CancellationToken cancellationToken)
    {
        if (state.FullTextTables.ContainsKey(storageName))
        {
            return;
        }

        if (_store.Storage.ReadOnly)
        {
            using var connection = _store.Storage.Open();
            if (!FullTextIndex.Tables(connection, null, state.Info).Contains(FullTextIndex.TableName(state.Info, storageName)))
            {
                throw new InvalidOperationException($"The property '{storageName}' of collection '{Name}' has no full-text index yet, and the store is open read-only; open it writable once (or upsert with a definition that marks it IsFullTextIndexed).");
            }

            state.FullTextTables.TryAdd(storageName, true);
            return;
        }

        await state.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Run(
                () =>
                {
                    using var connection = _store.Storage.Open();
                    using var tx = connection.BeginTransaction();
                    FullTextIndex.Ensure(connection, tx, state.Info, storageName);
                    tx.Commit();
                    return true;
                },
                "HybridSearch").ConfigureAwait(false);
            state.FullTextTables.TryAdd(storageName, true);
        }
        finally
        {
            state.WriteLock.Release();
        }
    }

    /// <summary>The storage names of the full-text indexed string properties of this collection's definition.</summary>
    private string[] FullTextProperties() =>
        [.. Pipeline.Mapper.Model.DataProperties.Where(p => p.IsFullTextIndexed && p.Type == typeof(string)).Select(p => p.StorageName)];
}
