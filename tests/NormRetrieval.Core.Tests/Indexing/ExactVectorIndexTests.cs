using NormRetrieval.Indexing;
using NormRetrieval.Vectors;

namespace NormRetrieval.Tests.Indexing;

public sealed class ExactVectorIndexTests
{
    private static float[] RandomUnitRows(Random rng, int rows, int dim) => TestVectors.RandomUnitRows(rng, rows, dim);

    /// <summary>The reference: score every row with a plain loop, order by score then id.</summary>
    private static (long Id, float Score)[] Naive(Dictionary<long, float[]> rows, ReadOnlySpan<float> query, int k)
    {
        var q = query.ToArray();
        return [.. rows
            .Select(kv => (kv.Key, Score: Dot(kv.Value, q)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Key)
            .Take(k)];
    }

    private static float Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return (float)s;
    }

    private static void AssertMatchesNaive(IVectorIndex index, Dictionary<long, float[]> rows, float[] queries, int k)
    {
        int dim = index.Dimension;
        var results = index.Search(queries, k);
        for (int q = 0; q < queries.Length / dim; q++)
        {
            var expected = Naive(rows, queries.AsSpan(q * dim, dim), k);
            var actual = results.Results(q);
            Assert.Equal(expected.Length, actual.Count);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Score, actual[i].Score, 1e-5f);
                if (i + 1 < expected.Length && Math.Abs(expected[i].Score - expected[i + 1].Score) > 1e-5f &&
                    (i == 0 || Math.Abs(expected[i].Score - expected[i - 1].Score) > 1e-5f))
                {
                    Assert.Equal(expected[i].Id, actual[i].Id);
                }
            }

            Assert.Equal(expected.Select(e => e.Id).Order(), actual.Select(a => a.Id).Order());
            for (int i = expected.Length; i < k; i++)
            {
                Assert.Equal(VectorSearchResults.NoId, results.IdsOf(q)[i]);
                Assert.Equal(float.NegativeInfinity, results.ScoresOf(q)[i]);
            }
        }
    }

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

    [Fact]
    public async Task Concurrent_searches_with_one_writer_never_see_a_torn_state()
    {
        const int dim = 16;
        var rng = new Random(8);
        using var index = new ExactVectorIndex(dim, new ExactVectorIndexOptions { Threads = 1 });

        // Stable rows 0..99 never change; the writer adds and removes rows ≥ 1000 whose vectors are all
        // orthogonal to the probe, so every search must return exactly the stable best match.
        var stable = RandomUnitRows(rng, 100, dim);
        for (int r = 0; r < 100; r++)
        {
            stable[(r * dim) + dim - 1] = 0;
            VectorNorm.Split(stable.AsSpan(r * dim, dim), stable.AsSpan(r * dim, dim));
        }

        index.Add([.. Enumerable.Range(0, 100).Select(i => (long)i)], stable);
        float[] probe = stable.AsSpan(42 * dim, dim).ToArray();
        float[] volatileRow = new float[dim];
        volatileRow[dim - 1] = 1;

        // The writer runs for at least 2 s and until every reader has searched 20 times while it wrote
        // (bounded at 60 s): on a loaded machine a reader may not get a core for a while.
        var searches = new int[3];
        using var hardStop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool writing = true;
        var writer = Task.Run(
            () =>
        {
            long next = 1000;
            while (!hardStop.IsCancellationRequested && (clock.Elapsed < TimeSpan.FromSeconds(2) || searches.Any(n => Volatile.Read(ref n) < 20)))
            {
                index.Add([next], volatileRow);
                if (next % 2 == 0)
                {
                    index.Remove([next - 1, next]);
                }

                next++;
            }

            Volatile.Write(ref writing, false);
        },
            TestContext.Current.CancellationToken);
        var readers = Enumerable.Range(0, 3).Select(reader => Task.Run(
            () =>
        {
            while (Volatile.Read(ref writing))
            {
                var r = index.Search(probe, 3);
                Assert.Equal(42L, r.Ids[0]);
                Assert.Equal(1f, r.Scores[0], 1e-5f);
                Assert.Equal(3, r.Ids.Distinct().Count());
                Interlocked.Increment(ref searches[reader]);
            }
        },
            TestContext.Current.CancellationToken)).ToArray();

        await writer;
        await Task.WhenAll(readers);
        Assert.All(searches, c => Assert.True(c >= 20, $"a reader searched {c} times while the writer wrote"));
    }
}
