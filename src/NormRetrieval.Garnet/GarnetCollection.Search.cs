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
    /// <remarks>
    /// Every shard is searched in parallel. With <see cref="GarnetVectorStoreOptions.AllowPartialResults"/>, shards that
    /// do not answer are named in <see cref="NormSearchResponse{TRecord}.UnavailableShards"/> instead of failing the search;
    /// otherwise a <see cref="GarnetShardUnavailableException"/> is thrown.
    /// </remarks>
    protected override async Task<NormSearchResponse<TRecord>> SearchCoreAsync<TInput>(SearchRequest<TInput, TRecord> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (searchValue, top, options, ranking, withConfidence) = (request.Value, request.Top, request.Options, request.Ranking, request.WithConfidence);
        string? filter = options.Filter is null ? null : GarnetFilterTranslator.Translate(options.Filter, Pipeline.Mapper.Model);
        ReadOnlyMemory<float> raw = await Pipeline.QueryVectorAsync(searchValue, cancellationToken).ConfigureAwait(false);
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
        var (results, confidence) = Pipeline.Rank(
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

                return new NormSearchResult<TRecord>(Pipeline.Mapper.Create<TRecord>(key, hit.Attributes, vector), score, explanation);
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
