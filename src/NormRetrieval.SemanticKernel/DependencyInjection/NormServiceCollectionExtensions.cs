using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.SemanticKernel;

/// <summary>
/// Registers NormRetrieval stores and collections with dependency injection, keyed or not, with any
/// lifetime. Options given to a registration are copied when the service is created and never changed.
/// An <see cref="IEmbeddingGenerator"/> (or <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of string
/// and <see cref="Embedding{T}"/> of float) and an <see cref="ILoggerFactory"/> in the container are used when
/// the options do not name them; they are resolved when the store or collection is created, not before.
/// </summary>
/// <remarks>
/// Every store instance over one folder shares one open store in the process (reference counted), so
/// scoped and transient lifetimes work; the folder stays locked against other processes while any
/// instance is alive.
/// </remarks>
public static class NormServiceCollectionExtensions
{
    /// <summary>Registers a <see cref="NormVectorStore"/> (as itself and as <see cref="VectorStore"/>) for a folder.</summary>
    /// <param name="services">The services.</param>
    /// <param name="directory">The store folder.</param>
    /// <param name="options">Store options (copied).</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddNormVectorStore(this IServiceCollection services, string directory, NormVectorStoreOptions? options = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        => AddKeyedNormVectorStore(services, serviceKey: null, directory, options, lifetime);

    /// <summary>Registers a <see cref="NormVectorStore"/> whose folder and options come from the container.</summary>
    /// <param name="services">The services.</param>
    /// <param name="directoryProvider">Returns the store folder.</param>
    /// <param name="optionsProvider">Returns store options (copied); null for the defaults.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddNormVectorStore(
        this IServiceCollection services, Func<IServiceProvider, string> directoryProvider, Func<IServiceProvider, NormVectorStoreOptions>? optionsProvider = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        => AddKeyedNormVectorStore(services, serviceKey: null, directoryProvider, optionsProvider, lifetime);

    /// <summary>Registers a keyed <see cref="NormVectorStore"/> (as itself and as <see cref="VectorStore"/>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="directory">The store folder.</param>
    /// <param name="options">Store options (copied).</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedNormVectorStore(this IServiceCollection services, object? serviceKey, string directory, NormVectorStoreOptions? options = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return AddKeyedNormVectorStore(services, serviceKey, _ => directory, options is null ? null : (Func<IServiceProvider, NormVectorStoreOptions>)(_ => options), lifetime);
    }

    /// <summary>Registers a keyed <see cref="NormVectorStore"/> whose folder and options come from the container.</summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="directoryProvider">Returns the store folder.</param>
    /// <param name="optionsProvider">Returns store options (copied); null for the defaults.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedNormVectorStore(
        this IServiceCollection services, object? serviceKey, Func<IServiceProvider, string> directoryProvider, Func<IServiceProvider, NormVectorStoreOptions>? optionsProvider = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(directoryProvider);
        services.Add(new ServiceDescriptor(typeof(NormVectorStore), serviceKey, (sp, _) => CreateStore(sp, directoryProvider(sp), optionsProvider?.Invoke(sp)), lifetime));
        services.Add(new ServiceDescriptor(typeof(VectorStore), serviceKey, (sp, key) => sp.GetRequiredKeyedService<NormVectorStore>(key), lifetime));
        return services;
    }

    /// <summary>
    /// Registers a collection — as <see cref="NormCollection{TKey, TRecord}"/>, <see cref="VectorStoreCollection{TKey, TRecord}"/>,
    /// <see cref="IVectorSearchable{TRecord}"/> and <see cref="INormSearchable{TRecord}"/> — of the
    /// <see cref="NormVectorStore"/> registered in the container under the same key, or, when
    /// <paramref name="directory"/> is given, of the store in that folder (opened by the collection and
    /// released when it is disposed).
    /// </summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Collection options (copied).</param>
    /// <param name="directory">A store folder, when the container has no store.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddNormCollection<TKey, TRecord>(this IServiceCollection services, string name, NormCollectionOptions? options = null, string? directory = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
        => AddKeyedNormCollection<TKey, TRecord>(services, serviceKey: null, name, options, directory, lifetime);

    /// <summary>Registers a collection whose options come from the container; see <see cref="AddNormCollection{TKey, TRecord}(IServiceCollection, string, NormCollectionOptions?, string?, ServiceLifetime)"/>.</summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="optionsProvider">Returns collection options (copied).</param>
    /// <param name="directoryProvider">Returns a store folder, when the container has no store; null to use the registered store.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddNormCollection<TKey, TRecord>(
        this IServiceCollection services, string name, Func<IServiceProvider, NormCollectionOptions>? optionsProvider, Func<IServiceProvider, string>? directoryProvider = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
        => AddKeyedNormCollection<TKey, TRecord>(services, serviceKey: null, name, optionsProvider, directoryProvider, lifetime);

    /// <summary>Registers a keyed collection; see <see cref="AddNormCollection{TKey, TRecord}(IServiceCollection, string, NormCollectionOptions?, string?, ServiceLifetime)"/>.</summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Collection options (copied).</param>
    /// <param name="directory">A store folder, when the container has no store.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedNormCollection<TKey, TRecord>(this IServiceCollection services, object? serviceKey, string name, NormCollectionOptions? options = null, string? directory = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
    {
        ArgumentNullException.ThrowIfNull(services);
        CollectionNames.Validate(name);
        return AddKeyedNormCollection<TKey, TRecord>(
            services, serviceKey, name, options is null ? null : (Func<IServiceProvider, NormCollectionOptions>)(_ => options), directory is null ? null : (Func<IServiceProvider, string>)(_ => directory), lifetime);
    }

    /// <summary>Registers a keyed collection whose options come from the container.</summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="name">The collection name.</param>
    /// <param name="optionsProvider">Returns collection options (copied).</param>
    /// <param name="directoryProvider">Returns a store folder, when the container has no store; null to use the registered store.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedNormCollection<TKey, TRecord>(
        this IServiceCollection services, object? serviceKey, string name, Func<IServiceProvider, NormCollectionOptions>? optionsProvider, Func<IServiceProvider, string>? directoryProvider = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
    {
        ArgumentNullException.ThrowIfNull(services);
        CollectionNames.Validate(name);
        services.Add(new ServiceDescriptor(
            typeof(NormCollection<TKey, TRecord>),
            serviceKey,
            (sp, key) =>
            {
                var options = optionsProvider is null ? new NormCollectionOptions() : new NormCollectionOptions(optionsProvider(sp));
                options.EmbeddingGenerator ??= ContainerEmbeddingGenerator.Resolve(sp);
                if (directoryProvider is null)
                {
                    return sp.GetRequiredKeyedService<NormVectorStore>(key).GetCollection<TKey, TRecord>(name, options);
                }

                var store = CreateStore(sp, directoryProvider(sp), null);
                try
                {
                    return new NormCollection<TKey, TRecord>(store, name, options, ownsStore: true);
                }
                catch
                {
                    store.Dispose();
                    throw;
                }
            },
            lifetime));
        services.Add(new ServiceDescriptor(typeof(VectorStoreCollection<TKey, TRecord>), serviceKey, (sp, key) => sp.GetRequiredKeyedService<NormCollection<TKey, TRecord>>(key), lifetime));
        services.Add(new ServiceDescriptor(typeof(IVectorSearchable<TRecord>), serviceKey, (sp, key) => sp.GetRequiredKeyedService<NormCollection<TKey, TRecord>>(key), lifetime));
        services.Add(new ServiceDescriptor(typeof(INormSearchable<TRecord>), serviceKey, (sp, key) => sp.GetRequiredKeyedService<NormCollection<TKey, TRecord>>(key), lifetime));
        return services;
    }

    private static NormVectorStore CreateStore(IServiceProvider sp, string directory, NormVectorStoreOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var effective = options is null ? new NormVectorStoreOptions() : new NormVectorStoreOptions(options);
        effective.EmbeddingGenerator ??= ContainerEmbeddingGenerator.Resolve(sp);
        effective.LoggerFactory ??= sp.GetService<ILoggerFactory>();
        return new NormVectorStore(directory, effective);
    }
}
