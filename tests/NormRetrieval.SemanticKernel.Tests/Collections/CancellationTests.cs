using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Collections;

/// <summary>
/// Each long operation observes its cancellation token between bounded chunks, throws
/// <see cref="OperationCanceledException"/>, and leaves the store consistent: nothing half-written, and the
/// next call answers correctly.
/// </summary>
public sealed class CancellationTests
{
    private const int Records = 3000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("faiss")]
    [InlineData("flat")]
    public async Task A_batch_upsert_cancelled_while_it_is_prepared_stores_nothing(string engine)
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = engine });
        var c = store.GetCollection<string, Tripwire>("c", new NormCollectionOptions());
        await c.EnsureCollectionExistsAsync(Ct);
        using var cts = new CancellationTokenSource();
        var batch = Batch(cts, tripAt: 1500);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.UpsertAsync(batch, cts.Token));
        Assert.Equal(0, await c.CountAsync(Ct));
        Assert.Equal(0, c.IndexCount());

        await c.UpsertAsync(Batch(null, tripAt: -1), Ct);
        Assert.Equal(Records, await c.CountAsync(Ct));
        Assert.Equal("r42", (await c.SearchAsync(Vector(42), 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Id);
    }

    [Fact]
    public async Task A_filtered_scan_and_a_filtered_get_stop_when_cancelled()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = "faiss" });
        var c = store.GetCollection<string, Tripwire>("c", new NormCollectionOptions());
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(Batch(null, tripAt: -1), Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        // Every row matches: the exact scan reads them all unless it stops.
        var options = new VectorSearchOptions<Tripwire> { Filter = t => t.Bucket >= 0 };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.SearchAsync(Vector(7), 5, options, cancelled.Token).ToListAsync(Ct).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.GetAsync(t => t.Bucket >= 0, Records, cancellationToken: cancelled.Token).ToListAsync(Ct).AsTask());

        Assert.Equal("r7", (await c.SearchAsync(Vector(7), 1, options, Ct).SingleAsync(Ct)).Record.Id);
        Assert.Equal(Records, await c.GetAsync(t => t.Bucket >= 0, Records, cancellationToken: Ct).CountAsync(Ct));
    }

    [Theory]
    [InlineData("faiss")]
    [InlineData("flat")]
    public async Task An_index_rebuild_on_open_stops_when_cancelled_and_the_next_open_completes_it(string engine)
    {
        using var temp = new TempStore();
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = engine }))
        {
            var c = store.GetCollection<string, Tripwire>("c", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(Batch(null, tripAt: -1), Ct);
        }

        foreach (string index in Directory.EnumerateFiles(temp.Path, "index_*"))
        {
            File.Delete(index);
        }

        using var reopened = temp.Open(new NormVectorStoreOptions { Engine = engine });
        var again = reopened.GetCollection<string, Tripwire>("c", new NormCollectionOptions());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again.SearchAsync(Vector(11), 1, cancellationToken: cancelled.Token).ToListAsync(Ct).AsTask());
        Assert.Empty(Directory.EnumerateFiles(temp.Path, "index_*"));

        Assert.Equal("r11", (await again.SearchAsync(Vector(11), 1, cancellationToken: Ct).SingleAsync(Ct)).Record.Id);
        Assert.Equal(Records, again.IndexCount());
    }

    private static float[] Vector(int i)
    {
        var v = new float[8];
        v[i % 8] = 1 + (i / 8);
        v[(i / 8) % 8] += 0.5f;
        v[(i * 7 + 3) % 8] += (i % 97) / 50f;
        return v;
    }

    private static List<Tripwire> Batch(CancellationTokenSource? cts, int tripAt) =>
        [.. Enumerable.Range(0, Records).Select(i => new Tripwire { Id = "r" + i, Bucket = i % 10, Vector = Vector(i), OnRead = i == tripAt ? () => cts!.Cancel() : null })];

    /// <summary>A record that cancels a token when the store reads its data, to cancel in the middle of a batch.</summary>
    public sealed class Tripwire
    {
        private int _bucket;

        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData]
        public int Bucket
        {
            get
            {
                OnRead?.Invoke();
                return _bucket;
            }

            set => _bucket = value;
        }

        [VectorStoreVector(8)]
        public float[] Vector { get; set; } = [];

        internal Action? OnRead { get; set; }
    }
}
