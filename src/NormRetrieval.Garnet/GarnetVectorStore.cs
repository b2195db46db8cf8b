using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.VectorData;
using StackExchange.Redis;
using NormRetrieval.VectorData;

namespace NormRetrieval.Garnet;

/// <summary>
/// NormRetrieval collections on Garnet (or Redis 8) vector sets, for corpora that outgrow one machine:
/// the same records, filters (where the server can express them), scores and norm-aware ranking as the
/// embedded <c>NormVectorStore</c>, with each collection spread over several vector sets (shards)
/// that a cluster places on different nodes.
/// </summary>
/// <remarks>
/// <para>
/// Each shard stores unit vectors under the cosine metric; the raw norm, token count, key and data
/// properties ride in the element's JSON attributes. Searches query every shard in parallel, merge by
/// cosine, and rerank with norm statistics merged from all shards.
/// </para>
/// <para>
/// Security: the password, ACL user and TLS come from the connection settings
/// (<see cref="ConfigurationOptions"/> or a configuration string such as
/// <c>host:6379,password=…,user=…,ssl=true</c>); the store never logs them.
/// </para>
/// </remarks>
public sealed partial class GarnetVectorStore : VectorStore
{
    /// <summary>The system name reported in metadata and exceptions.</summary>
    public const string SystemName = "garnet";

    /// <summary>
    /// The hashes that list the collections and their layouts: three copies on slots a third of the slot
    /// space apart, so that a cluster keeps them on different nodes and one node down does not hide them.
    /// </summary>
    public IReadOnlyList<string> RegistryKeys { get; }

    private readonly bool _ownsConnection;

    /// <summary>Uses an open connection (the caller keeps ownership of it).</summary>
    /// <param name="connection">The connection to the server or cluster.</param>
    /// <param name="options">Layout of new collections and search behaviour.</param>
    public GarnetVectorStore(IConnectionMultiplexer connection, GarnetVectorStoreOptions? options = null)
        : this(connection, options, ownsConnection: false)
    {
    }

    private GarnetVectorStore(IConnectionMultiplexer connection, GarnetVectorStoreOptions? options, bool ownsConnection)
    {
        Connection = connection ?? throw new ArgumentNullException(nameof(connection));
        Options = options ?? new GarnetVectorStoreOptions();
        Options.Validate();
        _ownsConnection = ownsConnection;
        Logger = (Options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<GarnetVectorStore>();
        EndPoints = string.Join(",", connection.GetEndPoints().Select(e => Format(e)));
        Metadata = new VectorStoreMetadata { VectorStoreSystemName = SystemName, VectorStoreName = EndPoints };
        RegistryKeys = [.. CollectionLayout.ChooseTags("normretrieval-registry", 3, tag => connection.HashSlot(tag)).Select(t => t + ":collections")];
    }

    /// <summary>The connection.</summary>
    public IConnectionMultiplexer Connection { get; }

    /// <summary>The options.</summary>
    public GarnetVectorStoreOptions Options { get; }

    /// <summary>The configured endpoints, comma-separated (never the password).</summary>
    public string EndPoints { get; }

    internal ILogger Logger { get; }

    internal VectorStoreMetadata Metadata { get; }

    internal IDatabase Database => Connection.GetDatabase();

    /// <summary>
    /// Connects to a server or cluster and checks that every endpoint answers and accepts the credentials.
    /// </summary>
    /// <param name="configuration">StackExchange.Redis settings: endpoints, password, user, TLS, timeouts.</param>
    /// <param name="options">Layout of new collections and search behaviour.</param>
    /// <returns>The store, which owns the connection.</returns>
    /// <exception cref="VectorStoreException">No node answered, or the password or user was refused.</exception>
    public static async Task<GarnetVectorStore> ConnectAsync(ConfigurationOptions configuration, GarnetVectorStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string where = string.Join(",", configuration.EndPoints.Select(e => Format(e)));
        if (configuration.EndPoints.Count == 0)
        {
            throw new ArgumentException("The configuration names no endpoint.", nameof(configuration));
        }

        ConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        }
        catch (RedisConnectionException ex)
        {
            throw new VectorStoreException(Describe(ex, where), ex) { VectorStoreSystemName = SystemName };
        }

        try
        {
            // A server that requires a password accepts the connection but refuses every command: ask each node once.
            foreach (var endPoint in connection.GetEndPoints())
            {
                var server = connection.GetServer(endPoint);
                if (server.IsConnected)
                {
                    await server.PingAsync().ConfigureAwait(false);
                }
            }

            await connection.GetDatabase().PingAsync().ConfigureAwait(false);
            return new GarnetVectorStore(connection, options, ownsConnection: true);
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new VectorStoreException(Describe(ex, where), ex) { VectorStoreSystemName = SystemName };
        }
    }

    /// <summary>Connects with a StackExchange.Redis configuration string, e.g. <c>127.0.0.1:7000,127.0.0.1:7001,password=…</c>.</summary>
    /// <param name="configuration">The configuration string.</param>
    /// <param name="options">Layout of new collections and search behaviour.</param>
    /// <returns>The store, which owns the connection.</returns>
    /// <exception cref="VectorStoreException">No node answered, or the password or user was refused.</exception>
    public static Task<GarnetVectorStore> ConnectAsync(string configuration, GarnetVectorStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return ConnectAsync(ConfigurationOptions.Parse(configuration), options);
    }

    /// <inheritdoc />
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        if (typeof(TRecord) == typeof(Dictionary<string, object?>))
        {
            throw new NotSupportedException("Use GetDynamicCollection for Dictionary<string, object?> records.");
        }

        return new GarnetCollection<TKey, TRecord>(this, name, new GarnetCollectionOptions { Definition = definition });
    }

    /// <summary>Gets a collection with NormRetrieval's options.</summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Shards, ranking, definition, embedding generator.</param>
    /// <returns>The collection (created by <c>EnsureCollectionExistsAsync</c>).</returns>
    public GarnetCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, GarnetCollectionOptions options)
        where TKey : notnull
        where TRecord : class
        => new(this, name, options);

    /// <inheritdoc />
    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new GarnetDynamicCollection(this, name, new GarnetCollectionOptions { Definition = definition });
    }

    /// <summary>Gets a dynamic collection with NormRetrieval's options.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Options; <see cref="VectorStoreCollectionOptions.Definition"/> is required.</param>
    /// <returns>The collection.</returns>
    public GarnetDynamicCollection GetDynamicCollection(string name, GarnetCollectionOptions options) => new(this, name, options);

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var names = await ReadRegistryAsync(key => Database.HashKeysAsync(key), "ListCollectionNames", null).ConfigureAwait(false);
        foreach (var name in names.Select(n => n.ToString()).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }
    }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        CollectionNames.Validate(name);
        return ReadRegistryAsync(key => Database.HashExistsAsync(key, name), "CollectionExists", name);
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        CollectionNames.Validate(name);
        var layout = await FindLayoutAsync(name).ConfigureAwait(false);
        if (layout is null)
        {
            return;
        }

        for (int i = 0; i < layout.Shards; i++)
        {
            RedisKey[] keys = i == 0 ? [layout.VectorKey(i), layout.StatisticsKey(i), layout.CalibrationKey] : [layout.VectorKey(i), layout.StatisticsKey(i)];
            await Call(() => Database.KeyDeleteAsync(keys), "EnsureCollectionDeleted", name).ConfigureAwait(false);
        }

        foreach (string key in RegistryKeys)
        {
            await Call(() => Database.HashDeleteAsync(key, name), "EnsureCollectionDeleted", name).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? Metadata
            : serviceType.IsInstanceOfType(Connection) ? Connection
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    internal async Task<CollectionLayout?> FindLayoutAsync(string name)
    {
        var json = await ReadRegistryAsync(key => Database.HashGetAsync(key, name), "ReadLayout", name).ConfigureAwait(false);
        return json.IsNull ? null : CollectionLayout.FromJson(json.ToString(), name);
    }

    /// <summary>Registers a layout unless the collection exists; returns the registered one.</summary>
    internal async Task<CollectionLayout> RegisterAsync(string name, CollectionLayout layout)
    {
        bool added = await Call(() => Database.HashSetAsync(RegistryKeys[0], name, layout.ToJson(), When.NotExists), "EnsureCollectionExists", name).ConfigureAwait(false);
        if (added)
        {
            foreach (string copy in RegistryKeys.Skip(1))
            {
                await Call(() => Database.HashSetAsync(copy, name, layout.ToJson()), "EnsureCollectionExists", name).ConfigureAwait(false);
            }

            LogCreated(Logger, name, layout.Shards, layout.Dimension, layout.Quantization);
            return layout;
        }

        return await FindLayoutAsync(name).ConfigureAwait(false) ?? throw new VectorStoreException($"Collection '{name}' was deleted while it was being created.") { VectorStoreSystemName = SystemName };
    }

    /// <summary>The node that serves a key, for messages; null when it cannot be told.</summary>
    internal string? EndPointOf(RedisKey key)
    {
        // A cluster's slot map is known to every connected node, including the slots of a node that is down.
        int slot = Connection.HashSlot(key);
        foreach (var server in Connection.GetServers())
        {
            try
            {
                if (server.IsConnected && server.ClusterConfiguration?.GetBySlot(slot)?.EndPoint is { } endPoint)
                {
                    return Format(endPoint);
                }
            }
            catch (RedisException)
            {
                // Ask the next one.
            }
        }

        try
        {
            return Connection.GetServer(key) is { } single ? Format(single.EndPoint) : null;
        }
        catch (RedisException)
        {
            return null;
        }
    }

    /// <summary>Reads the first registry copy whose node answers.</summary>
    private async Task<T> ReadRegistryAsync<T>(Func<RedisKey, Task<T>> read, string operation, string? collection)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return await Call(() => read(RegistryKeys[i]), operation, collection).ConfigureAwait(false);
            }
            catch (VectorStoreException ex) when (i < RegistryKeys.Count - 1 && (ex.InnerException is RedisConnectionException or RedisTimeoutException || IsUnavailable(ex.InnerException)))
            {
                LogRegistryCopyUnavailable(Logger, RegistryKeys[i]);
            }
        }
    }

    internal async Task<T> Call<T>(Func<Task<T>> action, string operation, string? collection)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new VectorStoreException($"{operation} failed on {EndPoints}: {Describe(ex, EndPoints)}", ex)
            {
                VectorStoreSystemName = SystemName,
                VectorStoreName = EndPoints,
                CollectionName = collection,
                OperationName = operation,
            };
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsConnection)
        {
            Connection.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Server replies that mean a node is down or not ready, not that the request was wrong.</summary>
    internal static bool IsUnavailable(Exception? ex) =>
        ex is RedisServerException && ex.Message.Split(' ', 2)[0] is "CLUSTERDOWN" or "TRYAGAIN" or "LOADING" or "MASTERDOWN";

    internal static string Format(System.Net.EndPoint? endPoint) => endPoint switch
    {
        null => "?",
        System.Net.DnsEndPoint d => d.Host + ":" + d.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => endPoint.ToString() ?? "?",
    };

    private static string Describe(Exception ex, string where)
    {
        string text = ex.ToString();
        if (text.Contains("NOAUTH", StringComparison.OrdinalIgnoreCase))
        {
            return $"the server at {where} requires a password and none was given (set password= in the connection settings)";
        }

        if (text.Contains("WRONGPASS", StringComparison.OrdinalIgnoreCase) || text.Contains("AuthenticationFailure", StringComparison.OrdinalIgnoreCase)
            || text.Contains("invalid password", StringComparison.OrdinalIgnoreCase) || text.Contains("invalid username", StringComparison.OrdinalIgnoreCase))
        {
            return $"the server at {where} refused the password or user";
        }

        string message = ex.Message;
        int cut = message.IndexOf('\n', StringComparison.Ordinal);
        return $"could not use {where}: {(cut > 0 ? message[..cut] : message)}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created collection {Collection}: {Shards} shards, dimension {Dimension}, {Quantization}")]
    private static partial void LogCreated(ILogger logger, string collection, int shards, int dimension, VectorQuantization quantization);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry copy {Key} did not answer; reading the next copy.")]
    private static partial void LogRegistryCopyUnavailable(ILogger logger, string key);
}
