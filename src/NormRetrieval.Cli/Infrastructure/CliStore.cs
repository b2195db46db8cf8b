using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Garnet;
using NormRetrieval.SemanticKernel;
using NormRetrieval.Statistics;
using StackExchange.Redis;
using NormRetrieval.VectorData;

namespace NormRetrieval.Cli.Infrastructure;

/// <summary>
/// The store a command works on: a folder (the embedded store) or <c>garnet:HOST:PORT[,HOST:PORT...]</c>
/// (a Garnet server or cluster; the password, user and TLS come from NORMRETRIEVAL_GARNET_PASSWORD,
/// NORMRETRIEVAL_GARNET_USER and NORMRETRIEVAL_GARNET_TLS, so they never appear in a process list).
/// </summary>
internal abstract class CliStore : IDisposable
{
    public const string GarnetPrefix = "garnet:";

    /// <summary>Where the store is, for messages.</summary>
    public abstract string Location { get; }

    public static async Task<CliStore> OpenAsync(string store, CliOutput output, bool readOnly, string? engine = null, string? indexFactory = null, int? shards = null)
    {
        var logging = LoggerFactory.Create(b => b.AddProvider(new StderrLoggerProvider(output.Error)));
        if (!store.StartsWith(GarnetPrefix, StringComparison.OrdinalIgnoreCase))
        {
            if (shards is not null)
            {
                throw new CliInputException("--shards applies to garnet: stores only.");
            }

            if (File.Exists(store))
            {
                throw new CliInputException($"--store '{store}' is a file; a store is a folder (an existing one, or a new one to create).");
            }

            var options = new NormVectorStoreOptions { ReadOnly = readOnly, Engine = engine, IndexFactory = indexFactory, LoggerFactory = logging };
            try
            {
                return new Embedded(new NormVectorStore(store, options));
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw new CliInputException($"--store '{store}' cannot be created or written here: {ex.Message}");
            }
        }

        if (engine is not null || indexFactory is not null)
        {
            throw new CliInputException("--engine and --index apply to folder stores; a garnet: store keeps vectors in Garnet vector sets.");
        }

        var configuration = ParseGarnet(store[GarnetPrefix.Length..]);
        var garnetOptions = new GarnetVectorStoreOptions { LoggerFactory = logging };
        if (shards is int s)
        {
            garnetOptions.Shards = s;
        }

        try
        {
            return new Remote(await GarnetVectorStore.ConnectAsync(configuration, garnetOptions).ConfigureAwait(false));
        }
        catch (Microsoft.Extensions.VectorData.VectorStoreException ex) when (ex.Message.Contains("set password= in the connection settings", StringComparison.Ordinal))
        {
            // The library's hint names its connection setting; the command line reads the environment.
            throw new CliInputException(ex.Message.Replace("set password= in the connection settings", "set NORMRETRIEVAL_GARNET_PASSWORD", StringComparison.Ordinal));
        }
    }

    /// <summary>Parses the endpoints (and any StackExchange.Redis options) and adds the credentials from the environment.</summary>
    public static ConfigurationOptions ParseGarnet(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CliInputException("--store garnet: needs at least one HOST:PORT, e.g. garnet:127.0.0.1:6379.");
        }

        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException ex)
        {
            throw new CliInputException($"--store garnet:{text} is not a valid endpoint list: {ex.Message}");
        }

        if (configuration.EndPoints.Count == 0)
        {
            throw new CliInputException("--store garnet: needs at least one HOST:PORT, e.g. garnet:127.0.0.1:6379.");
        }

        configuration.Password ??= Environment.GetEnvironmentVariable("NORMRETRIEVAL_GARNET_PASSWORD") is { Length: > 0 } password ? password : null;
        configuration.User ??= Environment.GetEnvironmentVariable("NORMRETRIEVAL_GARNET_USER") is { Length: > 0 } user ? user : null;
        if (Environment.GetEnvironmentVariable("NORMRETRIEVAL_GARNET_TLS") is "1" or "true")
        {
            configuration.Ssl = true;
        }

        configuration.AbortOnConnectFail = true;
        return configuration;
    }

    public abstract NormVectorStoreCollection<object, Dictionary<string, object?>> Collection(string name, int dimension);

    /// <summary>The manifest (model and dimension) of a collection made by <c>normretrieval index</c>; null when there is none.</summary>
    public abstract Task<CliCollection.Manifest?> FindManifestAsync(string collection);

    public abstract Task WriteManifestAsync(string collection, CliCollection.Manifest manifest);

    public abstract Task DeleteManifestAsync(string collection);

    public async Task<CliCollection.Manifest> ReadManifestAsync(string collection) =>
        await FindManifestAsync(collection).ConfigureAwait(false)
            ?? throw new CliInputException($"The store '{Location}' has no collection '{collection}' made by normretrieval index.");

    public abstract void Dispose();

    private sealed class Embedded(NormVectorStore store) : CliStore
    {
        public override string Location => store.Directory;

        public override NormVectorStoreCollection<object, Dictionary<string, object?>> Collection(string name, int dimension) =>
            store.GetDynamicCollection(name, new NormCollectionOptions { Definition = CliCollection.Definition(dimension) });

        public override Task<CliCollection.Manifest?> FindManifestAsync(string collection) =>
            Task.FromResult(File.Exists(CliCollection.ManifestPath(store, collection)) ? CliCollection.ReadManifest(store, collection) : null);

        public override Task WriteManifestAsync(string collection, CliCollection.Manifest manifest)
        {
            CliCollection.WriteManifest(store, collection, manifest);
            return Task.CompletedTask;
        }

        public override Task DeleteManifestAsync(string collection)
        {
            File.Delete(CliCollection.ManifestPath(store, collection));
            return Task.CompletedTask;
        }

        public override void Dispose() => store.Dispose();
    }

    private sealed class Remote(GarnetVectorStore store) : CliStore
    {
        public override string Location => GarnetPrefix + store.EndPoints;

        public override NormVectorStoreCollection<object, Dictionary<string, object?>> Collection(string name, int dimension) =>
            store.GetDynamicCollection(name, new GarnetCollectionOptions { Definition = CliCollection.Definition(dimension) });

        public override async Task<CliCollection.Manifest?> FindManifestAsync(string collection)
        {
            CollectionNames.Validate(collection);
            var value = await store.Connection.GetDatabase().StringGetAsync(ManifestKey(collection)).ConfigureAwait(false);
            return value.IsNull ? null : JsonSerializer.Deserialize<CliCollection.Manifest>(value.ToString());
        }

        public override async Task WriteManifestAsync(string collection, CliCollection.Manifest manifest)
        {
            CollectionNames.Validate(collection);
            await store.Connection.GetDatabase().StringSetAsync(ManifestKey(collection), JsonSerializer.Serialize(manifest)).ConfigureAwait(false);
        }

        public override async Task DeleteManifestAsync(string collection)
        {
            CollectionNames.Validate(collection);
            await store.Connection.GetDatabase().KeyDeleteAsync(ManifestKey(collection)).ConfigureAwait(false);
        }

        public override void Dispose() => store.Dispose();

        private static string ManifestKey(string collection) => "normretrieval:cli:" + collection;
    }
}
