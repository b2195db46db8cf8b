using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using NormRetrieval.Calibration;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.SemanticKernel.Storage;
using NormRetrieval.Statistics;
using NormRetrieval.Vectors;
using NormRetrieval.VectorData;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.SemanticKernel;

/// <summary>
/// A collection of a <see cref="NormVectorStore"/>: records in SQLite with each embedding's unit direction
/// and raw norm, searched by cosine through the collection's index, optionally reranked by a norm-aware
/// policy.
/// </summary>
/// <typeparam name="TKey">string, Guid, int or long (object for dynamic collections).</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>
/// <para>
/// Scores: under <see cref="DistanceFunction.CosineSimilarity"/> (the default) a score is exactly the
/// cosine similarity; under <see cref="DistanceFunction.CosineDistance"/> it is 1 − cosine. Norm-aware
/// ranking is an opt-in (<see cref="NormRankingOptions"/> on the store, the collection or the query);
/// then scores are the policy's (distance: 1 − policy score) and <c>ScoreThreshold</c> applies to them.
/// </para>
/// <para>
/// Writes: a batch is validated (dimension, NaN/Inf, zero vectors, keys) before anything is written, is
/// committed in one SQLite transaction (duplicate keys in a batch: the last wins) and is durable when the
/// call returns. Thread-safe: concurrent searches and reads with one writer.
/// </para>
/// </remarks>
public partial class NormCollection<TKey, TRecord> : NormVectorStoreCollection<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    private readonly NormVectorStore _store;
    private readonly NormCollectionOptions _options;
    private readonly VectorStoreCollectionMetadata _metadata;
    private readonly bool _ownsStore;

    internal NormCollection(NormVectorStore store, string name, NormCollectionOptions options, bool dynamic = false, bool ownsStore = false)
        : base(name, options, (store ?? throw new ArgumentNullException(nameof(store))).Options.EmbeddingGenerator, options?.Ranking, store.Options.Ranking, dynamic)
    {
        _store = store;
        _ownsStore = ownsStore;
        _options = options!;
        _metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = SqliteStorage.SystemName, VectorStoreName = store.Directory, CollectionName = name };

        // A definition of another dimension would accept vectors that cannot be compared with the stored ones.
        if (store.Storage.Find(name) is { } existing && existing.Dimension != Dimension)
        {
            throw new InvalidOperationException($"Collection '{name}' exists with dimension {existing.Dimension}; this definition has {Dimension}.");
        }
    }

    /// <summary>The norm statistics of the stored records (a snapshot), or empty statistics when the collection does not exist.</summary>
    public NormStatistics Statistics => _store.GetState(Name)?.Statistics.Clone() ?? new NormStatistics();

    /// <inheritdoc />
    public override Task<NormStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Statistics);
    }

    /// <inheritdoc />
    public override Task<PolicyCalibration?> GetCalibrationAsync(CancellationToken cancellationToken = default) => Run(
        () => _store.GetState(Name, cancellationToken)?.Calibration,
        "GetCalibration");

    /// <inheritdoc />
    public override async Task SetCalibrationAsync(PolicyCalibration? calibration, CancellationToken cancellationToken = default)
    {
        if (calibration is not null)
        {
            _ = calibration.ToPolicy();
        }

        var state = await Run(() => RequireState(cancellationToken), "SetCalibration").ConfigureAwait(false);
        await state.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Run(() => { state.SetCalibration(calibration); return true; }, "SetCalibration").ConfigureAwait(false);
        }
        finally
        {
            state.WriteLock.Release();
        }
    }

    /// <inheritdoc />
    protected override Task<PolicyCalibration?> CalibrationForSearchAsync(CancellationToken cancellationToken) =>
        Run(() => _store.GetState(Name, cancellationToken)?.Calibration, "Search");

    /// <summary>
    /// True when every stored norm is ≈ 1: the embeddings were normalised before they reached the store, so
    /// norm-aware ranking has no signal (a warning is logged once as well).
    /// </summary>
    public bool NormsAreDegenerate => _store.GetState(Name)?.Statistics.AllNormsNearOne ?? false;

    /// <inheritdoc />
    public override Task<string?> DescribeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(IndexDescription);
    }

    /// <summary>A description of the index, e.g. <c>faiss:IDMap,HNSW32</c> or <c>exact</c>; null when the collection does not exist.</summary>
    public string? IndexDescription => _store.GetState(Name)?.Index.Description;

    /// <summary>The number of records (from the database).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The count.</returns>
    public override Task<long> CountAsync(CancellationToken cancellationToken = default) => Run(
        () =>
        {
            var state = RequireState(cancellationToken);
            using var connection = _store.Storage.Open();
            return state.Table.Count(connection);
        },
        "Count");

    /// <summary>The number of vectors the index holds, deleted-but-not-yet-removed ones excluded.</summary>
    /// <returns>The count, or 0 when the collection does not exist.</returns>
    public long IndexCount()
    {
        var state = _store.GetState(Name);
        return state is null ? 0 : state.Index.Count - state.Tombstones.Count;
    }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) =>
        _store.CollectionExistsAsync(Name, cancellationToken);

    /// <inheritdoc />
    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) => Run(
        () =>
        {
            var vector = Pipeline.Mapper.VectorProperty;
            if (vector.Dimensions < 1)
            {
                throw new InvalidOperationException($"The vector property '{vector.ModelName}' needs a positive dimension.");
            }

            string factory = _options.IndexFactory ?? _store.Options.IndexFactory ?? vector.IndexKind switch
            {
                null or IndexKind.Flat => "Flat",
                IndexKind.Hnsw => "HNSW32",
                _ => throw new NotSupportedException($"Index kind '{vector.IndexKind}' is not supported; use Flat or Hnsw, or set NormCollectionOptions.IndexFactory to a Faiss factory string."),
            };

            // Unless an engine is chosen, exact collections get the managed exact index: the store searches one
            // query per call, where it answers 2.6–2.9× faster than Debian's Faiss Flat (an SSE build whose BLAS path
            // only pays off for batches; docs/benchmarks/faiss.md).
            string engine = VectorIndexFactory.Normalize(_options.Engine ?? _store.Options.Engine
                ?? (VectorIndexFactory.IsExactFlat(factory) ? VectorIndexFactory.Flat : _store.DefaultEngine));
            _store.CreateState(Name, vector.Dimensions, Distance, engine, factory, Pipeline.Mapper.KeyType);
            return true;
        },
        "EnsureCollectionExists");

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) =>
        _store.EnsureCollectionDeletedAsync(Name, cancellationToken);

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        string[] encoded = [.. keys.Select(k => KeyCodec.Encode(k, Pipeline.Mapper.KeyType))];
        bool vectors = options?.IncludeVectors ?? false;
        Pipeline.CheckIncludeVectors(vectors);
        var records = await Run(
            () =>
            {
                var state = RequireState(cancellationToken);
                using var connection = _store.Storage.Open();
                return Materialize(state.Table.ByKeys(connection, encoded, cancellationToken), vectors, cancellationToken);
            },
            "Get").ConfigureAwait(false);
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(
        Expression<Func<TRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new FilteredRecordRetrievalOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        Pipeline.CheckIncludeVectors(options.IncludeVectors);
        var where = SqliteFilterTranslator.Translate(filter, Pipeline.Mapper.Model);
        var records = await Run(
            () =>
            {
                var state = RequireState(cancellationToken);
                using var connection = _store.Storage.Open();
                return Materialize(state.Table.Where(connection, where, options, Pipeline.Mapper.Model, top, cancellationToken), options.IncludeVectors, cancellationToken);
            },
            "Get").ConfigureAwait(false);
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        string[] encoded = [.. keys.Select(k => KeyCodec.Encode(k, Pipeline.Mapper.KeyType)).Distinct(StringComparer.Ordinal)];
        if (encoded.Length == 0)
        {
            return;
        }

        var state = await Run(() => RequireState(cancellationToken), "Delete").ConfigureAwait(false);
        await state.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var statistics = state.Statistics.Clone();
            var removed = await Run(
                () =>
                {
                    using var connection = _store.Storage.Open();
                    using var tx = connection.BeginTransaction();
                    var ids = RemoveExisting(connection, tx, state, encoded, ref statistics, cancellationToken);
                    SqliteStorage.SaveStatistics(connection, tx, state.Info, statistics);
                    tx.Commit();
                    return ids;
                },
                "Delete").ConfigureAwait(false);
            state.Statistics = statistics;
            state.ApplyToIndex(removed, [], ReadOnlySpan<float>.Empty);
            state.Norms.Apply(removed, [], _ => default);
        }
        finally
        {
            state.WriteLock.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task UpsertBatchAsync(IReadOnlyList<TRecord> list, CancellationToken cancellationToken)
    {
        var state = await Run(() => RequireState(cancellationToken), "Upsert").ConfigureAwait(false);
        var prepared = await Pipeline.PrepareAsync(list, state.Info.Dimension, cancellationToken).ConfigureAwait(false);
        await state.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var statistics = state.Statistics.Clone();
            string[] fullText = FullTextProperties();
            string[] indexed = [.. Pipeline.Mapper.Model.DataProperties.Where(p => p.IsIndexed).Select(p => p.StorageName)];
            var (removed, added) = await Run(
                () =>
                {
                    using var connection = _store.Storage.Open();
                    using var tx = connection.BeginTransaction();
                    var removedIds = RemoveExisting(connection, tx, state, [.. prepared.Select(p => p.Key)], ref statistics, cancellationToken);
                    foreach (string property in fullText)
                    {
                        FullTextIndex.Ensure(connection, tx, state.Info, property);
                    }

                    foreach (string property in indexed)
                    {
                        DataIndexes.Ensure(connection, tx, state.Info, property);
                    }

                    var addedIds = state.Table.Insert(connection, tx, prepared, r => statistics.Add(r.Norm, r.Direction, r.Tokens), cancellationToken);
                    foreach (string property in fullText)
                    {
                        FullTextIndex.Add(connection, tx, state.Info, property, addedIds);
                    }

                    // The last moment to cancel: past the commit the batch is durable and goes to the index whole.
                    cancellationToken.ThrowIfCancellationRequested();
                    SqliteStorage.SaveStatistics(connection, tx, state.Info, statistics);
                    tx.Commit();
                    return (removedIds, addedIds);
                },
                "Upsert").ConfigureAwait(false);
            state.Statistics = statistics;
            foreach (string property in fullText)
            {
                state.FullTextTables.TryAdd(property, true);
            }

            state.ApplyToIndex(removed, added, prepared);
            state.Norms.Apply(removed, added, i => (prepared[i].Norm, prepared[i].Tokens));
            state.WarnIfDegenerate();
        }
        finally
        {
            state.WriteLock.Release();
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreCollectionMetadata) ? _metadata
            : serviceType == typeof(NormVectorStore) ? _store
            : serviceType == typeof(NormStatistics) ? Statistics
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>
    /// Deletes the rows with the given keys and takes them out of the statistics; when one of them was damaged its
    /// stored norm cannot be trusted, so the statistics are recounted from the rows that remain.
    /// </summary>
    private static List<long> RemoveExisting(SqliteConnection connection, SqliteTransaction tx, CollectionState state, string[] keys, ref NormStatistics statistics, CancellationToken cancellationToken)
    {
        var running = statistics;
        bool damaged = false;
        var removed = state.Table.DeleteKeys(connection, tx, keys, row =>
        {
            damaged |= !row.Intact;
            running.Remove(row.Norm, MemoryMarshal.Cast<byte, float>(row.Direction), row.Tokens);
        });
        FullTextIndex.Remove(connection, tx, state.Info, removed);
        if (damaged)
        {
            var recount = new NormStatistics();
            state.Table.ForEach(connection, tx, row => recount.Add(row.Norm, MemoryMarshal.Cast<byte, float>(row.Direction), row.Tokens), cancellationToken);
            statistics = recount;
        }

        return removed;
    }

    private List<TRecord> Materialize(List<StoredRow> rows, bool includeVectors, CancellationToken cancellationToken)
    {
        var records = new List<TRecord>(rows.Count);
        foreach (var row in rows)
        {
            if ((records.Count & 1023) == 1023)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            records.Add(Materialize(row.Key, row.Data, row.Norm, row.Direction, row.Intact, includeVectors));
        }

        return records;
    }

    private TRecord Materialize(string key, string data, double norm, byte[] direction, bool intact, bool includeVectors)
    {
        if (!intact)
        {
            throw DamagedRecord(key, "its bytes no longer match the checksum it was written with", "Get");
        }

        try
        {
            if (!double.IsFinite(norm) || norm <= 0 || (includeVectors && direction.Length != Dimension * sizeof(float)))
            {
                throw new InvalidDataException($"norm {norm}, vector of {direction.Length} bytes");
            }

            float[]? raw = null;
            if (includeVectors)
            {
                raw = MemoryMarshal.Cast<byte, float>(direction).ToArray();
                System.Numerics.Tensors.TensorPrimitives.Multiply(raw, (float)norm, raw);
            }

            return Pipeline.Mapper.Create<TRecord>(key, data, raw);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException or InvalidDataException or OverflowException or KeyNotFoundException)
        {
            // A row that does not read back as the record it was written as: refuse it by name, never guess.
            throw DamagedRecord(key, ex.Message, "Get", ex);
        }
    }

    private VectorStoreException DamagedRecord(string key, string why, string operation, Exception? inner = null) =>
        new($"The record '{key}' of collection '{Name}' is damaged and cannot be read: {why}. Upsert or delete it to repair; `normretrieval verify` lists every damaged record.", inner)
        {
            VectorStoreSystemName = SqliteStorage.SystemName,
            VectorStoreName = _store.Directory,
            CollectionName = Name,
            OperationName = operation,
        };

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsStore)
        {
            _store.Dispose();
        }

        base.Dispose(disposing);
    }

    private CollectionState RequireState(CancellationToken cancellationToken = default) => _store.GetState(Name, cancellationToken)
        ?? throw new VectorStoreException($"The collection '{Name}' does not exist; call EnsureCollectionExistsAsync first.")
        {
            VectorStoreSystemName = SqliteStorage.SystemName,
            VectorStoreName = _store.Directory,
            CollectionName = Name,
        };

    private Task<T> Run<T>(Func<T> action, string operation) => _store.Run(action, operation, Name);

}
