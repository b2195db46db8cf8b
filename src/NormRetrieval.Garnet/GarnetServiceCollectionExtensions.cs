using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using StackExchange.Redis;

namespace NormRetrieval.Garnet;

/// <summary>Registers Garnet stores and collections with dependency injection.</summary>
public static class GarnetServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="GarnetVectorStore"/> (also as <see cref="VectorStore"/>) over the
    /// <see cref="IConnectionMultiplexer"/> registered in the container (the container owns it). The
    /// store's embedding generator and logger factory default to the container's.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">Layout of new collections and search behaviour.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddGarnetVectorStore(this IServiceCollection services, GarnetVectorStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp =>
        {
            var effective = options ?? new GarnetVectorStoreOptions();
            effective.EmbeddingGenerator ??= sp.GetService<IEmbeddingGenerator>();
            effective.LoggerFactory ??= sp.GetService<ILoggerFactory>();
            return new GarnetVectorStore(sp.GetRequiredService<IConnectionMultiplexer>(), effective);
        });
        services.AddSingleton<VectorStore>(sp => sp.GetRequiredService<GarnetVectorStore>());
        return services;
    }

    /// <summary>
    /// Registers a collection of the registered <see cref="GarnetVectorStore"/> as
    /// <see cref="VectorStoreCollection{TKey, TRecord}"/> and <see cref="IVectorSearchable{TRecord}"/>.
    /// </summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Collection options (the container's embedding generator by default).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddGarnetCollection<TKey, TRecord>(this IServiceCollection services, string name, GarnetCollectionOptions? options = null)
        where TKey : notnull
        where TRecord : class
    {
        ArgumentNullException.ThrowIfNull(services);
        NormRetrieval.SemanticKernel.NormVectorStore.ValidateName(name);
        services.AddSingleton<VectorStoreCollection<TKey, TRecord>>(sp =>
        {
            var effective = new GarnetCollectionOptions
            {
                Definition = options?.Definition,
                EmbeddingGenerator = options?.EmbeddingGenerator ?? sp.GetService<IEmbeddingGenerator>(),
                Shards = options?.Shards,
                Quantization = options?.Quantization,
                Ranking = options?.Ranking,
            };
            return sp.GetRequiredService<GarnetVectorStore>().GetCollection<TKey, TRecord>(name, effective);
        });
        services.AddSingleton<IVectorSearchable<TRecord>>(sp => sp.GetRequiredService<VectorStoreCollection<TKey, TRecord>>());
        return services;
    }
}
