using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// One open store folder in this process: its database, its folder lock and the in-memory state of its
/// collections. Every <see cref="NormVectorStore"/> over the same folder shares it (reference counted), so
/// a DI container may create stores per scope or per resolution; the last one disposed closes the folder.
/// Another process still finds the folder locked.
/// </summary>
internal sealed partial class SharedStore
{
    private static readonly Dictionary<string, SharedStore> OpenStores = new(StringComparer.Ordinal);
    private static readonly Lock Registry = new();

    private readonly Dictionary<string, CollectionState> _states = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _references;
    private bool _closed;

    private SharedStore(SqliteStorage storage, ILogger logger)
    {
        Storage = storage;
        Logger = logger;
    }

    public SqliteStorage Storage { get; }

    public ILogger Logger { get; }

    /// <summary>Opens the folder, or shares the instance this process already has open.</summary>
    /// <exception cref="VectorStoreException">The folder is open in another process, or here with another mode.</exception>
    public static SharedStore Acquire(string directory, NormVectorStoreOptions options, ILogger logger)
    {
        lock (Registry)
        {
            if (OpenStores.TryGetValue(directory, out var open))
            {
                if (open.Storage.ReadOnly != options.ReadOnly)
                {
                    throw new VectorStoreException(
                        $"The store '{directory}' is already open in this process {(open.Storage.ReadOnly ? "read-only" : "for writing")}; open every instance in one mode.")
                    { VectorStoreSystemName = SqliteStorage.SystemName, OperationName = "Open" };
                }

                open._references++;
                return open;
            }

            var store = new SharedStore(new SqliteStorage(directory, options), logger) { _references = 1 };
            if (store.Storage.SkippedOpenCheck)
            {
                LogOpenCheckSkipped(logger, store.Storage.DatabasePath, store.Storage.DatabaseBytes() / 1048576.0, (options.VerifyOnOpenMaxBytes ?? 0) / 1048576.0);
            }

            OpenStores[directory] = store;
            return store;
        }
    }

    /// <summary>Drops one reference; the last one saves every index and closes the folder.</summary>
    public void Release()
    {
        lock (Registry)
        {
            if (--_references > 0)
            {
                return;
            }

            OpenStores.Remove(Storage.Directory);
        }

        lock (_gate)
        {
            _closed = true;
            foreach (var state in _states.Values)
            {
                state.Dispose();
            }

            _states.Clear();
            Storage.Dispose();
        }
    }

    /// <summary>The in-memory state of an existing collection, opened on first use; null when the collection does not exist.</summary>
    public CollectionState? GetState(string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_states.TryGetValue(name, out var state))
            {
                return state;
            }

            var info = Storage.Find(name);
            if (info is null)
            {
                return null;
            }

            state = CollectionState.Open(Storage, info, Logger, cancellationToken);
            _states[name] = state;
            return state;
        }
    }

    public CollectionState CreateState(string name, int dimension, string distance, string engine, string factory, Type keyType)
    {
        lock (_gate)
        {
            var existing = GetState(name);
            if (existing is not null)
            {
                if (existing.Info.Dimension != dimension)
                {
                    throw new InvalidOperationException(
                        $"Collection '{name}' exists with dimension {existing.Info.Dimension}; this definition has {dimension}.");
                }

                return existing;
            }

            var info = Storage.Create(name, dimension, distance, engine, factory, keyType.Name);
            CollectionState state;
            try
            {
                state = CollectionState.Open(Storage, info, Logger);
            }
            catch
            {
                // The index could not be made (e.g. a factory string Faiss refuses): the collection is not created.
                Storage.Drop(info);
                throw;
            }

            _states[name] = state;
            Storage.RestrictPermissions();
            return state;
        }
    }

    public void DropState(string name)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_states.Remove(name, out var state))
            {
                state.WriteLock.Wait();
                state.ChangesSinceCheckpoint = 0;
                state.Dispose();
            }

            var info = Storage.Find(name);
            if (info is not null)
            {
                Storage.Drop(info);
                CollectionState.DeleteFiles(Storage, info);
            }
        }
    }

    public void Checkpoint()
    {
        lock (_gate)
        {
            foreach (var state in _states.Values)
            {
                state.WriteLock.Wait();
                try
                {
                    state.Checkpoint();
                }
                finally
                {
                    state.WriteLock.Release();
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The database {Path} ({SizeMiB:F0} MiB) is larger than VerifyOnOpenMaxBytes ({LimitMiB:F0} MiB): opened without quick_check. Rows are checked against their checksums as they are read; VerifyAsync (normretrieval verify) checks everything.")]
    private static partial void LogOpenCheckSkipped(ILogger logger, string path, double sizeMiB, double limitMiB);
}
