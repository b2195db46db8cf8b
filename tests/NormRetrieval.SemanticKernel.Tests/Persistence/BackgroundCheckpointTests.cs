using NormRetrieval.Indexing;
using NormRetrieval.SemanticKernel;
using NormRetrieval.SemanticKernel.Storage;

namespace NormRetrieval.SemanticKernel.Tests.Persistence;

/// <summary>
/// The automatic checkpoints of an exact collection save its index in the background while writes go on: the
/// seal names the rows the save began with, a failed save leaves the index unsealed (never a file the database
/// does not vouch for), and closing the store checkpoints again.
/// </summary>
public sealed class BackgroundCheckpointTests
{
    private const int Rows = CollectionState.CheckpointEvery;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string?> SealAsync(TempStore temp)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT checksum FROM index_seals;";
        return (string?)await read.ExecuteScalarAsync(Ct);
    }

    [Fact]
    public async Task An_automatic_checkpoint_seals_the_rows_it_began_with_while_writes_go_on()
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, Rows + 1_000, 41);
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels.Take(Rows), Ct); // the checkpoint starts here, in the background
            var state = store.GetState("h", Ct)!;
            await c.UpsertAsync(hotels.Skip(Rows), Ct);
            await c.DeleteAsync("h5", Ct); // a removal waits for the save (it would move rows the save reads)
            state.WaitForSave();

            Assert.EndsWith($";rows={Rows}:{Rows}", await SealAsync(temp), StringComparison.Ordinal);
            using var saved = ExactVectorIndex.Load(Path.Combine(temp.Path, "index_1.exact"));
            Assert.Equal(Rows, saved.Count);
            Assert.Equal(Rows + 999, c.IndexCount());
        }

        // Closed cleanly: the last checkpoint seals every row, and the reopen uses the file as it is.
        Assert.EndsWith($";rows={Rows + 999}:{Rows + 1_000}", await SealAsync(temp), StringComparison.Ordinal);
        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            Assert.Equal(Rows + 999, c.IndexCount());
            await TempStore.AssertEachFindsItselfAsync(c, hotels.Where((_, i) => i % 5_000 == 7), 1e-5, Ct);
            Assert.DoesNotContain(temp.Logs.Messages, m => m.Contains("rebuilt", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_failed_background_save_leaves_the_index_unsealed_and_the_close_checkpoints_again()
    {
        using var temp = new TempStore();
        var hotels = TempStore.RandomHotels("h", 0, Rows + 10, 42);
        using (var store = temp.Open())
        {
            var c = store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);

            // A directory where the save's temporary file goes: the background save fails.
            string blocker = Path.Combine(temp.Path, "index_1.exact.tmp");
            Directory.CreateDirectory(blocker);
            await c.UpsertAsync(hotels.Take(Rows), Ct);
            store.GetState("h", Ct)!.WaitForSave();
            Assert.Contains(temp.Logs.Messages, m => m.Contains("saving the index failed", StringComparison.Ordinal));
            Assert.Null(await SealAsync(temp));
            Assert.False(File.Exists(Path.Combine(temp.Path, "index_1.exact")));

            await c.UpsertAsync(hotels.Skip(Rows), Ct); // below the next checkpoint's threshold
            Directory.Delete(blocker);
        }

        Assert.EndsWith($";rows={Rows + 10}:{Rows + 10}", await SealAsync(temp), StringComparison.Ordinal);
        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h", new NormCollectionOptions());
            Assert.Equal(Rows + 10, c.IndexCount());
            Assert.DoesNotContain(temp.Logs.Messages, m => m.Contains("rebuilt", StringComparison.Ordinal));
        }
    }
}
