using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Ranking;
using NormRetrieval.SemanticKernel;
using NormRetrieval.SemanticKernel.Storage;
using NormRetrieval.Statistics;
using NormRetrieval.Vectors;
using StackExchange.Redis;

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
public class GarnetCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>, INormSearchable<TRecord>
    where TKey : notnull
    where TRecord : class
{
    private const string NormAttribute = "__norm";
    private const string TokensAttribute = "__tokens";
    private const int StatisticsRetries = 100;

    private readonly GarnetVectorStore _store;
    private readonly GarnetCollectionOptions _options;
    private readonly RecordPipeline _pipeline;
    private readonly VectorStoreCollectionMetadata _metadata;
    private readonly SemaphoreSlim _statisticsGate = new(1, 1);
    private CollectionLayout? _layout;
    private int _degenerateWarned;
    private (NormStatistics Statistics, string[] Unavailable, DateTime At)? _statistics;

    internal GarnetCollection(GarnetVectorStore store, string name, GarnetCollectionOptions options, bool dynamic = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        NormVectorStore.ValidateName(name);
        _store = store;
        _options = options;
        Name = name;
        _pipeline = RecordPipeline.Create(typeof(TRecord), typeof(TKey), options.Definition, options.EmbeddingGenerator ?? options.Definition?.EmbeddingGenerator ?? store.Options.EmbeddingGenerator, dynamic);
        if (_pipeline.Mapper.Model.DataProperties.Any(p => p.StorageName.StartsWith("__", StringComparison.Ordinal)))
        {
            throw new NotSupportedException("Data property storage names starting with '__' are reserved for NormRetrieval's attributes.");
        }

        _metadata = new VectorStoreCollectionMetadata { VectorStoreSystemName = GarnetVectorStore.SystemName, VectorStoreName = store.EndPoints, CollectionName = name };
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The distance function of the vector property (CosineSimilarity or CosineDistance).</summary>
    public string Distance => _pipeline.Distance;

    /// <summary>The vector dimension of this collection's definition.</summary>
    public int Dimension => _pipeline.Mapper.VectorProperty.Dimensions;

    /// <summary>The number of records: the sum of the shards' cardinalities.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The count.</returns>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        var counts = await Task.WhenAll(Enumerable.Range(0, layout.Shards).Select(i =>
            ShardCall(layout, i, "Count", async db => (long)await db.ExecuteAsync("VCARD", (RedisKey)layout.VectorKey(i)).ConfigureAwait(false)))).ConfigureAwait(false);
        return counts.Sum();
    }

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
    public async Task<NormStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        var layout = await LayoutAsync().ConfigureAwait(false);
        return layout is null ? new NormStatistics() : (await StatisticsAsync(layout, refresh: true).ConfigureAwait(false)).Statistics.Clone();
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
        for (int i = 0; i < layout.Shards; i++)
        {
            int shard = i;
            await ShardCall(layout, shard, "RecomputeStatistics", async db =>
            {
                RedisKey key = layout.VectorKey(shard);
                long count = (long)await db.ExecuteAsync("VCARD", key).ConfigureAwait(false);
                var statistics = new NormStatistics();
                if (count > 0)
                {
                    var members = (RedisResult[])(await db.ExecuteAsync("VRANDMEMBER", key, count).ConfigureAwait(false))!;
                    var attributes = await Task.WhenAll(members.Select(m => db.ExecuteAsync("VGETATTR", key, (RedisValue)m))).ConfigureAwait(false);
                    foreach (var a in attributes.Where(a => !a.IsNull))
                    {
                        var (norm, tokens) = ReadNorm((byte[])a!);
                        statistics.Add(norm, tokens);
                    }
                }

                await db.StringSetAsync(layout.StatisticsKey(shard), statistics.ToJson()).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }

        _statistics = null;
        return await GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) =>
        await LayoutAsync().ConfigureAwait(false) is not null;

    /// <inheritdoc />
    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        var vector = _pipeline.Mapper.VectorProperty;
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
            _pipeline.Mapper.KeyType.Name,
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
        _statistics = null;
    }

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
    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        string[] encoded = [.. keys.Select(k => KeyCodec.Encode(k, _pipeline.Mapper.KeyType)).Distinct(StringComparer.Ordinal)];
        bool vectors = options?.IncludeVectors ?? false;
        _pipeline.CheckIncludeVectors(vectors);
        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        var found = new Dictionary<string, TRecord>(StringComparer.Ordinal);
        await Task.WhenAll(encoded.GroupBy(k => ShardOf(layout, k)).Select(group => ShardCall(layout, group.Key, "Get", async db =>
        {
            RedisKey key = layout.VectorKey(group.Key);
            string[] members = [.. group];
            var attributes = await Task.WhenAll(members.Select(m => db.ExecuteAsync("VGETATTR", key, m))).ConfigureAwait(false);
            var embeddings = vectors ? await Task.WhenAll(members.Select(m => db.ExecuteAsync("VEMB", key, m))).ConfigureAwait(false) : null;
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
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    /// <inheritdoc />
    public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        string[] encoded = [.. keys.Select(k => KeyCodec.Encode(k, _pipeline.Mapper.KeyType)).Distinct(StringComparer.Ordinal)];
        if (encoded.Length == 0)
        {
            return;
        }

        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        await Task.WhenAll(encoded.GroupBy(k => ShardOf(layout, k)).Select(group => ShardCall(layout, group.Key, "Delete", async db =>
        {
            RedisKey key = layout.VectorKey(group.Key);
            string[] members = [.. group];
            var old = await Task.WhenAll(members.Select(m => db.ExecuteAsync("VGETATTR", key, m))).ConfigureAwait(false);
            var removed = await Task.WhenAll(members.Select(m => db.ExecuteAsync("VREM", key, m))).ConfigureAwait(false);
            var gone = old.Where((a, i) => !a.IsNull && (long)removed[i] == 1).Select(a => ReadNorm((byte[])a!)).ToList();
            await UpdateStatisticsAsync(db, layout, group.Key, gone, []).ConfigureAwait(false);
            return true;
        }))).ConfigureAwait(false);
        _statistics = null;
    }

    /// <inheritdoc />
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc />
    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        if (list.Any(r => r is null))
        {
            throw new ArgumentNullException(nameof(records), "A record in the batch is null.");
        }

        if (list.Count == 0)
        {
            return;
        }

        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        var prepared = await _pipeline.PrepareAsync(list, layout.Dimension, cancellationToken).ConfigureAwait(false);
        string quantization = layout.Quantization == VectorQuantization.Q8 ? "Q8" : "NOQUANT";
        string m = layout.M.ToString(CultureInfo.InvariantCulture), ef = layout.BuildEf.ToString(CultureInfo.InvariantCulture);
        try
        {
            await Task.WhenAll(prepared.GroupBy(p => ShardOf(layout, p.Key)).Select(group => ShardCall(layout, group.Key, "Upsert", async db =>
            {
                RedisKey key = layout.VectorKey(group.Key);
                PreparedRecord[] batch = [.. group];
                var old = await Task.WhenAll(batch.Select(r => db.ExecuteAsync("VGETATTR", key, r.Key))).ConfigureAwait(false);
                await Task.WhenAll(batch.Select(r => db.ExecuteAsync(
                    "VADD", key, "FP32", MemoryMarshal.AsBytes(r.Direction.AsSpan()).ToArray(), r.Key, quantization,
                    "XDISTANCE_METRIC", "COSINE", "SETATTR", Attributes(r), "M", m, "EF", ef))).ConfigureAwait(false);
                var removed = old.Where(a => !a.IsNull).Select(a => ReadNorm((byte[])a!)).ToList();
                await UpdateStatisticsAsync(db, layout, group.Key, removed, [.. batch.Select(r => ((double)r.Norm, r.Tokens))]).ConfigureAwait(false);
                return true;
            }))).ConfigureAwait(false);
        }
        finally
        {
            _statistics = null;
        }

    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await SearchCoreAsync(searchValue, top, options, withConfidence: false, cancellationToken).ConfigureAwait(false);
        foreach (var result in response.Results)
        {
            yield return new VectorSearchResult<TRecord>(result.Record, result.Score);
        }
    }

    /// <summary>
    /// Searches every shard in parallel and returns, with each result, the explanation of its score, the
    /// query's norm and confidence signal, and which shards (if any) did not answer.
    /// </summary>
    /// <typeparam name="TInput">float[], ReadOnlyMemory&lt;float&gt;, Embedding&lt;float&gt;, or string (with an embedding generator).</typeparam>
    /// <param name="searchValue">The query.</param>
    /// <param name="top">Results wanted (≥ 1).</param>
    /// <param name="options">Filter, skip, threshold, vectors; a <see cref="NormSearchOptions{TRecord}"/> also chooses the ranking.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The results and the query's signals.</returns>
    /// <exception cref="InvalidVectorException">The query vector has the wrong dimension, is zero, or holds NaN or infinity.</exception>
    /// <exception cref="NotSupportedException">The input type or the filter is not supported.</exception>
    /// <exception cref="GarnetShardUnavailableException">A shard did not answer and partial results are not allowed.</exception>
    public Task<NormSearchResponse<TRecord>> SearchDetailedAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull =>
        SearchCoreAsync(searchValue, top, options, withConfidence: true, cancellationToken);

    private async Task<NormSearchResponse<TRecord>> SearchCoreAsync<TInput>(
        TInput searchValue, int top, VectorSearchOptions<TRecord>? options, bool withConfidence, CancellationToken cancellationToken)
        where TInput : notnull
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        _pipeline.CheckIncludeVectors(options.IncludeVectors);
        var ranking = RecordPipeline.Ranking(options, _options.Ranking, _store.Options.Ranking);
        string? filter = options.Filter is null ? null : GarnetFilterTranslator.Translate(options.Filter, _pipeline.Mapper.Model);
        ReadOnlyMemory<float> raw = await _pipeline.QueryVectorAsync(searchValue, cancellationToken).ConfigureAwait(false);
        var layout = await RequireLayoutAsync().ConfigureAwait(false);
        var direction = new float[raw.Length];
        float queryNorm = VectorNorm.Split(raw.Span, direction, layout.Dimension);

        // Bounded by the collection's size (merged statistics: own writes at once, other clients' within the
        // refresh interval), with slack for records added meanwhile, so no request asks the server for more.
        var known = await StatisticsAsync(layout, refresh: false, _store.Options.AllowPartialResults).ConfigureAwait(false);
        var (_, count) = RecordPipeline.Bound(options.Skip, top, ranking, (known.Statistics.Count * 2) + 1024);
        var arguments = new List<object> { "FP32", MemoryMarshal.AsBytes(direction.AsSpan()).ToArray(), "COUNT", count, "WITHSCORES", "WITHATTRIBS" };
        if (_store.Options.SearchEf is int searchEf)
        {
            arguments.AddRange(["EF", Math.Max(searchEf, count)]);
        }

        if (filter is not null)
        {
            arguments.AddRange(["FILTER", filter]);
        }

        bool partial = _store.Options.AllowPartialResults;
        // The shards' VSIM calls go out together; each reply is awaited (and a failure attributed to its shard) in turn.
        var db = _store.Database;
        var pending = new Task<RedisResult>[layout.Shards];
        for (int i = 0; i < pending.Length; i++)
        {
            pending[i] = db.ExecuteAsync("VSIM", [(RedisKey)layout.VectorKey(i), .. arguments]);
        }

        var unavailable = new List<string>();
        var hits = new List<Hit>();
        for (int i = 0; i < pending.Length; i++)
        {
            int shard = i;
            var (reply, failure) = await TryShardAsync(layout, shard, "Search", _ => pending[shard], filter is null ? null : $" (filter: {filter})").ConfigureAwait(false);
            if (failure is not null)
            {
                if (!partial)
                {
                    throw failure;
                }

                unavailable.Add(failure.Shard + " on " + (failure.EndPoint ?? "?"));
                continue;
            }

            hits.AddRange(ParseHits(reply!));
        }

        var statistics = known;
        var candidates = hits.OrderByDescending(h => h.Cosine).ThenBy(h => h.Key, StringComparer.Ordinal).Take(count).ToList();
        Dictionary<string, float[]>? vectors = options.IncludeVectors ? await VectorsAsync(layout, candidates.Select(c => c.Key)).ConfigureAwait(false) : null;
        var byKey = candidates.ToDictionary(c => c.Key, StringComparer.Ordinal);
        var (results, confidence) = _pipeline.Rank(
            [.. candidates.Select(c => new RerankCandidate<string>(c.Key, c.Cosine, c.Norm, c.Tokens))],
            (key, score, explanation) =>
            {
                var hit = byKey[key];
                float[]? vector = null;
                if (vectors is not null && vectors.TryGetValue(key, out var unit))
                {
                    vector = [.. unit];
                    System.Numerics.Tensors.TensorPrimitives.Multiply(vector, (float)hit.Norm, vector);
                }

                return new NormSearchResult<TRecord>(_pipeline.Mapper.Create<TRecord>(key, hit.Attributes, vector), score, explanation);
            },
            queryNorm,
            statistics.Statistics,
            ranking,
            options,
            top,
            withConfidence);
        return new NormSearchResponse<TRecord>(results, queryNorm, confidence, ranking.Policy.ToString())
        {
            UnavailableShards = [.. unavailable.Union(statistics.Unavailable).Distinct(StringComparer.Ordinal)],
        };
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
            _statisticsGate.Dispose();
        }

        base.Dispose(disposing);
    }

    private static int ShardOf(CollectionLayout layout, string key) =>
        layout.Shards == 1 ? 0 : (int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(key)) % (uint)layout.Shards);

    private static string Attributes(PreparedRecord record)
    {
        var prefix = new System.Text.StringBuilder(64 + record.Key.Length);
        prefix.Append("{\"").Append(GarnetFilterTranslator.KeyAttribute).Append("\":").Append(JsonSerializer.Serialize(record.Key))
            .Append(",\"").Append(NormAttribute).Append("\":").Append(((double)record.Norm).ToString("R", CultureInfo.InvariantCulture));
        if (record.Tokens is int tokens)
        {
            prefix.Append(",\"").Append(TokensAttribute).Append("\":").Append(tokens.ToString(CultureInfo.InvariantCulture));
        }

        // DataJson is one JSON object: splice its members after ours.
        string data = record.Data;
        return data.Length <= 2 ? prefix.Append('}').ToString() : prefix.Append(',').Append(data, 1, data.Length - 1).ToString();
    }

    /// <summary>Reads the norm and token count from the start of an element's attributes (where <see cref="Attributes"/> puts them).</summary>
    private static (double Norm, int? Tokens) ReadNorm(ReadOnlySpan<byte> attributes)
    {
        double norm = 1;
        int? tokens = null;
        var reader = new Utf8JsonReader(attributes);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
        {
            bool isNorm = reader.ValueTextEquals(NormAttribute), isTokens = !isNorm && reader.ValueTextEquals(TokensAttribute);
            reader.Read();
            if (isNorm && reader.TokenType == JsonTokenType.Number)
            {
                norm = reader.GetDouble();
            }
            else if (isTokens && reader.TokenType == JsonTokenType.Number)
            {
                tokens = reader.GetInt32();
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return (norm, tokens);
    }

    private List<Hit> ParseHits(RedisResult reply)
    {
        var items = (RedisResult[])reply!;
        var hits = new List<Hit>(items.Length / 2);
        int i = 0;
        while (i < items.Length)
        {
            string key = items[i++].ToString();
            double distance;
            byte[] attributes;
            if (items[i].Resp2Type == ResultType.Array)
            {
                var pair = (RedisResult[])items[i++]!;
                distance = (double)pair[0];
                attributes = (byte[])pair[1]!;
            }
            else
            {
                distance = (double)items[i++];
                attributes = (byte[])items[i++]!;
            }

            var (norm, tokens) = ReadNorm(attributes);
            hits.Add(new Hit(key, 1 - distance, norm, tokens, attributes));
        }

        return hits;
    }

    private async Task<Dictionary<string, float[]>> VectorsAsync(CollectionLayout layout, IEnumerable<string> keys)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var group in keys.GroupBy(k => ShardOf(layout, k)))
        {
            await ShardCall(layout, group.Key, "Search", async db =>
            {
                string[] members = [.. group];
                var replies = await Task.WhenAll(members.Select(m => db.ExecuteAsync("VEMB", (RedisKey)layout.VectorKey(group.Key), m))).ConfigureAwait(false);
                for (int i = 0; i < members.Length; i++)
                {
                    if (!replies[i].IsNull)
                    {
                        result[members[i]] = ToFloats(replies[i]);
                    }
                }

                return true;
            }).ConfigureAwait(false);
        }

        return result;
    }

    private TRecord Materialize(string key, byte[] attributes, RedisResult? embedding)
    {
        float[]? raw = null;
        if (embedding is { IsNull: false })
        {
            raw = ToFloats(embedding);
            System.Numerics.Tensors.TensorPrimitives.Multiply(raw, (float)ReadNorm(attributes).Norm, raw);
        }

        return _pipeline.Mapper.Create<TRecord>(key, attributes, raw);
    }

    private static float[] ToFloats(RedisResult reply) => [.. ((RedisResult[])reply!).Select(v => (float)(double)v)];

    private async Task UpdateStatisticsAsync(IDatabase db, CollectionLayout layout, int shard, List<(double Norm, int? Tokens)> removed, List<(double Norm, int? Tokens)> added)
    {
        if (removed.Count == 0 && added.Count == 0)
        {
            return;
        }

        RedisKey key = layout.StatisticsKey(shard);
        for (int attempt = 0; attempt < StatisticsRetries; attempt++)
        {
            var old = await db.StringGetAsync(key).ConfigureAwait(false);
            var statistics = old.IsNull ? new NormStatistics() : NormStatistics.FromJson(old.ToString());
            foreach (var (norm, tokens) in removed)
            {
                statistics.Remove(norm, tokens);
            }

            foreach (var (norm, tokens) in added)
            {
                statistics.Add(norm, tokens);
            }

            // Only the statistics key is in the transaction: vector-set commands inside MULTI hang Garnet 2.2.8.
            var transaction = db.CreateTransaction();
            transaction.AddCondition(old.IsNull ? Condition.KeyNotExists(key) : Condition.StringEqual(key, old));
            _ = transaction.StringSetAsync(key, statistics.ToJson());
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                // As in the embedded store: warn once when the norms show the embeddings were normalised upstream.
                if (statistics.AllNormsNearOne && Interlocked.Exchange(ref _degenerateWarned, 1) == 0)
                {
                    _store.Logger.LogWarning(
                        "Collection {Collection}: every stored norm is about 1, so the embeddings were normalised before they reached the store and norm-aware ranking has no signal.", Name);
                }

                return;
            }
        }

        throw new VectorStoreException($"The norm statistics of shard '{layout.VectorKey(shard)}' changed {StatisticsRetries} times while this write tried to update them.")
        {
            VectorStoreSystemName = GarnetVectorStore.SystemName,
            CollectionName = Name,
        };
    }

    private async Task<(NormStatistics Statistics, string[] Unavailable)> StatisticsAsync(CollectionLayout layout, bool refresh, bool allowPartial = false)
    {
        if (!refresh && _statistics is { } cached && DateTime.UtcNow - cached.At < _store.Options.StatisticsRefreshInterval)
        {
            return (cached.Statistics, cached.Unavailable);
        }

        await _statisticsGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!refresh && _statistics is { } again && DateTime.UtcNow - again.At < _store.Options.StatisticsRefreshInterval)
            {
                return (again.Statistics, again.Unavailable);
            }

            var replies = await Task.WhenAll(Enumerable.Range(0, layout.Shards).Select(i =>
                TryShardAsync(layout, i, "ReadStatistics", async db => RedisResult.Create(await db.StringGetAsync(layout.StatisticsKey(i)).ConfigureAwait(false))))).ConfigureAwait(false);
            var merged = new NormStatistics();
            var unavailable = new List<string>();
            foreach (var (reply, failure) in replies)
            {
                if (failure is not null)
                {
                    if (!allowPartial)
                    {
                        throw failure;
                    }

                    unavailable.Add(failure.Shard + " on " + (failure.EndPoint ?? "?"));
                    continue;
                }

                if (!reply!.IsNull)
                {
                    merged.Merge(NormStatistics.FromJson(reply.ToString()));
                }
            }

            var result = (merged, unavailable.ToArray());
            _statistics = unavailable.Count == 0 ? (merged, result.Item2, DateTime.UtcNow) : null;
            return result;
        }
        finally
        {
            _statisticsGate.Release();
        }
    }

    private async Task<CollectionLayout?> LayoutAsync()
    {
        if (_layout is not null)
        {
            return _layout;
        }

        var layout = await _store.FindLayoutAsync(Name).ConfigureAwait(false);
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

    private async Task<T> ShardCall<T>(CollectionLayout layout, int shard, string operation, Func<IDatabase, Task<T>> action)
    {
        var (value, failure) = await TryShardAsync(layout, shard, operation, action).ConfigureAwait(false);
        return failure is null ? value! : throw failure;
    }

    private async Task<(T? Value, GarnetShardUnavailableException? Failure)> TryShardAsync<T>(CollectionLayout layout, int shard, string operation, Func<IDatabase, Task<T>> action, string? detail = null)
    {
        try
        {
            return (await action(_store.Database).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException || GarnetVectorStore.IsUnavailable(ex))
        {
            string key = layout.VectorKey(shard);
            return (default, new GarnetShardUnavailableException(key, _store.EndPointOf(key), operation, ex) { CollectionName = Name, OperationName = operation });
        }
        catch (RedisServerException ex)
        {
            throw new VectorStoreException($"{operation} on shard '{layout.VectorKey(shard)}' failed: {ex.Message}{detail}", ex)
            {
                VectorStoreSystemName = GarnetVectorStore.SystemName,
                VectorStoreName = _store.EndPoints,
                CollectionName = Name,
                OperationName = operation,
            };
        }
    }

    private sealed record Hit(string Key, double Cosine, double Norm, int? Tokens, byte[] Attributes);
}
