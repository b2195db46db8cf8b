using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.SemanticKernel.Storage;

namespace NormRetrieval.SemanticKernel;

/// <content>Backup and verification.</content>
public sealed partial class NormVectorStore
{
    /// <summary>
    /// Copies the whole store into a new folder while it stays open: every collection's index is saved and
    /// sealed, then the database is copied with SQLite's online backup (recent writes in the WAL included)
    /// and the index files beside it, all under the collections' write locks, so the copy is one consistent
    /// moment that opens as a store of its own.
    /// </summary>
    /// <param name="destination">A folder that does not exist yet or is empty.</param>
    /// <param name="cancellationToken">Cancels the call before the copy starts.</param>
    /// <returns>A task that completes when the copy is complete.</returns>
    /// <exception cref="ArgumentException">The destination is this store's folder or is not empty.</exception>
    public async Task BackupAsync(string destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        string target = Path.GetFullPath(destination);
        if (string.Equals(target.TrimEnd('/'), Path.GetFullPath(Directory).TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new ArgumentException("A backup cannot be written into the store's own folder.", nameof(destination));
        }

        if (System.IO.Directory.Exists(target) && System.IO.Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new ArgumentException($"The backup folder '{target}' is not empty.", nameof(destination));
        }

        var states = Storage.List().Select(name => GetState(name, cancellationToken)).OfType<CollectionState>().ToList();
        var held = new List<CollectionState>();
        try
        {
            foreach (var state in states)
            {
                await state.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                held.Add(state);
            }

            cancellationToken.ThrowIfCancellationRequested();
            System.IO.Directory.CreateDirectory(target);
            foreach (var state in states)
            {
                state.Checkpoint();
            }

            using (var source = Storage.Open())
            using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(target, "store.db"), Pooling = false }.ToString()))
            {
                copy.Open();
                source.BackupDatabase(copy);
            }

            foreach (var state in states)
            {
                foreach (string file in new[] { state.IndexPath, state.IndexPath + ".factory" }.Where(File.Exists))
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                }
            }
        }
        catch (SqliteException ex)
        {
            throw SqliteStorage.Wrap(ex, "Backup", null);
        }
        finally
        {
            foreach (var state in held)
            {
                state.WriteLock.Release();
            }
        }
    }

    /// <summary>
    /// Checks the whole store without changing it: the database's own integrity check; for every collection,
    /// that its saved index file is the one the database sealed, that every row matches its checksum and reads
    /// back (data JSON an object, a positive finite norm, a unit direction of the collection's dimension), and
    /// that the stored norm statistics describe the rows.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call between rows.</param>
    /// <returns>What was found; <see cref="StoreVerification.IsHealthy"/> when nothing.</returns>
    public Task<StoreVerification> VerifyAsync(CancellationToken cancellationToken = default) => Verify(null, cancellationToken);

    /// <summary>Checks the database's integrity and one collection (as <see cref="VerifyAsync(CancellationToken)"/> does for all).</summary>
    /// <param name="collection">The collection to check.</param>
    /// <param name="cancellationToken">Cancels the call between rows.</param>
    /// <returns>What was found; <see cref="StoreVerification.IsHealthy"/> when nothing.</returns>
    /// <exception cref="VectorStoreException">The collection does not exist.</exception>
    public Task<StoreVerification> VerifyAsync(string collection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(collection);
        return Verify(collection, cancellationToken);
    }

    private Task<StoreVerification> Verify(string? only, CancellationToken cancellationToken) => Run(
        () =>
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (only is not null && Storage.Find(only) is null)
            {
                throw new VectorStoreException($"The collection '{only}' does not exist in the store '{Directory}'.") { VectorStoreSystemName = SqliteStorage.SystemName, VectorStoreName = Directory, CollectionName = only, OperationName = "Verify" };
            }

            var problems = new List<string>();
            long rows = 0;
            using var connection = Storage.Open();
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA integrity_check;";
                using var reader = check.ExecuteReader();
                while (reader.Read())
                {
                    string line = reader.GetString(0);
                    if (!line.Equals("ok", StringComparison.OrdinalIgnoreCase))
                    {
                        problems.Add("database: " + line);
                    }
                }
            }

            foreach (string name in only is null ? Storage.List() : [only])
            {
                var info = Storage.Find(name)!;
                string engine = VectorIndexFactory.Effective(info.Engine);
                string path = Path.Combine(Directory, $"index_{info.Id}.{VectorIndexFactory.FileExtension(engine)}");
                if (File.Exists(path) && (Storage.IndexSeal(info) is not string seal || SqliteStorage.ParseSeal(seal).Checksum != SqliteStorage.Checksum(path)))
                {
                    problems.Add($"{name}: the index file {Path.GetFileName(path)} is not the one the database sealed (the next open rebuilds it)");
                }

                rows += VerifyRows(connection, info, problems, cancellationToken);
                problems.AddRange(FullTextIndex.Verify(connection, info).Select(p => $"{name}: {p}"));
                if (Storage.ReadCalibration(info) is { } calibration)
                {
                    string? damage = !calibration.Intact ? "its checksum does not match" : null;
                    try
                    {
                        _ = damage is null ? NormRetrieval.Calibration.PolicyCalibration.FromJson(calibration.Json) : null;
                    }
                    catch (FormatException ex)
                    {
                        damage = ex.Message;
                    }

                    if (damage is not null)
                    {
                        problems.Add($"{name}: the stored calibration is damaged ({damage}); calibrate again or remove it (calibrate --clear)");
                    }
                }
            }

            return new StoreVerification(problems, rows);
        },
        "Verify",
        null);

    private long VerifyRows(SqliteConnection connection, CollectionInfo info, List<string> problems, CancellationToken cancellationToken)
    {
        long count = 0;
        var recomputed = new NormRetrieval.Statistics.NormStatistics();
        new RecordTable(info, Storage.HasRowChecksums(info)).ForEach(
            connection,
            null,
            row =>
            {
                count++;
                string? problem = RowProblem(row.Data, row.Norm, row.Direction, info.Dimension);
                if (!row.Intact)
                {
                    problem = "its bytes no longer match the checksum it was written with" + (problem is null ? string.Empty : $" ({problem})");
                }

                if (problem is not null)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"{info.Name}: record '{row.Key}': {problem}"));
                }
                else
                {
                    recomputed.Add(row.Norm, MemoryMarshal.Cast<byte, float>(row.Direction), row.Tokens);
                }
            },
            cancellationToken);

        // The statistics norm policies rank by must describe the rows (checked only when every row is sound).
        var stored = info.Statistics is null ? new NormRetrieval.Statistics.NormStatistics() : NormRetrieval.Statistics.NormStatistics.FromJson(info.Statistics);
        if (recomputed.Count == count && (stored.Count != recomputed.Count || Math.Abs(stored.MeanLogNorm - recomputed.MeanLogNorm) > 1e-6))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{info.Name}: the stored norm statistics ({stored.Count} records, mean log norm {stored.MeanLogNorm:G6}) do not describe the rows ({recomputed.Count}, {recomputed.MeanLogNorm:G6})"));
        }

        return count;
    }

    private static string? RowProblem(string data, double norm, byte[] direction, int dimension)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(data);
            if (json.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                return "its data is not a JSON object";
            }
        }
        catch (System.Text.Json.JsonException ex)
        {
            return "its data is not valid JSON (" + ex.Message + ")";
        }

        if (!double.IsFinite(norm) || norm <= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"its norm {norm} is not positive and finite");
        }

        if (direction.Length != dimension * sizeof(float))
        {
            return string.Create(CultureInfo.InvariantCulture, $"its direction has {direction.Length} bytes, not {dimension * sizeof(float)}");
        }

        double length = System.Numerics.Tensors.TensorPrimitives.Norm(MemoryMarshal.Cast<byte, float>(direction));
        return Math.Abs(length - 1) > 1e-3 ? string.Create(CultureInfo.InvariantCulture, $"its direction has length {length:G6}, not 1") : null;
    }
}

/// <summary>What <see cref="NormVectorStore.VerifyAsync(CancellationToken)"/> found.</summary>
/// <param name="Problems">One line per problem; empty when the store is healthy.</param>
/// <param name="Records">Records read.</param>
public sealed record StoreVerification(IReadOnlyList<string> Problems, long Records)
{
    /// <summary>True when nothing was found.</summary>
    public bool IsHealthy => Problems.Count == 0;
}
