using NormRetrieval.Indexing;
using NormRetrieval.Testing.Indexing;
using NormRetrieval.Vectors;

namespace NormRetrieval.Tests.Indexing;

public sealed class ExactVectorIndexTests
{
    private static float[] RandomUnitRows(Random rng, int rows, int dim) => TestVectors.RandomUnitRows(rng, rows, dim);

    private static void AssertMatchesNaive(IVectorIndex index, Dictionary<long, float[]> rows, float[] queries, int k) =>
        VectorIndexContractTests.AssertMatchesBruteForce(index, rows, queries, k);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(8, 50, 10)]
    [InlineData(64, 3000, 10)]
    [InlineData(384, 2500, 100)]
    public void Search_equals_a_naive_loop_before_and_after_removals_and_after_save_and_load(int dim, int rows, int k)
    {
        var rng = new Random(dim * 31 + rows);
        var data = RandomUnitRows(rng, rows, dim);
        long[] ids = [.. Enumerable.Range(0, rows).Select(i => (long)(i * 7) + 3)];
        var reference = ids.Select((id, i) => (id, data.AsSpan(i * dim, dim).ToArray())).ToDictionary(x => x.id, x => x.Item2);
        var queries = RandomUnitRows(rng, 37, dim);

        using var index = new ExactVectorIndex(dim, new ExactVectorIndexOptions { Threads = 2, RowBlock = 256, QueryBlock = 8 });
        index.Add(ids.AsSpan(0, rows / 2), data.AsSpan(0, rows / 2 * dim));
        index.Add(ids.AsSpan(rows / 2), data.AsSpan(rows / 2 * dim));
        Assert.Equal(rows, index.Count);
        AssertMatchesNaive(index, reference, queries, k);

        long[] removed = [.. ids.Where((_, i) => i % 3 == 0), 999_999_999];
        Assert.Equal(removed.Length - 1, index.Remove(removed));
        foreach (long id in removed)
        {
            reference.Remove(id);
            Assert.False(index.Contains(id));
        }

        Assert.Equal(reference.Count, index.Count);
        AssertMatchesNaive(index, reference, queries, k);

        using var dir = new TempDirectory();
        string path = dir.File("index.nrx");
        index.Save(path);
        using var loaded = ExactVectorIndex.Load(path);
        Assert.Equal(index.Count, loaded.Count);
        AssertMatchesNaive(loaded, reference, queries, k);
        var a = index.Search(queries, k);
        var b = loaded.Search(queries, k);
        Assert.Equal(a.Ids, b.Ids);
        Assert.Equal(a.Scores, b.Scores);
    }

    [Fact]
    public void Vectors_spanning_several_storage_chunks_keep_their_rows_through_growth_removal_save_and_load()
    {
        // Storage grows in chunks of 16,384 rows: batches of awkward sizes cross chunk boundaries, removals move
        // rows from the last chunk into the first, and a file round trip must give back every row unchanged.
        const int dim = 3;
        var rng = new Random(11);
        var reference = new Dictionary<long, float[]>();
        using var index = new ExactVectorIndex(dim, new ExactVectorIndexOptions { Threads = 2 });
        long next = 0;
        foreach (int batch in new[] { 1, 15, 17, 777, 16_000, 16_384, 5, 20_000 })
        {
            var data = RandomUnitRows(rng, batch, dim);
            long[] ids = [.. Enumerable.Range(0, batch).Select(_ => next++)];
            index.Add(ids, data);
            for (int i = 0; i < batch; i++)
            {
                reference[ids[i]] = data.AsSpan(i * dim, dim).ToArray();
            }
        }

        long[] removed = [.. reference.Keys.Where(id => id % 5 == 0 || id < 40)];
        Assert.Equal(removed.Length, index.Remove(removed));
        foreach (long id in removed)
        {
            reference.Remove(id);
        }

        var queries = RandomUnitRows(rng, 5, dim);
        AssertMatchesNaive(index, reference, queries, 10);
        using var dir = new TempDirectory();
        index.Save(dir.File("chunks.nrx"));
        using var loaded = ExactVectorIndex.Load(dir.File("chunks.nrx"));
        var (ids2, vectors) = loaded.Export();
        Assert.Equal(reference.Count, ids2.Length);
        for (int i = 0; i < ids2.Length; i++)
        {
            Assert.Equal(reference[ids2[i]], vectors.AsSpan(i * dim, dim).ToArray());
            Assert.Equal(reference[ids2[i]], index.GetVector(ids2[i]));
        }

        Assert.Equal(index.Ids(), ids2);

        // Observed while loading (the vectors on another thread, in order): exactly the file's bytes.
        var seen = new MemoryStream();
        using (var file = File.OpenRead(dir.File("chunks.nrx")))
        using (var observed = ExactVectorIndex.Load(file, "chunks.nrx", null, bytes => seen.Write(bytes)))
        {
            Assert.Equal(index.Count, observed.Count);
        }

        Assert.Equal(File.ReadAllBytes(dir.File("chunks.nrx")), seen.ToArray());
        loaded.Add([next], [1f, 0f, 0f]);
        Assert.Equal(next, loaded.Search([1f, 0f, 0f], 1).Ids[0]);
    }

    [Fact]
    public async Task A_background_save_writes_the_rows_it_began_with_while_adds_go_on_and_removals_wait()
    {
        const int dim = 4;
        var rng = new Random(12);
        using var index = new ExactVectorIndex(dim);
        var first = RandomUnitRows(rng, 20_000, dim);
        index.Add([.. Enumerable.Range(0, 20_000).Select(i => (long)i)], first);
        using var dir = new TempDirectory();
        using var gate = new ManualResetEventSlim();
        var seen = new MemoryStream();
        var save = index.SaveInBackground(dir.File("bg.nrx"), bytes =>
        {
            gate.Wait(TestContext.Current.CancellationToken);
            seen.Write(bytes);
        });

        // The save is held at its first bytes: adds (into new chunks) and searches go on; a removal waits.
        var more = RandomUnitRows(rng, 30_000, dim);
        index.Add([.. Enumerable.Range(20_000, 30_000).Select(i => (long)i)], more);
        Assert.Equal(50_000, index.Count);
        Assert.Equal(20_005L, index.Search(more.AsSpan(5 * dim, dim), 1).Ids[0]);
        var removal = Task.Run(() => index.Remove([3, 20_003]), TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(removal.IsCompleted);
        Assert.False(save.IsCompleted);
        gate.Set();
        await save;
        Assert.Equal(2, await removal);

        // The file holds exactly the 20,000 rows the save began with; the observer saw exactly its bytes.
        using var loaded = ExactVectorIndex.Load(dir.File("bg.nrx"));
        var (ids, vectors) = loaded.Export();
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (long)i), ids);
        Assert.Equal(first, vectors);
        Assert.Equal(File.ReadAllBytes(dir.File("bg.nrx")), seen.ToArray());
        Assert.Equal(49_998, index.Count);
    }

    [Fact]
    public void Single_thread_batch_and_one_by_one_searches_agree()
    {
        var rng = new Random(5);
        const int dim = 32;
        var data = RandomUnitRows(rng, 1000, dim);
        using var parallel = new ExactVectorIndex(dim, new ExactVectorIndexOptions { Threads = 4, QueryBlock = 3 });
        using var serial = new ExactVectorIndex(dim, new ExactVectorIndexOptions { Threads = 1 });
        long[] ids = [.. Enumerable.Range(0, 1000).Select(i => (long)i)];
        parallel.Add(ids, data);
        serial.Add(ids, data);
        var queries = RandomUnitRows(rng, 20, dim);
        var batch = parallel.Search(queries, 5);
        Assert.Equal(batch.Ids, serial.Search(queries, 5).Ids);
        for (int q = 0; q < 20; q++)
        {
            var one = serial.Search(queries.AsSpan(q * dim, dim), 5);
            Assert.Equal(batch.IdsOf(q).ToArray(), one.Ids);
        }
    }

    [Fact]
    public void A_search_among_given_ids_equals_a_naive_loop_over_them()
    {
        var rng = new Random(12);
        const int dim = 16, rows = 500;
        float[] vectors = [.. Enumerable.Range(0, rows * dim).Select(_ => (float)rng.NextDouble() - 0.5f)];
        using var index = new ExactVectorIndex(dim);
        index.Add([.. Enumerable.Range(0, rows).Select(i => (long)i * 3)], vectors);
        index.Remove([30L, 33L]);
        float[] query = [.. Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble() - 0.5f)];
        long[] allowed = [.. Enumerable.Range(0, rows).Where(i => i % 4 == 1).Select(i => (long)i * 3), 30, 33, 7, -1];
        var expected = allowed.Where(id => id >= 0 && id % 3 == 0 && id / 3 < rows && id != 30 && id != 33)
            .Select(id => (Id: id, Score: System.Numerics.Tensors.TensorPrimitives.Dot(query, vectors.AsSpan((int)(id / 3) * dim, dim))))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id).Take(10).ToList();
        var actual = index.SearchAmong(query, 10, allowed);
        Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.Id));
        Assert.Equal(expected.Select(e => e.Score), actual.Select(a => a.Score));
        Assert.Empty(index.SearchAmong(query, 5, [1L, 2L]));
        Assert.Throws<ArgumentException>(() => index.SearchAmong(new float[3], 5, [0L]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.SearchAmong(query, 0, [0L]));
    }

    [Fact]
    public void Ties_are_broken_by_the_smaller_id()
    {
        using var index = new ExactVectorIndex(2);
        index.Add([9, 4, 7], [1, 0, 1, 0, 1, 0]);
        Assert.Equal([4L, 7L], index.Search([1f, 0f], 2).Ids);
    }

    [Fact]
    public void Empty_index_and_large_k_pad_with_no_id()
    {
        using var index = new ExactVectorIndex(3);
        var empty = index.Search([1f, 0f, 0f], 4);
        Assert.All(empty.Ids, id => Assert.Equal(VectorSearchResults.NoId, id));
        index.Add([1], [0f, 1f, 0f]);
        var one = index.Search([0f, 1f, 0f], 4);
        Assert.Equal([1L, -1, -1, -1], one.Ids);
        Assert.Equal(1f, one.Scores[0]);
    }

    [Fact]
    public void Bad_arguments_get_typed_errors_and_leave_the_index_unchanged()
    {
        using var index = new ExactVectorIndex(2);
        index.Add([1], [1f, 0f]);
        Assert.Equal(VectorProblem.DimensionMismatch, Assert.Throws<InvalidVectorException>(() => index.Add([2], [1f, 0f, 0f])).Problem);
        Assert.Equal(VectorProblem.NotFinite, Assert.Throws<InvalidVectorException>(() => index.Add([2, 3], [1f, 0f, float.NaN, 0f])).Problem);
        Assert.Throws<ArgumentException>(() => index.Add([1], [0f, 1f]));
        Assert.Throws<ArgumentException>(() => index.Add([5, 5], [0f, 1f, 1f, 0f]));
        Assert.Throws<ArgumentException>(() => index.Add([-1], [0f, 1f]));
        Assert.Equal(1, index.Count);
        Assert.False(index.Contains(2));
        Assert.False(index.Contains(5));
        Assert.Throws<InvalidVectorException>(() => index.Search([1f, 0f, 0f], 1));
        Assert.Throws<InvalidVectorException>(() => index.Search(ReadOnlySpan<float>.Empty, 1));
        Assert.Throws<InvalidVectorException>(() => index.Search([float.PositiveInfinity, 0f], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1f, 0f], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExactVectorIndex(0));
        Assert.Equal([1f, 0f], index.GetVector(1)!);
        Assert.Null(index.GetVector(2));
    }

    [Fact]
    public void Damaged_files_are_rejected_on_load()
    {
        using var dir = new TempDirectory();
        using var index = new ExactVectorIndex(4);
        index.Add([1, 2], RandomUnitRows(new Random(1), 2, 4));
        string path = dir.File("i.nrx");
        index.Save(path);
        byte[] bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(dir.File("truncated"), bytes[..^3]);
        Assert.Throws<InvalidDataException>(() => ExactVectorIndex.Load(dir.File("truncated")));

        File.WriteAllText(dir.File("garbage"), "definitely not an index");
        Assert.Throws<InvalidDataException>(() => ExactVectorIndex.Load(dir.File("garbage")));

        byte[] repeated = (byte[])bytes.Clone();
        Array.Copy(repeated, 20, repeated, 28, 8); // second id := first id
        File.WriteAllBytes(dir.File("repeated"), repeated);
        Assert.Throws<InvalidDataException>(() => ExactVectorIndex.Load(dir.File("repeated")));

        Assert.Throws<FileNotFoundException>(() => ExactVectorIndex.Load(dir.File("missing")));
        Assert.False(File.Exists(path + ".tmp"));
    }

}

/// <summary>The IVectorIndex contract on the managed exact index.</summary>
public sealed class ExactVectorIndexContractTests : VectorIndexContractTests
{
    protected override IVectorIndex Create(int dimension) => new ExactVectorIndex(dimension, new ExactVectorIndexOptions { Threads = 1 });

    protected override IVectorIndex Load(string path) => ExactVectorIndex.Load(path);
}
