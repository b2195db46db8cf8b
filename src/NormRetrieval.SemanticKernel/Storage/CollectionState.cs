using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using NormRetrieval.Faiss;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.Statistics;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// What one collection keeps in memory, shared by every collection object of that name in the store:
/// the ANN index (an acceleration structure over SQLite, the source of truth), the norm statistics,
/// the ids the index still holds but SQLite no longer has (tombstones of indexes that cannot remove),
/// and the write lock.
/// </summary>
internal sealed partial class CollectionState : IDisposable
{
    /// <summary>
    /// The index is saved after this many changes since the last save, or half its size if that is more (and on
    /// dispose). A save writes the whole file, so a fixed interval would make a long ingest write O(n²) bytes (20
    /// saves of up to 1.5 GB for a million records); spacing saves by half the size keeps the total near 3× the final
    /// file. After a crash, the next open replays at most that many changes from the database.
    /// </summary>
    public const int CheckpointEvery = 50_000;

    private readonly SqliteStorage _storage;
    private readonly ILogger _logger;
    private bool _degenerateWarned;

    /// <summary>A checkpoint saving the exact index in the background, sealing it when done (null: none yet).</summary>
    private Task? _saving;

    /// <summary>A background checkpoint failed: the index is unsealed until the next one (dispose makes one).</summary>
    private volatile bool _unsealed;

    /// <summary>The index answered what unit vectors cannot: it is never saved or sealed again (see <see cref="Damaged"/>).</summary>
    private volatile bool _damaged;

    private CollectionState(SqliteStorage storage, CollectionInfo info, IVectorIndex index, NormStatistics statistics, HashSet<long> tombstones, ILogger logger)
    {
        _storage = storage;
        Info = info;
        Table = new RecordTable(info, storage.HasRowChecksums(info));
        Index = index;
        Statistics = statistics;
        Tombstones = tombstones;
        _logger = logger;
    }

    public CollectionInfo Info { get; }

    /// <summary>The SQL of the collection's records table.</summary>
    public RecordTable Table { get; }

    public IVectorIndex Index { get; private set; }

    /// <summary>Norm statistics of the stored records; replaced (never mutated) after each committed write.</summary>
    public NormStatistics Statistics { get; set; }

    public HashSet<long> Tombstones { get; }

    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    /// <summary>Every row's norm and token count, for norm-aware searches (loaded on first use).</summary>
    public NormColumn Norms { get; } = new();

    /// <summary>Storage names of the properties known to have a full-text table (filled as writes and searches find them).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> FullTextTables { get; } = new(StringComparer.Ordinal);

    public int ChangesSinceCheckpoint { get; set; }

    public string IndexPath => Path.Combine(_storage.Directory, $"index_{Info.Id}.{VectorIndexFactory.FileExtension(VectorIndexFactory.EngineOf(Index))}");

    /// <summary>Opens a collection: loads its index (rebuilding it from SQLite when missing or damaged) and brings it up to date.</summary>
    /// <remarks>
    /// Cancellation is observed between chunks of the rebuild; a cancelled open leaves nothing behind (the
    /// partly built index is dropped unsaved, and the next open starts again from SQLite).
    /// </remarks>
    public static CollectionState Open(SqliteStorage storage, CollectionInfo info, ILogger logger, CancellationToken cancellationToken = default)
    {
        var statistics = info.Statistics is null ? new NormStatistics() : NormStatistics.FromJson(info.Statistics);
        IVectorIndex index = LoadIndex(storage, info, logger, out string? sealedRows);
        var state = new CollectionState(storage, info, index, statistics, [], logger);
        try
        {
            // The seal of a clean checkpoint names the rows the index held (count and largest id; ids are never
            // reused): when the database still has exactly those, nothing was written since and the id-by-id
            // comparison with the database is skipped.
            if (sealedRows is null || sealedRows != state.RowsFingerprint())
            {
                state.Reconcile(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            state.ChangesSinceCheckpoint = 0;
            state.Dispose();
            throw;
        }

        return state;
    }

    /// <summary>
    /// The index answered what unit vectors cannot (a cosine outside [−1, 1]): the seal is broken so that the
    /// next open rebuilds the index from the database, and the search is refused rather than answered.
    /// </summary>
    public Microsoft.Extensions.VectorData.VectorStoreException Damaged(string what)
    {
        LogIndexDamaged(_logger, Info.Name, what);
        _damaged = true; // no checkpoint seals this index again: the next open rebuilds it
        if (!_storage.ReadOnly)
        {
            WaitForSave(); // a save in flight would seal the file again after it is deleted
            _storage.SealIndex(Info, null);
            File.Delete(IndexPath);
        }

        return new Microsoft.Extensions.VectorData.VectorStoreException(
            $"The index of collection '{Info.Name}' is damaged ({what}); no results were returned. Reopen the store: the index is rebuilt from the database.")
        {
            VectorStoreSystemName = SqliteStorage.SystemName,
            VectorStoreName = _storage.Directory,
            CollectionName = Info.Name,
            OperationName = "Search",
        };
    }

    /// <summary>Warns once when every norm is ≈ 1 (the embeddings were normalised before they reached the store).</summary>
    public void WarnIfDegenerate()
    {
        if (!_degenerateWarned && Statistics.AllNormsNearOne)
        {
            _degenerateWarned = true;
            LogDegenerate(_logger, Info.Name, Statistics.Count);
        }
    }

    /// <summary>Applies a committed upsert to the index: the added ids' directions are the prepared records', in order.</summary>
    public void ApplyToIndex(IReadOnlyList<long> removed, IReadOnlyList<long> addedIds, IReadOnlyList<VectorData.ProviderServices.PreparedRecord> added)
    {
        // The batch's directions side by side, in a pooled buffer: a fresh one (1.5 MB for 1,000 × 384) each batch
        // cost page faults on the large-object heap.
        int length = added.Count * Info.Dimension;
        float[] directions = System.Buffers.ArrayPool<float>.Shared.Rent(length);
        try
        {
            for (int i = 0; i < added.Count; i++)
            {
                added[i].Direction.CopyTo(directions, i * Info.Dimension);
            }

            ApplyToIndex(removed, addedIds, directions.AsSpan(0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(directions);
        }
    }

    /// <summary>Applies committed changes to the index: removes replaced or deleted ids, adds new ones.</summary>
    public void ApplyToIndex(IReadOnlyList<long> removed, IReadOnlyList<long> addedIds, ReadOnlySpan<float> addedDirections)
    {
        if (removed.Count > 0)
        {
            if (Index.SupportsRemove)
            {
                Index.Remove(CollectionsMarshal.AsSpan(removed.ToList()));
            }
            else
            {
                Tombstones.UnionWith(removed.Where(Index.Contains));
            }
        }

        if (addedIds.Count > 0)
        {
            Index.Add(CollectionsMarshal.AsSpan(addedIds.ToList()), addedDirections);
        }

        ChangesSinceCheckpoint += removed.Count + addedIds.Count;
        if (ChangesSinceCheckpoint >= Math.Max(CheckpointEvery, Index.Count / 2))
        {
            Checkpoint(background: true);
        }
    }

    public void Dispose()
    {
        try
        {
            WaitForSave();
            if (ChangesSinceCheckpoint > 0 || _unsealed)
            {
                Checkpoint();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FaissException or InvalidOperationException)
        {
            LogCheckpointFailed(_logger, Info.Name, ex.Message);
        }

        Index.Dispose();
        WriteLock.Dispose();
    }

    /// <summary>Deletes the index files of a collection.</summary>
    public static void DeleteFiles(SqliteStorage storage, CollectionInfo info)
    {
        foreach (string suffix in new[] { "exact", "faiss", "faiss.factory" })
        {
            File.Delete(Path.Combine(storage.Directory, $"index_{info.Id}.{suffix}"));
        }
    }

    /// <summary>The database's rows as a seal names them: <c>count:largest id</c>.</summary>
    private string RowsFingerprint()
    {
        using var connection = _storage.Open();
        var (count, max) = Table.Fingerprint(connection);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count}:{max}");
    }

    /// <summary>
    /// The rows fingerprint when the index holds what the database holds (no tombstones, the same count and the same
    /// largest id), else null: a seal without it makes the next open compare the ids one by one.
    /// </summary>
    private string? ConsistentRows()
    {
        if (Tombstones.Count > 0)
        {
            return null;
        }

        using var connection = _storage.Open();
        var (count, max) = Table.Fingerprint(connection);
        if (Index.Count != count)
        {
            return null;
        }

        long indexMax = Index switch
        {
            ExactVectorIndex exact => exact.Ids().DefaultIfEmpty(0).Max(),
            FaissIndex faiss => faiss.Ids().DefaultIfEmpty(0).Max(),
            _ => -1,
        };
        return indexMax == max ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count}:{max}") : null;
    }

    private static IVectorIndex LoadIndex(SqliteStorage storage, CollectionInfo info, ILogger logger, out string? sealedRows)
    {
        sealedRows = null;
        string engine = VectorIndexFactory.Effective(info.Engine, logger, info.Name);
        string path = Path.Combine(storage.Directory, $"index_{info.Id}.{VectorIndexFactory.FileExtension(engine)}");
        if (!File.Exists(path))
        {
            if (HasRows(storage, info))
            {
                LogIndexRebuilt(logger, info.Name, path, "the file is missing");
            }

            return NewIndex(info, engine);
        }

        if (storage.IndexSeal(info) is not string seal)
        {
            LogIndexRebuilt(logger, info.Name, path, "the database has no record of this file (saved by an older version, or interrupted while saving)");
            return NewIndex(info, engine);
        }

        // A file the seal does not vouch for (damaged, replaced by another collection's file, or from another time than
        // the database, as after restoring a backup) cannot be trusted to hold the database's vectors: it is rebuilt.
        const string NotSealed = "the file is not the one the database recorded (damaged, replaced, or from another time)";
        var (checksum, rows) = SqliteStorage.ParseSeal(seal);
        IVectorIndex? loaded = null;
        try
        {
            loaded = Load(engine, path, checksum, IndexOptions(info), out bool intact);
            string? reason = !intact ? NotSealed : loaded!.Dimension != info.Dimension ? "its dimension does not match the collection" : null;
            if (reason is null)
            {
                sealedRows = rows;
                return loaded!;
            }

            LogIndexRebuilt(logger, info.Name, path, reason);
        }
        catch (Exception ex) when (ex is InvalidDataException or FaissException or IOException)
        {
            LogIndexRebuilt(logger, info.Name, path, SqliteStorage.Checksum(path) == checksum ? ex.Message : NotSealed);
        }

        loaded?.Dispose();
        return NewIndex(info, engine);
    }

    /// <summary>
    /// Loads an index file and checks it against its sealed checksum. The managed exact index is hashed as it is read
    /// (the bytes it holds, on another thread); a Faiss file is hashed first and read by Faiss only when it matches.
    /// </summary>
    private static IVectorIndex? Load(string engine, string path, string checksum, FaissIndexOptions options, out bool intact)
    {
        if (engine == VectorIndexFactory.Faiss)
        {
            intact = SqliteStorage.Checksum(path) == checksum;
            return intact ? VectorIndexFactory.Load(engine, path, options) : null;
        }

        // The bytes the index holds are hashed, while the next ones are read; the length is checked by Load.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hash = new System.IO.Hashing.XxHash128();
        var index = ExactVectorIndex.Load(stream, path, null, hash.Append);
        intact = SqliteStorage.Checksum(hash) == checksum;
        return index;
    }

    private static IVectorIndex NewIndex(CollectionInfo info, string engine) =>
        VectorIndexFactory.Create(engine, info.Dimension, IndexOptions(info));

    /// <summary>
    /// Index types that need training (IVF, PQ, SQ) hold their first vectors — searched exactly — and train
    /// themselves once they have enough, so a new collection is usable from its first record.
    /// </summary>
    private static FaissIndexOptions IndexOptions(CollectionInfo info) =>
        new() { Factory = info.IndexFactory, TrainAfter = FaissIndex.SuggestedTrainingSize(info.IndexFactory) };

    private static bool HasRows(SqliteStorage storage, CollectionInfo info)
    {
        using var connection = storage.Open();
        return new RecordTable(info).HasRows(connection);
    }

    /// <summary>Makes the index hold exactly the ids SQLite holds (SQLite is the source of truth).</summary>
    private void Reconcile(CancellationToken cancellationToken)
    {
        using var connection = _storage.Open();
        var inDatabase = Table.Ids(connection, cancellationToken);

        var inIndex = IndexIds();
        long[] missing = [.. inDatabase.Where(id => !inIndex.Contains(id))];
        long[] extra = [.. inIndex.Where(id => !inDatabase.Contains(id))];
        if (missing.Length == 0 && extra.Length == 0)
        {
            return;
        }

        if (extra.Length > 0)
        {
            if (Index.SupportsRemove)
            {
                Index.Remove(extra);
            }
            else
            {
                Tombstones.UnionWith(extra);
            }
        }

        const int Chunk = 4096;
        for (int start = 0; start < missing.Length; start += Chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long[] ids = missing[start..Math.Min(missing.Length, start + Chunk)];
            var (found, directions) = Table.Directions(connection, ids, Info.Dimension);
            Index.Add(found, directions);
        }

        ChangesSinceCheckpoint += missing.Length + extra.Length;
        LogReconciled(_logger, Info.Name, missing.Length, extra.Length);
        if (!_storage.ReadOnly)
        {
            Checkpoint();
        }
    }

    private HashSet<long> IndexIds() => Index switch
    {
        ExactVectorIndex exact => [.. exact.Ids()],
        FaissIndex faiss => faiss.Ids(),
        _ => [],
    };

    private void Rebuild(string reason)
    {
        WaitForSave();
        LogIndexRebuilt(_logger, Info.Name, IndexPath, reason);
        var fresh = NewIndex(Info, VectorIndexFactory.EngineOf(Index));
        using var connection = _storage.Open();
        Table.AllDirections(connection, 4096, (ids, directions) => fresh.Add(CollectionsMarshal.AsSpan(ids), CollectionsMarshal.AsSpan(directions)));
        var old = Index;
        Index = fresh;
        Tombstones.Clear();
        old.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Collection {Collection}: the index is damaged ({What}); searches are refused until the store is reopened and the index rebuilt from the database.")]
    private static partial void LogIndexDamaged(ILogger logger, string collection, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collection {Collection}: the index {Path} is rebuilt from the database ({Reason}).")]
    private static partial void LogIndexRebuilt(ILogger logger, string collection, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collection {Collection}: the index was brought up to date from the database ({Added} added, {Removed} removed).")]
    private static partial void LogReconciled(ILogger logger, string collection, int added, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collection {Collection}: all {Count} norms are ≈ 1 — the embeddings were normalised before they reached the store, so norm-aware ranking has no signal.")]
    private static partial void LogDegenerate(ILogger logger, string collection, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collection {Collection}: saving the index failed ({Message}); it will be brought up to date from the database on the next open.")]
    private static partial void LogCheckpointFailed(ILogger logger, string collection, string message);
}
