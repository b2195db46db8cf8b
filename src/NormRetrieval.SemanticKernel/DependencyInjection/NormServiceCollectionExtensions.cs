using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel;

/// <summary>Registers NormRetrieval stores and collections with dependency injection.</summary>
public static class NormServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="NormVectorStore"/> (as itself and as <see cref="VectorStore"/>) for a folder.
    /// An <see cref="IEmbeddingGenerator"/> and an <see cref="ILoggerFactory"/> in the container are used
    /// when the options do not name them.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="directory">The store folder.</param>
    /// <param name="options">Store options.</param>
    /// <param name="lifetime">The lifetime (default singleton: the store holds the folder's lock).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddNormVectorStore(this IServiceCollection services, string directory, NormVectorStoreOptions? options = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        => AddKeyedNormVectorStore(services, serviceKey: null, directory, options, lifetime);

    /// <summary>Registers a keyed <see cref="NormVectorStore"/> (as itself and as <see cref="VectorStore"/>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="directory">The store folder.</param>
    /// <param name="options">Store options.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedNormVectorStore(this IServiceCollection services, object? serviceKey, string directory, NormVectorStoreOptions? options = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        services.Add(new ServiceDescriptor(typeof(NormVectorStore), serviceKey, (sp, _) => Create(sp, directory, options), lifetime));
        services.Add(new ServiceDescriptor(typeof(VectorStore), serviceKey, (sp, key) => sp.GetRequiredKeyedService<NormVectorStore>(key), lifetime));
        return services;
    }

    /// <summary>
    /// Registers a collection (as <see cref="VectorStoreCollection{TKey, TRecord}"/> and
    /// <see cref="IVectorSearchable{TRecord}"/>) of the <see cref="NormVectorStore"/> registered in the
    /// container, or of a store opened for <paramref name="directory"/> when given.
    /// </summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Collection options.</param>
    /// <param name="directory">A store folder, when the container has no store.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddNormCollection<TKey, TRecord>(this IServiceCollection services, string name, NormCollectionOptions? options = null, string? directory = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
        => AddKeyedNormCollection<TKey, TRecord>(services, serviceKey: null, name, options, directory, lifetime);

    /// <summary>Registers a keyed collection; see <see cref="AddNormCollection{TKey, TRecord}"/>.</summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (null: not keyed).</param>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Collection options.</param>
    /// <param name="directory">A store folder, when the container has no store.</param>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKeyedNormCollection<TKey, TRecord>(this IServiceCollection services, object? serviceKey, string name, NormCollectionOptions? options = null, string? directory = null, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where TKey : notnull
        where TRecord : class
    {
        ArgumentNullException.ThrowIfNull(services);
        NormVectorStore.ValidateName(name);
        if (directory is not null)
        {
            services.TryAddKeyedSingleton(serviceKey, (sp, _) => Create(sp, directory, null));
        }

        services.Add(new ServiceDescriptor(
            typeof(VectorStoreCollection<TKey, TRecord>),
            serviceKey,
            (sp, key) =>
            {
                var store = sp.GetRequiredKeyedService<NormVectorStore>(directory is null ? null : key);
                var collectionOptions = options is null ? new NormCollectionOptions() : new NormCollectionOptions(options);
                collectionOptions.EmbeddingGenerator ??= sp.GetService<IEmbeddingGenerator>();
                return store.GetCollection<TKey, TRecord>(name, collectionOptions);
            },
            lifetime));
        services.Add(new ServiceDescriptor(typeof(IVectorSearchable<TRecord>), serviceKey, (sp, key) => sp.GetRequiredKeyedService<VectorStoreCollection<TKey, TRecord>>(key), lifetime));
        return services;
    }

    private static NormVectorStore Create(IServiceProvider sp, string directory, NormVectorStoreOptions? options)
    {
        var effective = options ?? new NormVectorStoreOptions();
        effective.EmbeddingGenerator ??= sp.GetService<IEmbeddingGenerator>();
        effective.LoggerFactory ??= sp.GetService<ILoggerFactory>();
        return new NormVectorStore(directory, effective);
    }
}
