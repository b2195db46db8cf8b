using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// The store's SQLite database (WAL, synchronous FULL): the catalog of collections and one records
/// table per collection. Every statement is parameterised; table names derive from numeric ids.
/// </summary>
internal sealed partial class SqliteStorage : IDisposable
{
    public const string SystemName = "normretrieval";

    private readonly string _connectionString;
    private readonly FileStream _lock;

    public SqliteStorage(string directory, NormVectorStoreOptions options)
    {
        Directory = directory;
        DatabasePath = Path.Combine(directory, "store.db");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = options.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        };
        _connectionString = builder.ToString();
        ReadOnly = options.ReadOnly;
        MaxPageCount = options.MaxDatabasePages;
        try
        {
            _lock = new FileStream(Path.Combine(directory, "store.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new VectorStoreException($"The store '{directory}' is open in another process.", ex) { VectorStoreSystemName = SystemName, OperationName = "Open" };
        }

        try
        {
            using var connection = Open();
            if (!ReadOnly)
            {
                Execute(connection, "PRAGMA journal_mode=WAL;");
                Execute(connection, """
                    CREATE TABLE IF NOT EXISTS collections (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL UNIQUE,
                        dimension INTEGER NOT NULL,
                        distance TEXT NOT NULL,
                        engine TEXT NOT NULL,
                        index_factory TEXT NOT NULL,
                        key_type TEXT NOT NULL,
                        statistics TEXT,
                        created TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS index_seals (
                        collection_id INTEGER PRIMARY KEY,
                        checksum TEXT NOT NULL,
                        saved TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS calibrations (
                        collection_id INTEGER PRIMARY KEY,
                        calibration TEXT NOT NULL,
                        checksum INTEGER NOT NULL);
                    """);
                AddRowChecksums(connection);
            }

            SkippedOpenCheck = options.VerifyOnOpen && DatabaseBytes() > options.VerifyOnOpenMaxBytes;
            if (options.VerifyOnOpen && !SkippedOpenCheck)
            {
                using var check = connection.CreateCommand();
                check.CommandText = "PRAGMA quick_check;";
                string result = Convert.ToString(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "no result";
                if (!result.Equals("ok", StringComparison.OrdinalIgnoreCase))
                {
                    throw new VectorStoreException($"The database '{DatabasePath}' is damaged: {result}") { VectorStoreSystemName = SystemName, OperationName = "Open" };
                }
            }
        }
        catch (SqliteException ex)
        {
            _lock.Dispose();
            throw Wrap(ex, "Open", null, DatabasePath);
        }
        catch
        {
            _lock.Dispose();
            throw;
        }

        if (!ReadOnly)
        {
            RestrictPermissions();
        }
    }

    public string Directory { get; }

    /// <summary>Whether the database was too large for the check at open (see <see cref="NormVectorStoreOptions.VerifyOnOpenMaxBytes"/>).</summary>
    public bool SkippedOpenCheck { get; private set; }

    /// <summary>The database's size on disk: its main file and its write-ahead log.</summary>
    public long DatabaseBytes()
    {
        var main = new FileInfo(DatabasePath);
        var wal = new FileInfo(DatabasePath + "-wal");
        return (main.Exists ? main.Length : 0) + (wal.Exists ? wal.Length : 0);
    }

    public string DatabasePath { get; }

    public bool ReadOnly { get; }

    public long? MaxPageCount { get; }

    /// <summary>
    /// The checksum of the index file that was saved last for a collection, as the database recorded it;
    /// null when none was recorded (never saved, saved by an older version, or the seal was broken).
    /// </summary>
    public string? IndexSeal(CollectionInfo info)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT checksum FROM index_seals WHERE collection_id = $id;";
        command.Parameters.AddWithValue("$id", info.Id);
        try
        {
            return command.ExecuteScalar() as string;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            // A read-only open of a store made by a version without seals: no table, so no seal.
            return null;
        }
    }

    /// <summary>Records the checksum of the index file just saved (or forgets it: null), binding the file to this database.</summary>
    public void SealIndex(CollectionInfo info, string? checksum)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = checksum is null
            ? "DELETE FROM index_seals WHERE collection_id = $id;"
            : "INSERT INTO index_seals (collection_id, checksum, saved) VALUES ($id, $checksum, $saved) ON CONFLICT(collection_id) DO UPDATE SET checksum = excluded.checksum, saved = excluded.saved;";
        command.Parameters.AddWithValue("$id", info.Id);
        if (checksum is not null)
        {
            command.Parameters.AddWithValue("$checksum", checksum);
            command.Parameters.AddWithValue("$saved", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        command.ExecuteNonQuery();
    }

    /// <summary>A seal: the index file's checksum, and the rows fingerprint (<c>count:largest id</c>) when the index held exactly the database's rows.</summary>
    public static string Seal(string checksum, string? rows) => rows is null ? checksum : checksum + ";rows=" + rows;

    /// <summary>Reads a seal written by <see cref="Seal"/> (or by 0.2.0 and earlier: the checksum alone).</summary>
    public static (string Checksum, string? Rows) ParseSeal(string seal)
    {
        int split = seal.IndexOf(";rows=", StringComparison.Ordinal);
        return split < 0 ? (seal, null) : (seal[..split], seal[(split + ";rows=".Length)..]);
    }

    /// <summary>The checksum of a file (XxHash128 of its bytes, hex).</summary>
    public static string Checksum(string path)
    {
        var hash = new System.IO.Hashing.XxHash128();
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
        {
            hash.Append(stream);
        }

        return Checksum(hash);
    }

    /// <summary>A checksum as <see cref="Checksum(string)"/> writes it, of what a hash has been given.</summary>
    public static string Checksum(System.IO.Hashing.XxHash128 hash) => Convert.ToHexString(hash.GetCurrentHash());

    /// <summary>Writes a collection's norm statistics in the caller's transaction (with the rows they describe).</summary>
    public static void SaveStatistics(SqliteConnection connection, SqliteTransaction tx, CollectionInfo info, NormRetrieval.Statistics.NormStatistics statistics)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "UPDATE collections SET statistics = $statistics WHERE id = $id;";
        command.Parameters.AddWithValue("$statistics", statistics.ToJson());
        command.Parameters.AddWithValue("$id", info.Id);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Whether a collection's rows carry checksums: always after a writable open (which adds them to tables written
    /// by 0.2.0 and earlier); a read-only open of such an older store reads its rows unchecked.
    /// </summary>
    public bool HasRowChecksums(CollectionInfo info)
    {
        using var connection = Open();
        return HasChecksumColumn(connection, info.Table);
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA cache_size=-16384;");
        if (MaxPageCount is long pages)
        {
            Execute(connection, $"PRAGMA max_page_count={pages};");
        }

        return connection;
    }

    public CollectionInfo? Find(string name)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, dimension, distance, engine, index_factory, key_type, statistics FROM collections WHERE name = $name;";
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public IReadOnlyList<string> List()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM collections ORDER BY name;";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public CollectionInfo Create(string name, int dimension, string distance, string engine, string factory, string keyType)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = """
                INSERT INTO collections (name, dimension, distance, engine, index_factory, key_type, created)
                VALUES ($name, $dimension, $distance, $engine, $factory, $keyType, $created)
                ON CONFLICT(name) DO NOTHING;
                """;
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$dimension", dimension);
            command.Parameters.AddWithValue("$distance", distance);
            command.Parameters.AddWithValue("$engine", engine);
            command.Parameters.AddWithValue("$factory", factory);
            command.Parameters.AddWithValue("$keyType", keyType);
            command.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }

        CollectionInfo info;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "SELECT id, name, dimension, distance, engine, index_factory, key_type, statistics FROM collections WHERE name = $name;";
            command.Parameters.AddWithValue("$name", name);
            using var reader = command.ExecuteReader();
            reader.Read();
            info = Read(reader);
        }

        using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = $"""
                CREATE TABLE IF NOT EXISTS {info.Table} (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL UNIQUE,
                    data TEXT NOT NULL,
                    norm REAL NOT NULL,
                    tokens INTEGER,
                    direction BLOB NOT NULL,
                    checksum INTEGER);
                """;
            command.ExecuteNonQuery();
        }

        tx.Commit();
        return info;
    }

    public void Drop(CollectionInfo info)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        foreach (string table in FullTextIndex.Tables(connection, tx, info).Append(info.Table))
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = $"DROP TABLE IF EXISTS {table};";
            command.ExecuteNonQuery();
        }

        using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "DELETE FROM collections WHERE id = $id; DELETE FROM index_seals WHERE collection_id = $id; DELETE FROM calibrations WHERE collection_id = $id;";
            command.Parameters.AddWithValue("$id", info.Id);
            command.ExecuteNonQuery();
        }

        tx.Commit();
    }

    /// <summary>
    /// Makes the files the store creates — <c>store.db</c> with its <c>-wal</c> and <c>-shm</c>, <c>store.lock</c>
    /// and the <c>index_*</c> files — readable by their owner only (Unix). Nothing else in the folder is
    /// touched, and a symbolic link is never followed (its target may be outside the store). A new folder is
    /// created owner-only by <see cref="NormVectorStore"/>; an existing folder keeps its mode.
    /// </summary>
    public void RestrictPermissions()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (string file in System.IO.Directory.EnumerateFiles(Directory))
        {
            string name = Path.GetFileName(file);
            bool ours = name is "store.db" or "store.db-wal" or "store.db-shm" or "store.db-journal" or "store.lock" || name.StartsWith("index_", StringComparison.Ordinal);
            try
            {
                if (ours && new FileInfo(file).LinkTarget is null)
                {
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
            catch (IOException)
            {
                // A temporary file vanished between listing and chmod.
            }
        }
    }

    public static VectorStoreException Wrap(SqliteException ex, string operation, string? collection, string? database = null)
    {
        string what = ex.SqliteErrorCode switch
        {
            11 or 26 => $"the database{(database is null ? string.Empty : $" '{database}'")} is damaged or is not a NormRetrieval store",
            13 => "the disk is full (nothing of this operation was stored)",
            8 => "the store is read-only (nothing of this operation was stored)",
            _ => "SQLite failed",
        };
        return new VectorStoreException($"{operation} failed: {what}: {ex.Message}", ex)
        {
            VectorStoreSystemName = SystemName,
            CollectionName = collection,
            OperationName = operation,
        };
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _lock.Dispose();
    }

    /// <summary>Adds the checksum column to records tables written before rows carried checksums, and fills it in.</summary>
    private static void AddRowChecksums(SqliteConnection connection)
    {
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT 'records_' || id FROM collections;";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        tables.RemoveAll(t => HasChecksumColumn(connection, t));
        if (tables.Count == 0)
        {
            return;
        }

        connection.CreateFunction<string, string, double, long?, byte[], long>(
            RowChecksum.SqlFunction, (key, data, norm, tokens, direction) => RowChecksum.Compute(key, data, norm, (int?)tokens, direction), isDeterministic: true);
        using var tx = connection.BeginTransaction();
        foreach (string table in tables)
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = $"ALTER TABLE {table} ADD COLUMN checksum INTEGER; UPDATE {table} SET checksum = {RowChecksum.SqlFunction}(key, data, norm, tokens, direction);";
            command.ExecuteNonQuery();
        }

        tx.Commit();
    }

    private static bool HasChecksumColumn(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = 'checksum';";
        command.Parameters.AddWithValue("$table", table);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static CollectionInfo Read(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7));

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
