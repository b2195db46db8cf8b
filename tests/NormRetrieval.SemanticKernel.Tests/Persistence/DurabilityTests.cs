using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Vectors;

namespace NormRetrieval.SemanticKernel.Tests.Persistence;

public sealed class DurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task SeedAsync(TempStore temp, string engine = "flat", string factory = "Flat")
    {
        using var store = temp.Open(new NormVectorStoreOptions { Engine = engine, IndexFactory = factory });
        var c = store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(Enumerable.Range(0, 50).Select(i => TempStore.Hotel("k" + i, i + 1, i % 7, 1, 2)), Ct);
    }

    [Fact]
    public async Task A_database_larger_than_VerifyOnOpenMaxBytes_opens_without_quick_check_and_says_so()
    {
        using var temp = new TempStore();
        await SeedAsync(temp);

        // Damage the records table's root page header: quick_check sees it.
        string db = Path.Combine(temp.Path, "store.db");
        long root, pageSize;
        using (var connection = new SqliteConnection($"Data Source={db}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = 'records_1';";
            root = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            command.CommandText = "PRAGMA page_size;";
            pageSize = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        SqliteConnection.ClearAllPools();
        using (var file = new FileStream(db, FileMode.Open, FileAccess.Write))
        {
            file.Position = (root - 1) * pageSize;
            file.WriteByte(0x07);
        }

        // Within the limit (the default, 256 MiB), the damage is reported at open.
        var refused = Assert.Throws<VectorStoreException>(() => temp.Open());
        Assert.Contains("is damaged", refused.Message, StringComparison.Ordinal);

        // Above it, the store opens without the whole-file read and says so; verification still finds the damage
        // (here it cannot even read the table: a typed error, not a clean report).
        using var store = temp.Open(new NormVectorStoreOptions { VerifyOnOpenMaxBytes = 1 });
        Assert.Contains(temp.Logs.Messages, m => m.Contains("opened without quick_check", StringComparison.Ordinal));
        var verify = await Assert.ThrowsAsync<VectorStoreException>(() => store.VerifyAsync(Ct));
        Assert.Contains("damaged", verify.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flat", "Flat", "index_1.exact")]
    [InlineData("faiss", "Flat", "index_1.faiss")]
    [InlineData("faiss", "HNSW16", "index_1.faiss")]
    public async Task A_damaged_or_missing_index_is_rebuilt_from_the_database_with_a_warning(string engine, string factory, string file)
    {
        foreach (bool damage in new[] { true, false })
        {
            using var temp = new TempStore();
            await SeedAsync(temp, engine, factory);
            string path = Path.Combine(temp.Path, file);
            Assert.True(File.Exists(path));
            if (damage)
            {
                File.WriteAllText(path, "garbage");
            }
            else
            {
                File.Delete(path);
            }

            using var store = temp.Open();
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            Assert.Equal(50, await c.CountAsync(Ct));
            Assert.Equal(50, c.IndexCount());
            Assert.Contains(temp.Logs.Messages, m => m.StartsWith("Warning", StringComparison.Ordinal) && m.Contains("rebuilt from the database", StringComparison.Ordinal));
            var hit = await c.SearchAsync(new float[] { 3, 1, 2, 1 }, 1, cancellationToken: Ct).SingleAsync(Ct);
            Assert.NotNull(hit.Record);
        }
    }

    [Fact]
    public async Task A_damaged_database_is_a_clear_error()
    {
        using var temp = new TempStore();
        await SeedAsync(temp);
        string db = Path.Combine(temp.Path, "store.db");
        foreach (string extra in new[] { "-wal", "-shm" })
        {
            File.Delete(db + extra);
        }

        byte[] bytes = File.ReadAllBytes(db);
        for (int i = 100; i < bytes.Length; i += 7)
        {
            bytes[i] ^= 0x5A;
        }

        File.WriteAllBytes(db, bytes);
        var ex = Assert.ThrowsAny<VectorStoreException>(() => temp.Open());
        Assert.Contains("damaged", ex.Message, StringComparison.Ordinal);

        File.WriteAllText(db, "this is not a database at all, just text that is long enough to be a header.....");
        var ex2 = Assert.ThrowsAny<VectorStoreException>(() => temp.Open());
        Assert.Contains("damaged", ex2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_gets_typed_errors_and_loses_nothing()
    {
        using var temp = new TempStore();
        await SeedAsync(temp);
        using var store = temp.Open();
        var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");

        var wrong = TempStore.Hotel("new1", 1, 2, 3);
        Assert.Equal(VectorProblem.DimensionMismatch, (await Assert.ThrowsAsync<InvalidVectorException>(() => c.UpsertAsync([TempStore.Hotel("new0"), wrong], Ct))).Problem);
        Assert.Equal(VectorProblem.NotFinite, (await Assert.ThrowsAsync<InvalidVectorException>(() => c.UpsertAsync(TempStore.Hotel("new2", 1, float.NaN, 0, 0), Ct))).Problem);
        Assert.Equal(VectorProblem.NotFinite, (await Assert.ThrowsAsync<InvalidVectorException>(() => c.UpsertAsync(TempStore.Hotel("new3", float.PositiveInfinity, 0, 0, 0), Ct))).Problem);
        Assert.Equal(VectorProblem.Zero, (await Assert.ThrowsAsync<InvalidVectorException>(() => c.UpsertAsync(TempStore.Hotel("new4", 0, 0, 0, 0), Ct))).Problem);
        await Assert.ThrowsAsync<ArgumentNullException>(() => c.UpsertAsync(new Hotel { Id = null!, Embedding = [1, 2, 3, 4] }, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => c.UpsertAsync((Hotel)null!, Ct));
        var noVector = TempStore.Hotel("new5");
        noVector.Embedding = null;
        await Assert.ThrowsAsync<ArgumentException>(() => c.UpsertAsync(noVector, Ct));
        var nan = TempStore.Hotel("new6");
        nan.Score = double.NaN;
        await Assert.ThrowsAsync<ArgumentException>(() => c.UpsertAsync(nan, Ct));
        await Assert.ThrowsAsync<InvalidVectorException>(() => c.SearchAsync(new float[] { 1, 2 }, 3, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<InvalidVectorException>(() => c.SearchAsync(new float[4], 3, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => c.SearchAsync(new float[] { 1, 0, 0, 0 }, 0, cancellationToken: Ct).ToListAsync(Ct).AsTask());

        Assert.Equal(50, await c.CountAsync(Ct));
        Assert.Equal(50, c.IndexCount());
        Assert.Null(await c.GetAsync("new0", cancellationToken: Ct)); // the valid record of the failed batch was not written either
    }

    [Fact]
    public async Task A_full_disk_and_a_read_only_store_fail_without_losing_anything()
    {
        using var temp = new TempStore();
        await SeedAsync(temp);

        // Full disk, simulated by capping the database's pages at its current size.
        long pages = new FileInfo(Path.Combine(temp.Path, "store.db")).Length / 4096;
        using (var store = temp.Open(new NormVectorStoreOptions { MaxDatabasePages = pages + 1 }))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            var big = Enumerable.Range(0, 2000).Select(i => TempStore.Hotel("big" + i, i + 1, 1, 1, 1)).ToList();
            var ex = await Assert.ThrowsAsync<VectorStoreException>(() => c.UpsertAsync(big, Ct));
            Assert.Contains("disk is full", ex.Message, StringComparison.Ordinal);
            Assert.Equal("Upsert", ex.OperationName);
            Assert.Equal(50, await c.CountAsync(Ct));
            Assert.Equal(50, c.IndexCount());
            Assert.Equal(50, c.Statistics.Count);
        }

        using (var store = temp.Open(new NormVectorStoreOptions { ReadOnly = true }))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            var ex = await Assert.ThrowsAsync<VectorStoreException>(() => c.UpsertAsync(TempStore.Hotel("ro"), Ct));
            Assert.Contains("read-only", ex.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<VectorStoreException>(() => c.DeleteAsync("k1", Ct));
            Assert.Equal(50, await c.CountAsync(Ct));
            Assert.NotNull(await c.GetAsync("k1", cancellationToken: Ct));
        }

        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            Assert.Equal(50, await c.CountAsync(Ct));
            Assert.Equal(50, c.IndexCount());
        }
    }

    [Fact]
    public async Task The_folder_and_files_are_private_and_keys_never_become_paths()
    {
        using var temp = new TempStore();
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync([TempStore.Hotel("../../etc/passwd"), TempStore.Hotel("/tmp/x"), TempStore.Hotel("'; DROP TABLE collections; --")], Ct);
            Assert.NotNull(await c.GetAsync("../../etc/passwd", cancellationToken: Ct));
            Assert.NotNull(await c.GetAsync("'; DROP TABLE collections; --", cancellationToken: Ct));
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.Path));
            foreach (string file in Directory.EnumerateFiles(temp.Path))
            {
                Assert.True((File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0, file);
            }
        }

        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(temp.Path)!), p => p != temp.Path);
    }

    [Fact]
    public async Task Parallel_searches_with_one_writer_see_no_torn_or_duplicate_results()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = "faiss" });
        var c = store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(Enumerable.Range(0, 200).Select(i => TempStore.Hotel("s" + i, 1, 0.01f * i, 0, 1)), Ct);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var writer = Task.Run(
            async () =>
            {
                int n = 0;
                while (!stop.IsCancellationRequested)
                {
                    // Rewrites keep every record's direction; new keys point elsewhere.
                    await c.UpsertAsync([TempStore.Hotel("s" + (n % 200), 1 + (n % 3), 0.01f * (n % 200), 0, 1), TempStore.Hotel("w" + n, 0, 1, 0, 0)], Ct);
                    if (n % 3 == 0)
                    {
                        await c.DeleteAsync("w" + n, Ct);
                    }

                    n++;
                }

                return n;
            },
            Ct);
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(
            async () =>
            {
                int n = 0;
                while (!stop.IsCancellationRequested)
                {
                    var results = await c.SearchAsync(new float[] { 1, 0.5f, 0, 1 }, 10, cancellationToken: Ct).ToListAsync(Ct);
                    Assert.Equal(10, results.Count);
                    Assert.Equal(10, results.Select(r => r.Record.Id).Distinct().Count());
                    Assert.All(results, r => Assert.StartsWith("s", r.Record.Id, StringComparison.Ordinal));
                    Assert.All(results, r => Assert.NotNull(r.Record.Name));
                    n++;
                }

                return n;
            },
            Ct)).ToArray();
        int writes = await writer;
        int[] searches = await Task.WhenAll(readers);
        Assert.True(writes > 10, $"{writes} writes");
        Assert.All(searches, n => Assert.True(n > 10, $"{n} searches"));
    }
}
