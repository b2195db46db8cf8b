using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Ranking;
using NormRetrieval.VectorData;
using NormRetrieval.VectorData.ProviderServices;
using NormRetrieval.Vectors;
using StackExchange.Redis;

namespace NormRetrieval.Garnet;

/// <content>Vector search over every shard.</content>
public partial class GarnetCollection<TKey, TRecord>
{
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
        var known = await _statistics.ReadAsync(layout, refresh: false, _store.Options.AllowPartialResults).ConfigureAwait(false);
        var (_, count) = SearchWindow.Bound(options.Skip, top, ranking, (known.Statistics.Count * 2) + 1024);
        object[] arguments = VectorSetCommands.SimilarArguments(direction, count, _store.Options.SearchEf, filter);

        bool partial = _store.Options.AllowPartialResults;
        // The shards' VSIM calls go out together; each reply is awaited (and a failure attributed to its shard) in turn.
        var db = _store.Database;
        var pending = new Task<RedisResult>[layout.Shards];
        for (int i = 0; i < pending.Length; i++)
        {
            pending[i] = VectorSetCommands.SimilarAsync(db, layout.VectorKey(i), arguments);
        }

        var unavailable = new List<string>();
        var hits = new List<VectorSetHit>();
        for (int i = 0; i < pending.Length; i++)
        {
            int shard = i;
            var (reply, failure) = await _shards.TryCall(layout, shard, "Search", _ => pending[shard], filter is null ? null : $" (filter: {filter})").ConfigureAwait(false);
            if (failure is not null)
            {
                if (!partial)
                {
                    throw failure;
                }

                unavailable.Add(ShardExecutor.Describe(failure));
                continue;
            }

            hits.AddRange(VectorSetCommands.ParseHits(reply!));
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

    private async Task<Dictionary<string, float[]>> VectorsAsync(CollectionLayout layout, IEnumerable<string> keys)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var group in keys.GroupBy(k => ShardExecutor.ShardOf(layout, k)))
        {
            await _shards.Call(layout, group.Key, "Search", async db =>
            {
                string[] members = [.. group];
                var replies = await Task.WhenAll(members.Select(m => VectorSetCommands.GetVectorAsync(db, layout.VectorKey(group.Key), m))).ConfigureAwait(false);
                for (int i = 0; i < members.Length; i++)
                {
                    if (!replies[i].IsNull)
                    {
                        result[members[i]] = VectorSetCommands.ToFloats(replies[i]);
                    }
                }

                return true;
            }).ConfigureAwait(false);
        }

        return result;
    }
}
