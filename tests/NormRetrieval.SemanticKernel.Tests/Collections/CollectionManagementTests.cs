using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Collections;

public sealed class CollectionManagementTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Collections_are_created_listed_and_deleted()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var hotels = store.GetCollection<string, Hotel>("hotels");
        Assert.False(await hotels.CollectionExistsAsync(Ct));
        await hotels.EnsureCollectionExistsAsync(Ct);
        await hotels.EnsureCollectionExistsAsync(Ct); // idempotent
        Assert.True(await hotels.CollectionExistsAsync(Ct));
        Assert.True(await store.CollectionExistsAsync("hotels", Ct));
        await store.GetCollection<int, IntRecord>("ints").EnsureCollectionExistsAsync(Ct);
        Assert.Equal(["hotels", "ints"], await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));

        await hotels.UpsertAsync(TempStore.Hotel("a"), Ct);
        await hotels.EnsureCollectionDeletedAsync(Ct);
        Assert.False(await hotels.CollectionExistsAsync(Ct));
        await hotels.EnsureCollectionDeletedAsync(Ct); // idempotent
        Assert.Equal(["ints"], await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));

        // A deleted collection starts empty when created again.
        await hotels.EnsureCollectionExistsAsync(Ct);
        Assert.Null(await hotels.GetAsync("a", cancellationToken: Ct));
        Assert.Equal(0, await ((NormCollection<string, Hotel>)hotels).CountAsync(Ct));
    }

    [Fact]
    public async Task Operations_on_a_missing_collection_fail_clearly()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var hotels = store.GetCollection<string, Hotel>("missing");
        var ex = await Assert.ThrowsAsync<VectorStoreException>(() => hotels.UpsertAsync(TempStore.Hotel("a"), Ct));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Equal("missing", ex.CollectionName);
        await Assert.ThrowsAsync<VectorStoreException>(() => hotels.GetAsync("a", cancellationToken: Ct));
        await Assert.ThrowsAsync<VectorStoreException>(async () => await hotels.SearchAsync(new float[] { 1, 0, 0, 0 }, 3, cancellationToken: Ct).ToListAsync(Ct));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("x'; DROP TABLE collections; --")]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("name with spaces")]
    public void Unsafe_collection_names_are_rejected(string name)
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var ex = Assert.ThrowsAny<ArgumentException>(() => store.GetCollection<string, Hotel>(name));
        Assert.Contains("collection name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collections_persist_across_reopening()
    {
        using var temp = new TempStore();
        using (var store = temp.Open())
        {
            var hotels = store.GetCollection<string, Hotel>("hotels");
            await hotels.EnsureCollectionExistsAsync(Ct);
            await hotels.UpsertAsync([TempStore.Hotel("a", 1, 0, 0, 0), TempStore.Hotel("b", 0, 2, 0, 0)], Ct);
        }

        using (var store = temp.Open())
        {
            var hotels = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("hotels");
            Assert.True(await hotels.CollectionExistsAsync(Ct));
            Assert.Equal(2, await hotels.CountAsync(Ct));
            Assert.Equal(2, hotels.IndexCount());
            Assert.Equal(2, hotels.Statistics.Count);
            var best = await hotels.SearchAsync(new float[] { 0, 1, 0, 0 }, 1, cancellationToken: Ct).SingleAsync(Ct);
            Assert.Equal("b", best.Record.Id);
        }
    }

    [Fact]
    public async Task A_second_process_cannot_open_the_same_store()
    {
        using var temp = new TempStore();
        string worker = System.IO.Path.Combine(AppContext.BaseDirectory, "NormRetrieval.CrashWorker.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [worker, temp.Path, "p", "1"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        try
        {
            Assert.Equal("ready", await process.StandardOutput.ReadLineAsync(Ct));
            var ex = Assert.Throws<VectorStoreException>(() => temp.Open());
            Assert.Contains("open in another process", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task Instances_over_one_folder_in_one_process_share_one_open_store()
    {
        using var temp = new TempStore();
        var first = temp.Open();
        var second = temp.Open();
        var a = first.GetCollection<string, Hotel>("h");
        await a.EnsureCollectionExistsAsync(Ct);
        await a.UpsertAsync(TempStore.Hotel("x", 1, 0, 0, 0), Ct);
        Assert.NotNull(await second.GetCollection<string, Hotel>("h").GetAsync("x", cancellationToken: Ct));
        first.Dispose();

        // The second instance keeps the store open; the folder closes with the last one.
        await second.GetCollection<string, Hotel>("h").UpsertAsync(TempStore.Hotel("y", 0, 1, 0, 0), Ct);
        second.Dispose();
        using var reopened = temp.Open();
        Assert.Equal(2, await ((NormCollection<string, Hotel>)reopened.GetCollection<string, Hotel>("h")).CountAsync(Ct));
    }

    [Fact]
    public async Task Unsupported_distance_functions_and_types_are_rejected()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(string)),
                new VectorStoreVectorProperty("Vector", typeof(float[]), 3) { DistanceFunction = DistanceFunction.EuclideanDistance },
            ],
        };
        var ex = Assert.Throws<NotSupportedException>(() => store.GetDynamicCollection("d", definition));
        Assert.Contains("EuclideanDistance", ex.Message, StringComparison.Ordinal);

        var badData = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(string)),
                new VectorStoreDataProperty("When", typeof(TimeSpan)),
                new VectorStoreVectorProperty("Vector", typeof(float[]), 3),
            ],
        };
        Assert.ThrowsAny<NotSupportedException>(() => store.GetDynamicCollection("d", badData));

        var dimensionless = store.GetCollection<string, Hotel>("h");
        await dimensionless.EnsureCollectionExistsAsync(Ct);
        var metadata = dimensionless.GetService(typeof(VectorStoreCollectionMetadata)) as VectorStoreCollectionMetadata;
        Assert.Equal("normretrieval", metadata!.VectorStoreSystemName);
        Assert.Equal("h", metadata.CollectionName);
        Assert.IsType<VectorStoreMetadata>(store.GetService(typeof(VectorStoreMetadata)));
    }
}
