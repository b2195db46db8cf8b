using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Faiss;
using NormRetrieval.SemanticKernel.Storage;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel;

/// <summary>
/// An embedded, persistent vector store in one folder: SQLite (WAL) holds every record with its unit
/// vector and raw norm and is the source of truth; each collection's index (Faiss when available, else
/// the managed exact index) is an acceleration structure saved beside it and brought up to date from
/// SQLite when the store opens.
/// </summary>
/// <remarks>
/// <para>
/// One process at a time: the store takes an exclusive lock on its folder. Within the process, every
/// instance over one folder shares one open store (reference counted; the last disposed closes it), so
/// any DI lifetime works. The store and its collections are thread-safe: concurrent searches and reads
/// with one writer per collection.
/// </para>
/// <para>
/// The folder and its files are created readable by their owner only. Collection names are restricted to
/// letters, digits, '_', '-' and '.', and never reach a file name or SQL text.
/// </para>
/// </remarks>
public sealed partial class NormVectorStore : VectorStore
{

    private readonly SharedStore _shared;
    private bool _disposed;

    /// <summary>Opens (or creates) a store in a folder.</summary>
    /// <param name="directory">The store folder.</param>
    /// <param name="options">Defaults for collections, logging, read-only mode.</param>
    /// <exception cref="VectorStoreException">The database is damaged or the store is open in another process.</exception>
    public NormVectorStore(string directory, NormVectorStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Options = options ?? new NormVectorStoreOptions();
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory))
        {
            if (Options.ReadOnly)
            {
                throw new VectorStoreException($"The store '{Directory}' does not exist (opened read-only).") { VectorStoreSystemName = SqliteStorage.SystemName };
            }

            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(Directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Logger = (Options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NormVectorStore>();
        _shared = SharedStore.Acquire(Directory, Options, Logger);
        Metadata = new VectorStoreMetadata { VectorStoreSystemName = SqliteStorage.SystemName, VectorStoreName = Directory };
    }

    /// <summary>The store folder.</summary>
    public string Directory { get; }

    /// <summary>The store's options.</summary>
    public NormVectorStoreOptions Options { get; }

    /// <summary>
    /// The engine new approximate collections (HNSW, IVF, …) get when neither they nor the store choose: Faiss when
    /// available, else flat. Exact collections (<c>Flat</c>) get the managed exact index unless an engine is chosen.
    /// </summary>
    public string DefaultEngine => Options.Engine ?? (FaissRuntime.IsAvailable ? "faiss" : "flat");

    internal SqliteStorage Storage => _shared.Storage;

    internal ILogger Logger { get; }

    internal VectorStoreMetadata Metadata { get; }

    /// <inheritdoc />
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        if (typeof(TRecord) == typeof(Dictionary<string, object?>))
        {
            throw new NotSupportedException("Use GetDynamicCollection for Dictionary<string, object?> records.");
        }

        return new NormCollection<TKey, TRecord>(this, name, new NormCollectionOptions { Definition = definition });
    }

    /// <summary>Gets a collection with NormRetrieval's options.</summary>
    /// <typeparam name="TKey">string, Guid, int or long.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Engine, index, ranking, definition, embedding generator.</param>
    /// <returns>The collection (created by <c>EnsureCollectionExistsAsync</c>).</returns>
    public NormCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, NormCollectionOptions options)
        where TKey : notnull
        where TRecord : class
        => new(this, name, options);

    /// <inheritdoc />
    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new NormDynamicCollection(this, name, new NormCollectionOptions { Definition = definition });
    }

    /// <summary>Gets a dynamic collection with NormRetrieval's options.</summary>
    /// <param name="name">The collection name.</param>
    /// <param name="options">Options; <see cref="VectorStoreCollectionOptions.Definition"/> is required.</param>
    /// <returns>The collection.</returns>
    public NormDynamicCollection GetDynamicCollection(string name, NormCollectionOptions options) => new(this, name, options);

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IReadOnlyList<string> names = await Run(Storage.List, "ListCollectionNames", null).ConfigureAwait(false);
        foreach (string name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }
    }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        CollectionNames.Validate(name);
        return Run(() => Storage.Find(name) is not null, "CollectionExists", name);
    }

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        CollectionNames.Validate(name);
        return Run(
            () =>
            {
                DropState(name);
                return true;
            },
            "EnsureCollectionDeleted",
            name);
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(VectorStoreMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Saves every open collection's index now (it is also saved on dispose and every 50,000 changes).</summary>
    public void Checkpoint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _shared.Checkpoint();
    }

    /// <summary>The in-memory state of an existing collection, opened on first use; null when the collection does not exist.</summary>
    internal CollectionState? GetState(string name, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _shared.GetState(name, cancellationToken);
    }

    internal CollectionState CreateState(string name, int dimension, string distance, string engine, string factory, Type keyType)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _shared.CreateState(name, dimension, distance, engine, factory, keyType);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _shared.Release();
        }

        base.Dispose(disposing);
    }

    /// <remarks>
    /// SQLite has no asynchronous I/O: Microsoft.Data.Sqlite's async methods complete synchronously, so the
    /// work runs on the caller's thread and long loops observe the caller's token between bounded chunks.
    /// </remarks>
    internal Task<T> Run<T>(Func<T> action, string operation, string? collection)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw SqliteStorage.Wrap(ex, operation, collection);
        }
    }

    private void DropState(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _shared.DropState(name);
    }
}
