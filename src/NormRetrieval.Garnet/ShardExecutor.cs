using Microsoft.Extensions.VectorData;
using StackExchange.Redis;

namespace NormRetrieval.Garnet;

/// <summary>
/// Routes a collection's keys to shards and runs calls on a shard, classifying failures: a shard that does
/// not answer becomes a <see cref="GarnetShardUnavailableException"/> (which callers may tolerate when partial
/// results are allowed); an error the server reports is a <see cref="VectorStoreException"/>.
/// </summary>
internal sealed class ShardExecutor(GarnetVectorStore store, string collection)
{
    /// <summary>The shard of a record key.</summary>
    public static int ShardOf(CollectionLayout layout, string key) =>
        layout.Shards == 1 ? 0 : (int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(key)) % (uint)layout.Shards);

    /// <summary>Runs a call on a shard; any failure throws.</summary>
    public async Task<T> Call<T>(CollectionLayout layout, int shard, string operation, Func<IDatabase, Task<T>> action)
    {
        var (value, failure) = await TryCall(layout, shard, operation, action).ConfigureAwait(false);
        return failure is null ? value! : throw failure;
    }

    /// <summary>Runs a call on every shard at once and returns the replies in shard order; any failure throws.</summary>
    public Task<T[]> CallEach<T>(CollectionLayout layout, string operation, Func<IDatabase, int, Task<T>> action) =>
        Task.WhenAll(Enumerable.Range(0, layout.Shards).Select(i => Call(layout, i, operation, db => action(db, i))));

    /// <summary>Runs a call on a shard; a shard that does not answer is returned as the failure instead of thrown.</summary>
    public async Task<(T? Value, GarnetShardUnavailableException? Failure)> TryCall<T>(CollectionLayout layout, int shard, string operation, Func<IDatabase, Task<T>> action, string? detail = null)
    {
        try
        {
            return (await action(store.Database).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException || GarnetVectorStore.IsUnavailable(ex))
        {
            string key = layout.VectorKey(shard);
            return (default, new GarnetShardUnavailableException(key, store.EndPointOf(key), operation, ex) { CollectionName = collection, OperationName = operation });
        }
        catch (RedisServerException ex)
        {
            throw new VectorStoreException($"{operation} on shard '{layout.VectorKey(shard)}' failed: {ex.Message}{detail}", ex)
            {
                VectorStoreSystemName = GarnetVectorStore.SystemName,
                VectorStoreName = store.EndPoints,
                CollectionName = collection,
                OperationName = operation,
            };
        }
    }

    /// <summary>How an unavailable shard is named in partial results.</summary>
    public static string Describe(GarnetShardUnavailableException failure) => failure.Shard + " on " + (failure.EndPoint ?? "?");
}
