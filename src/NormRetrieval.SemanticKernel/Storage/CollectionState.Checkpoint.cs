using Microsoft.Data.Sqlite;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;

namespace NormRetrieval.SemanticKernel.Storage;

/// <content>Checkpoints: saving and sealing the index.</content>
internal sealed partial class CollectionState
{
    /// <summary>Saves the index beside the database and seals it; rebuilds it first when tombstones exceed a fifth of it.</summary>
    public void Checkpoint() => Checkpoint(background: false);

    /// <summary>Waits until a background checkpoint has sealed its file, or failed.</summary>
    public void WaitForSave()
    {
        if (_saving is { IsCompleted: false } saving)
        {
            Task.WhenAny(saving).Wait();
        }
    }

    /// <summary>
    /// A checkpoint. In the background (the automatic ones during writes, exact index only), the index's rows are
    /// written and hashed on the thread pool while writes go on, and the seal names the rows the database held when
    /// the save began: rows written meanwhile are reconciled by the next open, as after any checkpoint.
    /// </summary>
    private void Checkpoint(bool background)
    {
        if (_storage.ReadOnly || _damaged)
        {
            return;
        }

        WaitForSave();

        if (Tombstones.Count > 0 && Tombstones.Count * 5 > Index.Count)
        {
            Rebuild("more than a fifth of the index are deleted records");
        }

        if (Index is FaissIndex { PendingCount: > 0 })
        {
            // Vectors still wait for training: there is no trained index to save. Without a file, the next
            // open rebuilds the index from the database (where every vector is), so nothing is lost.
            File.Delete(IndexPath);
            File.Delete(IndexPath + ".factory");
            ChangesSinceCheckpoint = 0;
            return;
        }

        // The seal is broken before the file is replaced and made again after: a crash in between leaves a
        // file the database does not vouch for, which the next open rebuilds.
        _storage.SealIndex(Info, null);
        string checksum;
        if (Index is ExactVectorIndex exact)
        {
            // Hashed as it is written: no second pass over the file.
            var hash = new System.IO.Hashing.XxHash128();
            if (background)
            {
                string? rows = ConsistentRows();
                _saving = exact.SaveInBackground(IndexPath, hash.Append).ContinueWith(save => Sealed(save, hash, rows), TaskScheduler.Default);
                ChangesSinceCheckpoint = 0;
                return;
            }

            exact.Save(IndexPath, hash.Append);
            checksum = SqliteStorage.Checksum(hash);
        }
        else
        {
            Index.Save(IndexPath);
            checksum = SqliteStorage.Checksum(IndexPath);
        }

        _storage.SealIndex(Info, SqliteStorage.Seal(checksum, ConsistentRows()));
        _storage.RestrictPermissions();
        ChangesSinceCheckpoint = 0;
        _unsealed = false;
    }

    /// <summary>Seals what a background save wrote; a failed save leaves the index unsealed (the next open rebuilds it).</summary>
    private void Sealed(Task save, System.IO.Hashing.XxHash128 hash, string? rows)
    {
        try
        {
            save.GetAwaiter().GetResult();
            if (_damaged)
            {
                return;
            }

            _storage.SealIndex(Info, SqliteStorage.Seal(SqliteStorage.Checksum(hash), rows));
            _storage.RestrictPermissions();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException or ObjectDisposedException)
        {
            _unsealed = true;
            LogCheckpointFailed(_logger, Info.Name, ex.Message);
        }
    }
}
