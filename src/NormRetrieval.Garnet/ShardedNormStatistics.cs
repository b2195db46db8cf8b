using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Statistics;
using StackExchange.Redis;

namespace NormRetrieval.Garnet;

/// <summary>
/// A Garnet collection's norm statistics: one JSON document per shard, updated after each write with an
/// optimistic check-and-set, merged on read and cached for the store's refresh interval.
/// </summary>
internal sealed partial class ShardedNormStatistics(GarnetVectorStore store, ShardExecutor shards, string collection) : IDisposable
{
    private const int Retries = 100;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (NormStatistics Statistics, string[] Unavailable, DateTime At)? _cached;
    private int _degenerateWarned;

    /// <summary>Forgets the cached merge, so the next read asks every shard.</summary>
    public void Invalidate() => _cached = null;

    /// <summary>Applies removed and added norms to one shard's statistics.</summary>
    public async Task UpdateAsync(IDatabase db, CollectionLayout layout, int shard, List<(double Norm, int? Tokens)> removed, List<(double Norm, int? Tokens)> added)
    {
        if (removed.Count == 0 && added.Count == 0)
        {
            return;
        }

        RedisKey key = layout.StatisticsKey(shard);
        for (int attempt = 0; attempt < Retries; attempt++)
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
                    LogDegenerate(store.Logger, collection);
                }

                return;
            }
        }

        throw new VectorStoreException($"The norm statistics of shard '{layout.VectorKey(shard)}' changed {Retries} times while this write tried to update them.")
        {
            VectorStoreSystemName = GarnetVectorStore.SystemName,
            CollectionName = collection,
        };
    }

    /// <summary>The statistics merged from every shard, and the shards that did not answer (only when <paramref name="allowPartial"/>).</summary>
    /// <param name="layout">The collection's layout.</param>
    /// <param name="refresh">True to ask the shards even when the cache is fresh.</param>
    /// <param name="allowPartial">True to merge what the answering shards hold instead of throwing.</param>
    /// <returns>The merge and the unavailable shards.</returns>
    public async Task<(NormStatistics Statistics, string[] Unavailable)> ReadAsync(CollectionLayout layout, bool refresh, bool allowPartial = false)
    {
        if (!refresh && Fresh() is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!refresh && Fresh() is { } again)
            {
                return again;
            }

            var replies = await Task.WhenAll(Enumerable.Range(0, layout.Shards).Select(i =>
                shards.TryCall(layout, i, "ReadStatistics", async db => RedisResult.Create(await db.StringGetAsync(layout.StatisticsKey(i)).ConfigureAwait(false))))).ConfigureAwait(false);
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

                    unavailable.Add(ShardExecutor.Describe(failure));
                    continue;
                }

                if (!reply!.IsNull)
                {
                    merged.Merge(NormStatistics.FromJson(reply.ToString()));
                }
            }

            string[] missing = [.. unavailable];
            _cached = missing.Length == 0 ? (merged, missing, DateTime.UtcNow) : null;
            return (merged, missing);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Rebuilds every shard's statistics from the elements' attributes.</summary>
    public async Task RecomputeAsync(CollectionLayout layout)
    {
        for (int i = 0; i < layout.Shards; i++)
        {
            int shard = i;
            await shards.Call(layout, shard, "RecomputeStatistics", async db =>
            {
                RedisKey key = layout.VectorKey(shard);
                long count = await VectorSetCommands.CountAsync(db, key).ConfigureAwait(false);
                var statistics = new NormStatistics();
                if (count > 0)
                {
                    var members = await VectorSetCommands.MembersAsync(db, key, count).ConfigureAwait(false);
                    var attributes = await Task.WhenAll(members.Select(m => VectorSetCommands.GetAttributesAsync(db, key, m))).ConfigureAwait(false);
                    foreach (var a in attributes.Where(a => !a.IsNull))
                    {
                        var (norm, tokens) = GarnetAttributes.ReadNorm((byte[])a!);
                        statistics.Add(norm, tokens);
                    }
                }

                await db.StringSetAsync(layout.StatisticsKey(shard), statistics.ToJson()).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }

        Invalidate();
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private (NormStatistics, string[])? Fresh() =>
        _cached is { } c && DateTime.UtcNow - c.At < store.Options.StatisticsRefreshInterval ? (c.Statistics, c.Unavailable) : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collection {Collection}: every stored norm is about 1, so the embeddings were normalised before they reached the store and norm-aware ranking has no signal.")]
    private static partial void LogDegenerate(ILogger logger, string collection);
}
