using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using StackExchange.Redis;
using NormRetrieval.VectorData;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.Garnet;

/// <summary>
/// Registers Garnet stores and collections with dependency injection, keyed or not, with any lifetime.
/// The connection is the container's <see cref="IConnectionMultiplexer"/> (keyed like the registration,
/// else unkeyed) unless a provider gives one; the store never disposes a connection it did not open.
/// Options are copied when the service is created and never changed; the container's embedding
/// generator and logger factory are used when the options name none.
/// </summary>
public static class GarnetServiceCollectionExtensions
{
    /// <summary>Registers a <see cref="GarnetVectorStore"/> (as itself and as <see cref="VectorStore"/>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="options">Store options (copied).</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddGarnetVectorStore(this IServiceCollection services, GarnetVectorStoreOptions? options = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        => AddKeyedGarnetVectorStore(services, serviceKey: null, connectionProvider: null, options is null ? null : (Func<IServiceProvider, GarnetVectorStoreOptions>)(_ => options), lifetime);

    /// <summary>Registers a keyed <see cref="GarnetVectorStore"/> (as itself and as <see cref="VectorStore"/>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="connectionProvider">Returns the connection; null to use the container's.</param>
    /// <param name="optionsProvider">Returns store options (copied); null for the defaults.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedGarnetVectorStore(
        this IServiceCollection services,
        object? serviceKey,
        Func<IServiceProvider, IConnectionMultiplexer>? connectionProvider = null,
        Func<IServiceProvider, GarnetVectorStoreOptions>? optionsProvider = null,
        ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Add(new ServiceDescriptor(typeof(GarnetVectorStore), serviceKey, (sp, key) => CreateStore(sp, key, connectionProvider, optionsProvider), lifetime));
        services.Add(new ServiceDescriptor(typeof(VectorStore), serviceKey, (sp, key) => sp.GetRequiredKeyedService<GarnetVectorStore>(key), lifetime));
        return services;
    }

    /// <summary>
    /// Registers a collection — as <see cref="GarnetCollection{TKey, TRecord}"/>, <see cref="VectorStoreCollection{TKey, TRecord}"/>,
    /// <see cref="IVectorSearchable{TRecord}"/> and <see cref="INormSearchable{TRecord}"/> — of the <see cref="GarnetVectorStore"/>
    /// registered under the same key, or, when there is none, of a store over the container's connection.
    /// </summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Collection options (copied).</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddGarnetCollection<TKey, TRecord>(this IServiceCollection services, string name, GarnetCollectionOptions? options = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
        => AddKeyedGarnetCollection<TKey, TRecord>(services, serviceKey: null, name, connectionProvider: null, options is null ? null : (Func<IServiceProvider, GarnetCollectionOptions>)(_ => options), storeOptionsProvider: null, lifetime);

    /// <summary>Registers a keyed collection; see <see cref="AddGarnetCollection{TKey, TRecord}"/>.</summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="name">The collection name.</param>
    /// <param name="connectionProvider">Returns the connection; null to use the container's.</param>
    /// <param name="optionsProvider">Returns collection options (copied); null for the defaults.</param>
    /// <param name="storeOptionsProvider">Returns the options of the store the collection belongs to (layout, search behaviour); null for the defaults.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedGarnetCollection<TKey, TRecord>(
        this IServiceCollection services,
        object? serviceKey,
        string name,
        Func<IServiceProvider, IConnectionMultiplexer>? connectionProvider = null,
        Func<IServiceProvider, GarnetCollectionOptions>? optionsProvider = null,
        Func<IServiceProvider, GarnetVectorStoreOptions>? storeOptionsProvider = null,
        ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
    {
        ArgumentNullException.ThrowIfNull(services);
        CollectionNames.Validate(name);
        services.Add(new ServiceDescriptor(
            typeof(GarnetCollection<TKey, TRecord>),
            serviceKey,
            (sp, key) =>
            {
                var options = optionsProvider is null ? new GarnetCollectionOptions() : new GarnetCollectionOptions(optionsProvider(sp));
                options.EmbeddingGenerator ??= ContainerEmbeddingGenerator.Resolve(sp);
                var store = (connectionProvider is null && storeOptionsProvider is null ? sp.GetKeyedService<GarnetVectorStore>(key) : null)
                    ?? CreateStore(sp, key, connectionProvider, storeOptionsProvider);
                return store.GetCollection<TKey, TRecord>(name, options);
            },
            lifetime));
        services.Add(new ServiceDescriptor(typeof(VectorStoreCollection<TKey, TRecord>), serviceKey, (sp, key) => sp.GetRequiredKeyedService<GarnetCollection<TKey, TRecord>>(key), lifetime));
        services.Add(new ServiceDescriptor(typeof(IVectorSearchable<TRecord>), serviceKey, (sp, key) => sp.GetRequiredKeyedService<GarnetCollection<TKey, TRecord>>(key), lifetime));
        services.Add(new ServiceDescriptor(typeof(INormSearchable<TRecord>), serviceKey, (sp, key) => sp.GetRequiredKeyedService<GarnetCollection<TKey, TRecord>>(key), lifetime));
        return services;
    }

    private static GarnetVectorStore CreateStore(
        IServiceProvider sp, object? key, Func<IServiceProvider, IConnectionMultiplexer>? connectionProvider, Func<IServiceProvider, GarnetVectorStoreOptions>? optionsProvider)
    {
        var connection = connectionProvider?.Invoke(sp)
            ?? (key is null ? null : sp.GetKeyedService<IConnectionMultiplexer>(key))
            ?? sp.GetRequiredService<IConnectionMultiplexer>();
        var options = optionsProvider is null ? new GarnetVectorStoreOptions() : new GarnetVectorStoreOptions(optionsProvider(sp));
        options.EmbeddingGenerator ??= ContainerEmbeddingGenerator.Resolve(sp);
        options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
        return new GarnetVectorStore(connection, options);
    }
}
