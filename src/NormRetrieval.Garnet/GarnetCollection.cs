using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Calibration;
using NormRetrieval.Ranking;
using NormRetrieval.Statistics;
using NormRetrieval.Vectors;
using StackExchange.Redis;
using NormRetrieval.VectorData;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.Garnet;

/// <summary>
/// A NormRetrieval collection spread over the vector sets (shards) of a Garnet server or cluster.
/// </summary>
/// <typeparam name="TKey">string, Guid, int or long (object for dynamic collections).</typeparam>
/// <typeparam name="TRecord">The record type.</typeparam>
/// <remarks>
/// <para>
/// Scores mean what they mean in the embedded store: the server's cosine distance is turned back into
/// cosine similarity (or kept as 1 − cosine under <see cref="DistanceFunction.CosineDistance"/>), and
/// norm-aware ranking uses the norm statistics merged from every shard.
/// </para>
/// <para>
/// Writes: a record goes to the shard of its key's hash; upserting an existing key replaces it. A batch is
/// validated before anything is written, then written shard by shard: each record is atomic, the batch is
/// not, and repeating a failed upsert is safe. Per-shard norm statistics are updated after the vectors with
/// an optimistic check-and-set.
/// </para>
/// <para>
/// Not supported by vector sets: listing records by a filter without a query vector
/// (<see cref="GetAsync(Expression{Func{TRecord, bool}}, int, FilteredRecordRetrievalOptions{TRecord}?, CancellationToken)"/>)
/// and range comparisons on strings and dates; both throw <see cref="NotSupportedException"/>.
/// </para>
/// </remarks>
public partial class GarnetCollection<TKey, TRecord> : NormVectorStoreCollection<TKey, TRecord>
    where TKey : notnull
    where TRecord : class
{
    private readonly GarnetVectorStore _store;
    private readonly GarnetCollectionOptions _options;
    private readonly VectorStoreCollectionMetadata _metadata;
    private readonly ShardExecutor _shards;
    private readonly ShardedNormStatistics _statistics;
    private CollectionLayout? _layout;
    private volatile CachedCalibration? _calibration;

    internal GarnetCollection(GarnetVectorStore store, string name, GarnetCollectionOptions options, bool dynamic = false)
        : base(name, options, (store ?? throw new ArgumentNullException(nameof(store))).Options.EmbeddingGenerator, options?.Ranking, store.Options.Ranking, dynamic)
    {
        _store = store;
        _options = options!;
        if (Pipeline.Mapper.Model.DataProperties.Any(p => p.StorageName.StartsWith("__", StringComparison.Ordinal)))
        {
            throw new NotSupportedException("Data property storage names starting with '__' are reserved for NormRetrieval's attributes.");
        }

        _shards = new ShardExecutor(store, name);
        _statistics = new ShardedNormStatistics(store, _shards, name);
        _metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = GarnetVectorStore.SystemName, VectorStoreName = store.EndPoints, CollectionName = name };

        // A definition of another dimension than the existing collection's is refused here, as on the embedded
        // store (one registry read; the wait is safe: the read never resumes on the caller's context). When the
        // registry cannot be read now, the same check runs at first use.
        try
        {
            CheckDimension(store.FindLayoutAsync(name).ConfigureAwait(false).GetAwaiter().GetResult());
        }
        catch (VectorStoreException)
        {
            _layout = null;
        }
    }

    /// <summary>The number of records: the sum of the shards' cardinalities.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The count.</returns>
    public override async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        var counts = await _shards.CallEach(layout, "Count", (db, i) => VectorSetCommands.CountAsync(db, layout.VectorKey(i))).ConfigureAwait(false);
        return counts.Sum();
    }

    /// <inheritdoc />
    public override async Task<string?> DescribeAsync(CancellationToken cancellationToken = default) =>
        await ShardKeysAsync().ConfigureAwait(false) is { } keys ? $"garnet vector sets, {keys.Count} shards" : null;

    /// <summary>The shards' vector set keys, in shard order (null when the collection does not exist).</summary>
    /// <returns>The keys.</returns>
    public async Task<IReadOnlyList<string>?> ShardKeysAsync()
    {
        var layout = await LayoutAsync().ConfigureAwait(false);
        return layout is null ? null : [.. Enumerable.Range(0, layout.Shards).Select(layout.VectorKey)];
    }

    /// <summary>The collection's norm statistics merged from every shard (empty when the collection does not exist).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot.</returns>
    /// <exception cref="GarnetShardUnavailableException">A shard did not answer (and partial results are not allowed).</exception>
    public override async Task<NormStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        var layout = await LayoutAsync().ConfigureAwait(false);
        return layout is null ? new NormStatistics() : (await _statistics.ReadAsync(layout, refresh: true).ConfigureAwait(false)).Statistics.Clone();
    }

    /// <summary>
    /// Rebuilds every shard's norm statistics from the elements' attributes, e.g. after writers died
    /// between writing vectors and updating statistics.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The merged statistics.</returns>
    public async Task<NormStatistics> RecomputeStatisticsAsync(CancellationToken cancellationToken = default)
    {
        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        await _statistics.RecomputeAsync(layout).ConfigureAwait(false);
        return await GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) =>
        await LayoutAsync().ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        var vector = Pipeline.Mapper.VectorProperty;
        if (vector.Dimensions < 1)
        {
            throw new InvalidOperationException($"The vector property '{vector.ModelName}' needs a positive dimension.");
        }

        if (vector.IndexKind is not (null or IndexKind.Hnsw))
        {
            throw new NotSupportedException($"Index kind '{vector.IndexKind}' is not supported; Garnet vector sets are graph (HNSW/DiskANN-style) indexes.");
        }

        int shards = _options.Shards ?? _store.Options.Shards;
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1, nameof(GarnetCollectionOptions.Shards));
        var wanted = new CollectionLayout(
            vector.Dimensions,
            Distance,
            Pipeline.Mapper.KeyType.Name,
            CollectionLayout.ChooseTags(Name, shards, tag => _store.Connection.HashSlot(tag)),
            _options.Quantization ?? _store.Options.Quantization,
            _store.Options.M,
            _store.Options.BuildEf);
        var layout = await _store.RegisterAsync(Name, wanted).ConfigureAwait(false);
        if (layout.Dimension != vector.Dimensions)
        {
            throw new InvalidOperationException($"Collection '{Name}' exists with dimension {layout.Dimension}; this definition has {vector.Dimensions}.");
        }

        _layout = layout;
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        await _store.EnsureCollectionDeletedAsync(Name, cancellationToken).ConfigureAwait(false);
        _layout = null;
        _calibration = null;
        _statistics.Invalidate();
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        string[] encoded = [.. keys.Select(k => KeyCodec.Encode(k, Pipeline.Mapper.KeyType)).Distinct(StringComparer.Ordinal)];
        bool vectors = options?.IncludeVectors ?? false;
        Pipeline.CheckIncludeVectors(vectors);
        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        var found = new Dictionary<string, TRecord>(StringComparer.Ordinal);
        await Task.WhenAll(encoded.GroupBy(k => ShardExecutor.ShardOf(layout, k)).Select(group => _shards.Call(layout, group.Key, "Get", async db =>
        {
            RedisKey key = layout.VectorKey(group.Key);
            string[] members = [.. group];
            var attributes = await Task.WhenAll(members.Select(m => VectorSetCommands.GetAttributesAsync(db, key, m))).ConfigureAwait(false);
            var embeddings = vectors ? await Task.WhenAll(members.Select(m => VectorSetCommands.GetVectorAsync(db, key, m))).ConfigureAwait(false) : null;
            lock (found)
            {
                for (int i = 0; i < members.Length; i++)
                {
                    if (!attributes[i].IsNull)
                    {
                        found[members[i]] = Materialize(members[i], (byte[])attributes[i]!, embeddings?[i]);
                    }
                }
            }

            return true;
        }))).ConfigureAwait(false);

        foreach (string k in encoded)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (found.TryGetValue(k, out var record))
            {
                yield return record;
            }
        }
    }

    /// <summary>Not supported: vector sets cannot list elements by a filter without a query vector.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="top">The count.</param>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">The token.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override IAsyncEnumerable<TRecord> GetAsync(
        Expression<Func<TRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<TRecord>? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Garnet vector sets cannot list records by a filter without a query vector; search with VectorSearchOptions.Filter, or get records by key.");

    /// <inheritdoc />
    public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        string[] encoded = [.. keys.Select(k => KeyCodec.Encode(k, Pipeline.Mapper.KeyType)).Distinct(StringComparer.Ordinal)];
        if (encoded.Length == 0)
        {
            return;
        }

        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        await Task.WhenAll(encoded.GroupBy(k => ShardExecutor.ShardOf(layout, k)).Select(group => _shards.Call(layout, group.Key, "Delete", async db =>
        {
            RedisKey key = layout.VectorKey(group.Key);
            string[] members = [.. group];
            var old = await Task.WhenAll(members.Select(m => VectorSetCommands.GetAttributesAsync(db, key, m))).ConfigureAwait(false);
            var removed = await Task.WhenAll(members.Select(m => VectorSetCommands.RemoveAsync(db, key, m))).ConfigureAwait(false);
            var gone = old.Where((a, i) => !a.IsNull && (long)removed[i] == 1).Select(a => GarnetAttributes.ReadNorm((byte[])a!)).ToList();
            await _statistics.UpdateAsync(db, layout, group.Key, gone, []).ConfigureAwait(false);
            return true;
        }))).ConfigureAwait(false);
        _statistics.Invalidate();
    }

    /// <inheritdoc />
    protected override async Task UpsertBatchAsync(IReadOnlyList<TRecord> list, CancellationToken cancellationToken)
    {
        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        var prepared = await Pipeline.PrepareAsync(list, layout.Dimension, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(prepared.GroupBy(p => ShardExecutor.ShardOf(layout, p.Key)).Select(group => _shards.Call(layout, group.Key, "Upsert", async db =>
            {
                RedisKey key = layout.VectorKey(group.Key);
                PreparedRecord[] batch = [.. group];
                var old = await Task.WhenAll(batch.Select(r => VectorSetCommands.GetAttributesAsync(db, key, r.Key))).ConfigureAwait(false);
                await Task.WhenAll(batch.Select(r => VectorSetCommands.AddAsync(db, key, r, layout))).ConfigureAwait(false);
                var removed = old.Where(a => !a.IsNull).Select(a => GarnetAttributes.ReadNorm((byte[])a!)).ToList();
                await _statistics.UpdateAsync(db, layout, group.Key, removed, [.. batch.Select(r => ((double)r.Norm, r.Tokens))]).ConfigureAwait(false);
                return true;
            }))).ConfigureAwait(false);
        }
        finally
        {
            _statistics.Invalidate();
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreCollectionMetadata) ? _metadata
            : serviceType == typeof(GarnetVectorStore) ? _store
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _statistics.Dispose();
        }

        base.Dispose(disposing);
    }

    private TRecord Materialize(string key, byte[] attributes, RedisResult? embedding)
    {
        float[]? raw = null;
        if (embedding is { IsNull: false })
        {
            raw = VectorSetCommands.ToFloats(embedding);
            System.Numerics.Tensors.TensorPrimitives.Multiply(raw, (float)GarnetAttributes.ReadNorm(attributes).Norm, raw);
        }

        return Pipeline.Mapper.Create<TRecord>(key, attributes, raw);
    }

    /// <inheritdoc />
    public override async Task<PolicyCalibration?> GetCalibrationAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var layout = await LayoutAsync().ConfigureAwait(false);
        if (layout is null)
        {
            return null;
        }

        var value = await _store.Call(() => _store.Database.StringGetAsync(layout.CalibrationKey), "GetCalibration", Name).ConfigureAwait(false);
        PolicyCalibration? calibration;
        try
        {
            calibration = value.IsNull ? null : PolicyCalibration.FromJson(value.ToString());
        }
        catch (FormatException ex)
        {
            throw new VectorStoreException(
                $"The calibration stored with collection '{Name}' is damaged ({ex.Message}); nothing was ranked by it. Calibrate again, or remove it (SetCalibrationAsync(null)).", ex)
            {
                VectorStoreSystemName = GarnetVectorStore.SystemName,
                VectorStoreName = _store.EndPoints,
                CollectionName = Name,
                OperationName = "GetCalibration",
            };
        }

        _calibration = new CachedCalibration(calibration, Environment.TickCount64);
        return calibration;
    }

    /// <inheritdoc />
    public override async Task SetCalibrationAsync(PolicyCalibration? calibration, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (calibration is not null)
        {
            _ = calibration.ToPolicy();
        }

        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        _ = calibration is null
            ? await _store.Call(() => _store.Database.KeyDeleteAsync(layout.CalibrationKey), "SetCalibration", Name).ConfigureAwait(false)
            : await _store.Call(() => _store.Database.StringSetAsync(layout.CalibrationKey, calibration.ToJson()), "SetCalibration", Name).ConfigureAwait(false);
        _calibration = new CachedCalibration(calibration, Environment.TickCount64);
    }

    /// <inheritdoc />
    /// <remarks>Read from the server at most once per <see cref="GarnetVectorStoreOptions.StatisticsRefreshInterval"/> (this client's own changes at once).</remarks>
    protected override async Task<PolicyCalibration?> CalibrationForSearchAsync(CancellationToken cancellationToken)
    {
        var cached = _calibration;
        if (cached is not null && Environment.TickCount64 - cached.ReadAt < (long)_store.Options.StatisticsRefreshInterval.TotalMilliseconds)
        {
            return cached.Value;
        }

        return await GetCalibrationAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record CachedCalibration(PolicyCalibration? Value, long ReadAt);

    private async Task<CollectionLayout?> LayoutAsync()
    {
        if (_layout is not null)
        {
            return _layout;
        }

        return CheckDimension(await _store.FindLayoutAsync(Name).ConfigureAwait(false));
    }

    private CollectionLayout? CheckDimension(CollectionLayout? layout)
    {
        if (layout is not null && layout.Dimension != Dimension)
        {
            throw new InvalidOperationException($"Collection '{Name}' exists with dimension {layout.Dimension}; this definition has {Dimension}.");
        }

        _layout = layout;
        return layout;
    }

    private async Task<CollectionLayout> RequireLayoutAsync() => await LayoutAsync().ConfigureAwait(false)
        ?? throw new VectorStoreException($"The collection '{Name}' does not exist; call EnsureCollectionExistsAsync first.")
        {
            VectorStoreSystemName = GarnetVectorStore.SystemName,
            VectorStoreName = _store.EndPoints,
            CollectionName = Name,
        };
}
