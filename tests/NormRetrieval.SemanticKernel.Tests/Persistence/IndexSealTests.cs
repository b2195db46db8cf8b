using NormRetrieval.SemanticKernel;

namespace NormRetrieval.SemanticKernel.Tests.Persistence;

/// <summary>
/// Integrity issue, cases 2 and 3: an index file is bound to its database by a checksum the database keeps.
/// A damaged file, another collection's file, or a file from another time than the database (a restored
/// backup) is rebuilt from the database with a warning — never searched.
/// </summary>
public sealed class IndexSealTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("faiss")]
    [InlineData("flat")]
    public async Task A_clean_close_seals_the_rows_and_a_row_removed_behind_the_stores_back_is_still_reconciled(string engine)
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 120, 4);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = engine }))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            await c.DeleteAsync("h7", Ct);
        }

        // The seal names the rows the index held: 119 rows, the largest id 120 (ids are never reused).
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var read = connection.CreateCommand();
            read.CommandText = "SELECT checksum FROM index_seals;";
            Assert.EndsWith(";rows=119:120", (string)(await read.ExecuteScalarAsync(Ct))!, StringComparison.Ordinal);
        }

        // Reopened with nothing changed: the index is used as saved, and answers as before.
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = engine }))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await TempStore.AssertEachFindsItselfAsync(c, hotels.Where(h => h.Id != "h7").Take(30), 1e-5, Ct);
            Assert.Equal(119, c.IndexCount());
        }

        // A row deleted behind the store's back changes the count: the next open compares ids and drops it from the index.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM records_1 WHERE key = 'h3';";
            Assert.Equal(1, await delete.ExecuteNonQueryAsync(Ct));
        }

        using (var store = temp.Open(new NormVectorStoreOptions { Engine = engine }))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            Assert.Equal(118, c.IndexCount());
            var h3 = hotels.Single(h => h.Id == "h3");
            var hits = await c.SearchAsync(h3.Embedding!, 3, cancellationToken: Ct).ToListAsync(Ct);
            Assert.DoesNotContain(hits, r => r.Record.Id == "h3");
        }
    }

    private static string IndexFile(TempStore temp, string extension) =>
        Directory.GetFiles(temp.Path, "index_*." + extension).Single();

    [Theory]
    [InlineData("faiss", "faiss")]
    [InlineData("flat", "exact")]
    public async Task Case_2_a_byte_flipped_index_file_is_rebuilt_not_searched(string engine, string extension)
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 200, 1);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = engine }))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            store.Checkpoint();
        }

        string path = IndexFile(temp, extension);
        byte[] bytes = await File.ReadAllBytesAsync(path, Ct);
        var rng = new Random(5);
        for (int i = 0; i < 50; i++)
        {
            bytes[bytes.Length - 1 - rng.Next(bytes.Length / 2)] ^= 0x5A;  // inside the vectors
        }

        await File.WriteAllBytesAsync(path, bytes, Ct);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = engine }))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await TempStore.AssertEachFindsItselfAsync(c, hotels.Take(40), 1e-3, Ct);
        }

        Assert.Contains(temp.Logs.Messages, m => m.Contains("is not the one the database recorded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Case_2_swapped_index_files_of_two_collections_are_both_rebuilt()
    {
        using var temp = new TempStore();
        var a = TempStore.RandomHotels("a", 0, 100, 2);
        var b = TempStore.RandomHotels("b", 0, 100, 3);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" }))
        {
            var ca = store.GetCollection<string, Hotel>("a", new NormCollectionOptions());
            var cb = store.GetCollection<string, Hotel>("b", new NormCollectionOptions());
            await ca.EnsureCollectionExistsAsync(Ct);
            await cb.EnsureCollectionExistsAsync(Ct);
            await ca.UpsertAsync(a, Ct);
            await cb.UpsertAsync(b, Ct);
            store.Checkpoint();
        }

        var files = Directory.GetFiles(temp.Path, "index_*.exact").Order().ToArray();
        Assert.Equal(2, files.Length);
        File.Move(files[0], files[0] + ".swap");
        File.Move(files[1], files[0]);
        File.Move(files[0] + ".swap", files[1]);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" }))
        {
            await TempStore.AssertEachFindsItselfAsync(store.GetCollection<string, Hotel>("a", new NormCollectionOptions()), a.Take(20), 1e-3, Ct);
            await TempStore.AssertEachFindsItselfAsync(store.GetCollection<string, Hotel>("b", new NormCollectionOptions()), b.Take(20), 1e-3, Ct);
        }

        Assert.Equal(2, temp.Logs.Messages.Count(m => m.Contains("is not the one the database recorded", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Case_3_an_older_database_restored_under_a_newer_hnsw_index_is_rebuilt_and_upserts_work()
    {
        using var temp = new TempStore();
        var first = TempStore.RandomHotels("k", 0, 100, 4);
        var rewritten = TempStore.RandomHotels("k", 0, 100, 5);   // the same keys, other vectors
        var options = new NormVectorStoreOptions { Engine = "faiss", IndexFactory = "HNSW16" };
        string backup = Path.Combine(Path.GetDirectoryName(temp.Path)!, "backup.db");
        using (var store = temp.Open(options))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(first, Ct);
            store.Checkpoint();
        }

        // A backup of the database (and its WAL, where recent writes still are) taken now, restored after newer writes.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Copy(Path.Combine(temp.Path, "store.db"), backup);
        if (File.Exists(Path.Combine(temp.Path, "store.db-wal")))
        {
            File.Copy(Path.Combine(temp.Path, "store.db-wal"), backup + "-wal");
        }

        using (var store = temp.Open(options))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.UpsertAsync(rewritten, Ct);
            store.Checkpoint();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (string wal in Directory.GetFiles(temp.Path, "store.db-*"))
        {
            File.Delete(wal);
        }

        File.Copy(backup, Path.Combine(temp.Path, "store.db"), overwrite: true);
        if (File.Exists(backup + "-wal"))
        {
            File.Copy(backup + "-wal", Path.Combine(temp.Path, "store.db-wal"));
        }

        using (var store = temp.Open(options))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await TempStore.AssertEachFindsItselfAsync(c, first.Take(20), 1e-3, Ct);     // the database's vectors, not the index file's
            await c.UpsertAsync(rewritten, Ct);                       // no "already in the index"
            await TempStore.AssertEachFindsItselfAsync(c, rewritten.Take(20), 1e-3, Ct);
        }

        Assert.Contains(temp.Logs.Messages, m => m.Contains("is not the one the database recorded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clean_reopen_trusts_the_sealed_file_and_logs_nothing()
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 50, 6);
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
        }

        using (var store = temp.Open())
        {
            await TempStore.AssertEachFindsItselfAsync(store.GetCollection<string, Hotel>("h", new NormCollectionOptions()), hotels.Take(5), 1e-3, Ct);
        }

        Assert.DoesNotContain(temp.Logs.Messages, m => m.Contains("rebuilt", StringComparison.Ordinal));
    }
}

/// <summary>A damaged index that got past the seal (here: a seal forged over a damaged file) answers nothing it cannot vouch for.</summary>
public sealed class ImpossibleScoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cosines_outside_minus_one_to_one_refuse_the_search_and_the_next_open_rebuilds()
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, 50, 9);
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" }))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            store.Checkpoint();
        }

        // Every float of the stored vectors becomes huge (as a byte flip in an exponent does), and the seal is
        // forged to match, as if the damage had happened before the file was sealed.
        string path = Directory.GetFiles(temp.Path, "index_*.exact").Single();
        byte[] bytes = await File.ReadAllBytesAsync(path, Ct);
        int start = bytes.Length - (50 * 4 * 4);   // the exact index's file ends with its vectors
        for (int i = start + 3; i < start + (50 * 16); i += 4)
        {
            bytes[i] = 0x7E;
        }

        await File.WriteAllBytesAsync(path, bytes, Ct);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE index_seals SET checksum = $c;";
            command.Parameters.AddWithValue("$c", NormRetrieval.SemanticKernel.Storage.SqliteStorage.Checksum(path));
            command.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" }))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            var error = await Assert.ThrowsAsync<Microsoft.Extensions.VectorData.VectorStoreException>(() => c.SearchAsync(hotels[3].Embedding!, 3, cancellationToken: Ct).ToListAsync(Ct).AsTask());
            Assert.Contains("is damaged", error.Message, StringComparison.Ordinal);

            // A write after the damage was seen: the close must not save and seal the damaged index again.
            await c.UpsertAsync(TempStore.Hotel("late", 0.5f, 0.5f, 0.5f, 0.5f), Ct);
        }

        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" }))
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            var top = await c.SearchAsync(hotels[3].Embedding!, 1, cancellationToken: Ct).SingleAsync(Ct);
            Assert.Equal("h3", top.Record.Id);
            Assert.InRange(top.Score!.Value, 0.999, 1.001);
            Assert.Equal("late", (await c.SearchAsync(new ReadOnlyMemory<float>([0.5f, 0.5f, 0.5f, 0.5f]), 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Id);
        }
    }
}
