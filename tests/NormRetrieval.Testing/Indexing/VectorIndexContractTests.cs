using NormRetrieval.Indexing;
using NormRetrieval.Vectors;

namespace NormRetrieval.Testing.Indexing;

/// <summary>
/// What every <see cref="IVectorIndex"/> engine must do the same way (an abstract suite: each engine's test
/// project derives from it once per exact configuration): inner-product top-k equal to a brute-force
/// reference, empty slots as id −1 and score −∞, typed errors for bad input, removal, a save/load round
/// trip, and concurrent searches with one writer that never see a torn state.
/// </summary>
public abstract class VectorIndexContractTests
{
    /// <summary>An empty index of the engine under test (exact search: Flat or the managed index).</summary>
    protected abstract IVectorIndex Create(int dimension);

    /// <summary>Reads an index the engine saved.</summary>
    protected abstract IVectorIndex Load(string path);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(50, 8, 5)]
    [InlineData(300, 32, 10)]
    [InlineData(7, 4, 20)]
    public void Search_equals_brute_force(int rows, int dim, int k)
    {
        var rng = new Random((rows * 31) + dim);
        using var index = Create(dim);
        var vectors = TestVectors.RandomUnitRows(rng, rows, dim);
        long[] ids = [.. Enumerable.Range(0, rows).Select(i => (long)(i * 7) + 3)];
        index.Add(ids, vectors);
        var reference = ids.Select((id, i) => (id, vectors.AsSpan(i * dim, dim).ToArray())).ToDictionary(p => p.id, p => p.Item2);
        AssertMatchesBruteForce(index, reference, TestVectors.RandomUnitRows(rng, 4, dim), k);
    }

    [Fact]
    public void Empty_slots_are_id_minus_one_and_score_minus_infinity()
    {
        using var index = Create(4);
        index.Add([5, 6], TestVectors.RandomUnitRows(new Random(2), 2, 4));
        var results = index.Search(TestVectors.RandomUnitRows(new Random(3), 1, 4), 4);
        Assert.Equal(2, results.Results(0).Count);
        Assert.Equal([VectorSearchResults.NoId, VectorSearchResults.NoId], results.IdsOf(0)[2..].ToArray());
        Assert.All(results.ScoresOf(0)[2..].ToArray(), s => Assert.Equal(float.NegativeInfinity, s));
    }

    [Fact]
    public void Bad_input_is_a_typed_error_and_changes_nothing()
    {
        using var index = Create(4);
        index.Add([1], TestVectors.RandomUnitRows(new Random(4), 1, 4));
        Assert.Throws<ArgumentException>(() => index.Add([1], TestVectors.RandomUnitRows(new Random(5), 1, 4)));
        Assert.Throws<ArgumentException>(() => index.Add([2, 2], TestVectors.RandomUnitRows(new Random(5), 2, 4)));
        var wrong = Assert.Throws<InvalidVectorException>(() => index.Add([3], new float[5]));
        Assert.Equal(VectorProblem.DimensionMismatch, wrong.Problem);
        Assert.Throws<InvalidVectorException>(() => index.Search(new float[3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[4], 0));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Removed_vectors_are_never_found_again()
    {
        using var index = Create(8);
        if (!index.SupportsRemove)
        {
            Assert.Throws<NotSupportedException>(() => index.Remove([1]));
            return;
        }

        var vectors = TestVectors.RandomUnitRows(new Random(6), 20, 8);
        index.Add([.. Enumerable.Range(0, 20).Select(i => (long)i)], vectors);
        Assert.Equal(2, index.Remove([3, 4, 99]));
        Assert.Equal(18, index.Count);
        var results = index.Search(vectors.AsSpan(3 * 8, 8), 20);
        Assert.DoesNotContain(3L, results.IdsOf(0).ToArray());
        Assert.DoesNotContain(4L, results.IdsOf(0).ToArray());
    }

    [Fact]
    public void Save_and_load_give_the_same_answers()
    {
        using var dir = new TempDirectory();
        var vectors = TestVectors.RandomUnitRows(new Random(7), 40, 8);
        using var index = Create(8);
        index.Add([.. Enumerable.Range(0, 40).Select(i => (long)i * 2)], vectors);
        string path = dir.File("index");
        index.Save(path);
        using var loaded = Load(path);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(index.Dimension, loaded.Dimension);
        var queries = TestVectors.RandomUnitRows(new Random(8), 3, 8);
        var a = index.Search(queries, 5);
        var b = loaded.Search(queries, 5);
        Assert.Equal(a.Ids.ToArray(), b.Ids.ToArray());
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public async Task Concurrent_searches_with_one_writer_never_see_a_torn_state()
    {
        const int dim = 16;
        var rng = new Random(8);
        using var index = Create(dim);

        // Stable rows 0..99 never change; the writer adds (and, where the engine can, removes) rows ≥ 1000
        // whose vectors are orthogonal to the probe, so every search must return exactly the stable best match.
        var stable = TestVectors.RandomUnitRows(rng, 100, dim);
        for (int r = 0; r < 100; r++)
        {
            stable[(r * dim) + dim - 1] = 0;
            VectorNorm.Split(stable.AsSpan(r * dim, dim), stable.AsSpan(r * dim, dim));
        }

        index.Add([.. Enumerable.Range(0, 100).Select(i => (long)i)], stable);
        float[] probe = stable.AsSpan(42 * dim, dim).ToArray();
        float[] orthogonal = new float[dim];
        orthogonal[dim - 1] = 1;

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
                    index.Add([next], orthogonal);
                    if (index.SupportsRemove && next % 2 == 0)
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
                    var r = index.Search(probe, 3, new VectorSearchParameters { Threads = 1 });
                    Assert.Equal(42L, r.Ids[0]);
                    Assert.Equal(1f, r.Scores[0], 1e-5f);
                    Assert.Equal(3, r.Ids.ToArray().Distinct().Count());
                    Interlocked.Increment(ref searches[reader]);
                }
            },
            TestContext.Current.CancellationToken)).ToArray();

        await writer;
        await Task.WhenAll(readers);
        Assert.All(searches, c => Assert.True(c >= 20, $"a reader searched {c} times while the writer wrote"));
    }

    /// <summary>Checks an index's answers against a plain loop: same scores, same ids where scores are not tied, empty slots at the end.</summary>
    public static void AssertMatchesBruteForce(IVectorIndex index, Dictionary<long, float[]> rows, float[] queries, int k)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(queries);
        int dim = index.Dimension;
        var results = index.Search(queries, k);
        for (int q = 0; q < queries.Length / dim; q++)
        {
            float[] query = queries.AsSpan(q * dim, dim).ToArray();
            var expected = rows.Select(kv => (kv.Key, Score: Dot(kv.Value, query))).OrderByDescending(x => x.Score).ThenBy(x => x.Key).Take(k).ToArray();
            var actual = results.Results(q);
            Assert.Equal(expected.Length, actual.Count);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Score, actual[i].Score, 1e-5f);
                bool tied = (i > 0 && Math.Abs(expected[i].Score - expected[i - 1].Score) <= 1e-5f) || (i + 1 < expected.Length && Math.Abs(expected[i].Score - expected[i + 1].Score) <= 1e-5f);
                if (!tied)
                {
                    Assert.Equal(expected[i].Key, actual[i].Id);
                }
            }

            Assert.Equal(expected.Select(e => e.Key).Order(), actual.Select(a => a.Id).Order());
            for (int i = expected.Length; i < k; i++)
            {
                Assert.Equal(VectorSearchResults.NoId, results.IdsOf(q)[i]);
                Assert.Equal(float.NegativeInfinity, results.ScoresOf(q)[i]);
            }
        }
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
}
