using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.Ranking;
using NormRetrieval.SemanticKernel.Storage;
using NormRetrieval.Vectors;
using NormRetrieval.VectorData;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.SemanticKernel;

/// <content>Vector search.</content>
public partial class NormCollection<TKey, TRecord>
{
    /// <summary>
    /// Filtered searches scan the matching rows exactly when at most this many match (or the engine is
    /// exact); above it, the index is searched with a growing k until enough rows match.
    /// </summary>
    public const int ExactFilterLimit = 20_000;

    /// <summary>How far a cosine of unit vectors may stray from [−1, 1] by rounding before the index counts as damaged.</summary>
    private const double CosineTolerance = 1e-3;

    /// <summary>How far a quantised index's cosine may stray beyond ±1 (8-bit codes err by well under 1 %).</summary>
    private const double QuantisedCosineTolerance = 0.05;

    /// <summary>How many candidates per result a quantised index is asked for by default, to be rescored by their exact directions.</summary>
    private const int DefaultRefineFactor = 4;

    /// <inheritdoc />
    protected override async Task<NormSearchResponse<TRecord>> SearchCoreAsync<TInput>(SearchRequest<TInput, TRecord> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (searchValue, top, options, ranking) = (request.Value, request.Top, request.Options, request.Ranking);
        (string Sql, IReadOnlyList<SqliteParameter> Parameters)? filter = options.Filter is null ? null : SqliteFilterTranslator.Translate(options.Filter, Pipeline.Mapper.Model);

        ReadOnlyMemory<float> raw = await Pipeline.QueryVectorAsync(searchValue, cancellationToken).ConfigureAwait(false);
        var state = await Run(() => RequireState(cancellationToken), "Search").ConfigureAwait(false);
        var direction = new float[raw.Length];
        float queryNorm = VectorNorm.Split(raw.Span, direction, state.Info.Dimension);

        long size = state.Index.Count - state.Tombstones.Count;
        if (options.Skip >= size)
        {
            // Everything would be skipped: answer without reading the collection.
            return new NormSearchResponse<TRecord>([], queryNorm, new QueryConfidence(double.NaN, double.NaN, double.NaN, double.NaN), ranking.Policy.ToString());
        }

        var (_, candidates) = SearchWindow.Bound(options.Skip, top, ranking, size);
        if (filter is null && ranking.Policy.UsesNorms && !IsQuantised(state) && await NormsInMemoryAsync(state, cancellationToken).ConfigureAwait(false))
        {
            return await Run(() => RankFromMemory(state, direction, queryNorm, candidates, request), "Search").ConfigureAwait(false);
        }

        var rows = await Run(() => Candidates(state, direction, candidates, filter, cancellationToken), "Search").ConfigureAwait(false);

        var byId = rows.ToDictionary(r => r.Id);
        var (results, confidence) = Pipeline.Rank(
            [.. rows.Select(r => new RerankCandidate<long>(r.Id, r.Cosine, r.Norm, r.Tokens))],
            (id, score, explanation) =>
            {
                var row = byId[id];
                return new NormSearchResult<TRecord>(Materialize(row.Key, row.Data, row.Norm, row.Direction, row.Intact, options.IncludeVectors), score, explanation);
            },
            queryNorm,
            state.Statistics,
            ranking,
            options,
            top,
            request.WithConfidence);
        return new NormSearchResponse<TRecord>(results, queryNorm, confidence, ranking.Policy.ToString());
    }

    /// <summary>Loads the collection's in-memory norms on first use (under the write lock, so that no write is missed).</summary>
    private async Task<bool> NormsInMemoryAsync(CollectionState state, CancellationToken cancellationToken)
    {
        if (state.Norms.IsLoaded)
        {
            return true;
        }

        await state.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!state.Norms.IsLoaded)
            {
                await Run(
                    () =>
                    {
                        using var connection = _store.Storage.Open();
                        state.Norms.Load(state.Table.Norms(connection));
                        return true;
                    },
                    "Search").ConfigureAwait(false);
            }

            return state.Norms.IsLoaded;
        }
        finally
        {
            state.WriteLock.Release();
        }
    }

    /// <summary>
    /// A norm-aware search without a filter: the overfetched candidates are ranked from the index's cosines and the
    /// in-memory norms, and only the page returned is read from SQLite (each row checked against its checksum).
    /// </summary>
    private NormSearchResponse<TRecord> RankFromMemory<TInput>(CollectionState state, float[] query, float queryNorm, int count, SearchRequest<TInput, TRecord> request)
        where TInput : notnull
    {
        long indexed = state.Index.Count;
        var candidates = new List<RerankCandidate<long>>(count);
        int k = (int)Math.Min(indexed, count + state.Tombstones.Count);
        while (true)
        {
            candidates.Clear();
            foreach (var (id, score) in state.Index.Search(query, k, _store.Options.SearchParameters).Results(0))
            {
                float cosine = CheckedCosine(state, id, score);
                if (candidates.Count < count && state.Norms.TryGet(id, out double norm, out int? tokens))
                {
                    candidates.Add(new RerankCandidate<long>(id, cosine, norm, tokens));
                }
            }

            if (candidates.Count >= count || k >= indexed)
            {
                break;
            }

            k = (int)Math.Min(indexed, (long)k * 4);
        }

        var page = new List<(long Id, double Score, ScoreExplanation Explanation)>();
        var (_, confidence) = Pipeline.Rank(
            candidates,
            (id, score, explanation) =>
            {
                page.Add((id, score, explanation));
                return null!;
            },
            queryNorm,
            state.Statistics,
            request.Ranking,
            request.Options,
            request.Top,
            request.WithConfidence);

        using var connection = _store.Storage.Open();
        var rows = state.Table.Scored(connection, page.Select(p => p.Id), query).ToDictionary(r => r.Id);
        var results = new List<NormSearchResult<TRecord>>(page.Count);
        foreach (var (id, score, explanation) in page)
        {
            // A row deleted since the index answered is skipped; a damaged one is refused by its key.
            if (rows.TryGetValue(id, out var row))
            {
                results.Add(new NormSearchResult<TRecord>(Materialize(row.Key, row.Data, row.Norm, row.Direction, row.Intact, request.Options.IncludeVectors), score, explanation));
            }
        }

        return new NormSearchResponse<TRecord>(results, queryNorm, confidence, request.Ranking.Policy.ToString());
    }

    private List<CandidateRow> Candidates(CollectionState state, float[] query, int count, (string Sql, IReadOnlyList<SqliteParameter> Parameters)? filter, CancellationToken cancellationToken)
    {
        using var connection = _store.Storage.Open();
        List<CandidateRow> rows = filter is { } f
            ? FilteredCandidates(connection, state, query, count, f, cancellationToken)
            : IndexCandidates(connection, state, query, count, null, _store.Options.SearchParameters);

        // A damaged candidate would rank the others by a norm nobody wrote: the search is refused by its key.
        if (rows.Find(r => !r.Intact) is { } damaged)
        {
            throw DamagedRecord(damaged.Key, "its bytes no longer match the checksum it was written with", "Search");
        }

        return rows;
    }

    /// <summary>
    /// A filtered search. The managed index scores the filter's ids from memory, whatever their number; a Faiss index
    /// does so from the vectors it stores when at most <see cref="ExactFilterLimit"/> rows match (quantised ones then
    /// rescore their best by the rows' exact directions), and reads the matching rows when it cannot look vectors up
    /// by id (IVF). Above the limit the index is searched with a growing k until enough rows match.
    /// </summary>
    private List<CandidateRow> FilteredCandidates(
        SqliteConnection connection, CollectionState state, float[] query, int count, (string Sql, IReadOnlyList<SqliteParameter> Parameters) filter, CancellationToken cancellationToken)
    {
        if (state.Index is ExactVectorIndex exact && state.Tombstones.Count == 0)
        {
            return Among(connection, state, filter, query, count, ids => exact.SearchAmong(query, count, ids), false, cancellationToken)!;
        }

        if (state.Index is ExactVectorIndex || state.Table.CountWhere(connection, filter) <= ExactFilterLimit)
        {
            int k = (int)Math.Min(int.MaxValue, (long)count * CandidatesPerResult(state, _store.Options.SearchParameters));
            return (state.Index is FaissIndex faiss ? Among(connection, state, filter, query, count, ids => faiss.SearchAmong(query, k, ids), IsQuantised(state), cancellationToken) : null)
                ?? [.. state.Table.ScanWhere(connection, filter, query, cancellationToken).OrderByDescending(r => r.Cosine).ThenBy(r => r.Id).Take(count)];
        }

        return IndexCandidates(connection, state, query, count, filter, _store.Options.SearchParameters);
    }

    /// <summary>
    /// An exact filtered search from the index's memory: the filter's ids from SQLite (through the properties' indexes
    /// where they have them), scored by the index; only the best rows are read. Null when the index cannot score by id.
    /// </summary>
    private static List<CandidateRow>? Among(
        SqliteConnection connection,
        CollectionState state,
        (string Sql, IReadOnlyList<SqliteParameter> Parameters) filter,
        float[] query,
        int count,
        Func<List<long>, IReadOnlyList<(long Id, float Score)>?> score,
        bool refine,
        CancellationToken cancellationToken)
    {
        var ids = state.Table.IdsWhere(connection, filter, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (score(ids) is not { } hits)
        {
            return null;
        }

        var rows = state.Table.Hits(connection, hits.ToDictionary(h => h.Id, h => CheckedCosine(state, h.Id, h.Score)), null);
        return [.. (refine ? Rescored(rows, query) : rows).OrderByDescending(r => r.Cosine).ThenBy(r => r.Id).Take(count)];
    }

    /// <summary>
    /// An index's cosine for a hit, checked: beyond ±1 by more than the index's own error, the index is damaged.
    /// Quantised indexes (SQ, PQ) score from approximate vectors, off by up to their quantisation error (their
    /// candidates are then rescored exactly, <see cref="IndexCandidates"/>); every cosine is clamped into [-1, 1].
    /// </summary>
    private static float CheckedCosine(CollectionState state, long id, float score)
    {
        double tolerance = IsQuantised(state) ? QuantisedCosineTolerance : CosineTolerance;
        return Math.Abs(score) <= 1 + tolerance ? Math.Clamp(score, -1f, 1f)
            : throw state.Damaged(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the index returned a cosine of {score:G4} for record id {id}"));
    }

    private static List<CandidateRow> IndexCandidates(
        SqliteConnection connection, CollectionState state, float[] query, int count, (string Sql, IReadOnlyList<SqliteParameter> Parameters)? filter, VectorSearchParameters? parameters)
    {
        long indexed = state.Index.Count;
        if (indexed == 0)
        {
            return [];
        }

        // A quantised index ranks by approximate cosines: it is asked for RefineFactor times as many candidates, which
        // are scored again by the exact directions their rows hold (read anyway, their checksums cover them).
        bool refine = IsQuantised(state);
        int k = (int)Math.Min(indexed, ((long)count * CandidatesPerResult(state, parameters)) + state.Tombstones.Count);
        while (true)
        {
            var hits = state.Index.Search(query, k, parameters).Results(0);
            var rows = state.Table.Hits(connection, hits.ToDictionary(h => h.Id, h => CheckedCosine(state, h.Id, h.Score)), filter);
            if (refine)
            {
                rows = Rescored(rows, query);
            }

            if (rows.Count >= count || k >= indexed)
            {
                return [.. rows.OrderByDescending(r => r.Cosine).ThenBy(r => r.Id).Take(count)];
            }

            k = (int)Math.Min(indexed, (long)k * 4);
        }
    }

    /// <summary>
    /// Rows scored again by the exact directions they hold. A row whose direction has the wrong length is damaged: it
    /// keeps the index's cosine, so that it is refused (not silently dropped) when it ranks among the results.
    /// </summary>
    private static List<CandidateRow> Rescored(List<CandidateRow> rows, float[] query) =>
        [.. rows.Select(r => r.Direction.Length != query.Length * sizeof(float) ? r
            : r with { Cosine = TensorPrimitives.Dot(query, MemoryMarshal.Cast<byte, float>(r.Direction)) })];

    /// <summary>Candidates asked of the index per result: a quantised index's <c>RefineFactor</c> (rescored exactly after), else one.</summary>
    private static int CandidatesPerResult(CollectionState state, VectorSearchParameters? parameters) =>
        IsQuantised(state) ? parameters?.RefineFactor ?? DefaultRefineFactor : 1;

    private static bool IsQuantised(CollectionState state) => state.Index is FaissIndex { StoresApproximateVectors: true };
}
