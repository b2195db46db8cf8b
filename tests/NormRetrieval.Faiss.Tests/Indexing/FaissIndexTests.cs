using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.Testing;
using NormRetrieval.Testing.Indexing;
using NormRetrieval.Vectors;

namespace NormRetrieval.Faiss.Tests.Indexing;

public sealed class FaissIndexTests
{
    private static float[] RandomUnitRows(Random rng, int rows, int dim) => TestVectors.RandomUnitRows(rng, rows, dim);

    private static long[] Ids(int n, int offset = 0) => [.. Enumerable.Range(0, n).Select(i => (long)(i * 3) + offset)];

    private static void AssertSameResults(VectorSearchResults expected, VectorSearchResults actual)
    {
        Assert.Equal(expected.QueryCount, actual.QueryCount);
        for (int q = 0; q < expected.QueryCount; q++)
        {
            var e = expected.Results(q);
            var a = actual.Results(q);
            Assert.Equal(e.Count, a.Count);
            for (int i = 0; i < e.Count; i++)
            {
                Assert.Equal(e[i].Score, a[i].Score, 1e-5f);
                bool tiedWithNeighbour = (i > 0 && Math.Abs(e[i].Score - e[i - 1].Score) < 1e-5f) || (i + 1 < e.Count && Math.Abs(e[i].Score - e[i + 1].Score) < 1e-5f);
                if (!tiedWithNeighbour)
                {
                    Assert.Equal(e[i].Id, a[i].Id);
                }
            }
        }
    }

    private static double RecallAt10(VectorSearchResults exact, VectorSearchResults approximate)
    {
        double hits = 0;
        for (int q = 0; q < exact.QueryCount; q++)
        {
            var truth = exact.Results(q).Select(r => r.Id).ToHashSet();
            hits += approximate.Results(q).Count(r => truth.Contains(r.Id));
        }

        return hits / (exact.QueryCount * 10.0);
    }

    [Fact]
    public void Faiss_is_available_in_this_build()
    {
        Assert.True(FaissRuntime.IsAvailable, FaissRuntime.UnavailableReason);
        Assert.Equal("1.7.3", FaissRuntime.Version);
        Assert.False(string.IsNullOrEmpty(FaissRuntime.Blas));
    }

    [Theory]
    [InlineData(16, 500, 10)]
    [InlineData(384, 3000, 25)]
    public void Flat_equals_the_exact_index_on_random_vectors(int dim, int rows, int k)
    {
        var rng = new Random(dim + rows);
        var data = RandomUnitRows(rng, rows, dim);
        var queries = RandomUnitRows(rng, 40, dim);
        using var exact = new ExactVectorIndex(dim);
        using var flat = FaissIndex.Create(dim);
        exact.Add(Ids(rows), data);
        flat.Add(Ids(rows), data);
        Assert.Equal("faiss:IDMap,Flat", flat.Description);
        AssertSameResults(exact.Search(queries, k), flat.Search(queries, k));
    }

    [Fact]
    public void Flat_equals_the_exact_index_on_real_encoder_vectors()
    {
        var c = TestCollection.Get();
        using var exact = new ExactVectorIndex(c.Dimension);
        using var flat = FaissIndex.Create(c.Dimension, new FaissIndexOptions { Factory = "Flat", Threads = 1 });
        exact.Add(Ids(c.DocumentCount), c.DocumentDirections);
        flat.Add(Ids(c.DocumentCount), c.DocumentDirections);
        AssertSameResults(exact.Search(c.QueryDirections, 10), flat.Search(c.QueryDirections, 10));
    }

    [Theory]
    [InlineData("HNSW32", 64, null)]
    [InlineData("IVF32,Flat", null, 8)]
    public void Approximate_indexes_reach_recall_0_9_on_real_encoder_vectors(string factory, int? efSearch, int? nprobe)
    {
        var c = TestCollection.Get();
        using var exact = new ExactVectorIndex(c.Dimension);
        exact.Add(Ids(c.DocumentCount), c.DocumentDirections);
        using var index = FaissIndex.Create(c.Dimension, new FaissIndexOptions { Factory = factory });
        index.Train(c.DocumentDirections);
        index.Add(Ids(c.DocumentCount), c.DocumentDirections);
        var parameters = new VectorSearchParameters { EfSearch = efSearch, NProbe = nprobe };
        double recall = RecallAt10(exact.Search(c.QueryDirections, 10), index.Search(c.QueryDirections, 10, parameters));
        Assert.True(recall >= 0.9, $"{factory}: recall@10 {recall:F3}");
    }

    [Fact]
    public void Product_quantisation_indexes_train_add_search_and_remove()
    {
        var rng = new Random(12);
        const int dim = 32;
        var data = RandomUnitRows(rng, 1000, dim);
        using var pq = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "IVF4,PQ8x4", NProbe = 4 });
        pq.Train(data);
        pq.Add(Ids(1000), data);
        var results = pq.Search(data.AsSpan(0, 10 * dim), 5);
        Assert.All(Enumerable.Range(0, 10), q => Assert.Contains(Ids(1000)[q], results.IdsOf(q).ToArray()));
        Assert.Equal(10, pq.Remove(Ids(10)));
        Assert.Equal(990, pq.Count);
    }

    [Fact]
    public void Search_parameters_change_recall_per_call()
    {
        var c = TestCollection.Get();
        using var exact = new ExactVectorIndex(c.Dimension);
        exact.Add(Ids(c.DocumentCount), c.DocumentDirections);
        using var ivf = FaissIndex.Create(c.Dimension, new FaissIndexOptions { Factory = "IVF64,Flat" });
        ivf.Train(c.DocumentDirections);
        ivf.Add(Ids(c.DocumentCount), c.DocumentDirections);
        var truth = exact.Search(c.QueryDirections, 10);
        double one = RecallAt10(truth, ivf.Search(c.QueryDirections, 10, new VectorSearchParameters { NProbe = 1 }));
        double all = RecallAt10(truth, ivf.Search(c.QueryDirections, 10, new VectorSearchParameters { NProbe = 64 }));
        Assert.True(one < all, $"nprobe 1: {one:F3}, nprobe 64: {all:F3}");
        Assert.Equal(1.0, all, 3);
    }

    [Fact]
    public void Hnsw_ef_search_is_honoured_per_call()
    {
        var rng = new Random(21);
        const int dim = 32;
        var data = RandomUnitRows(rng, 5000, dim);
        var queries = RandomUnitRows(rng, 100, dim);
        using var exact = new ExactVectorIndex(dim);
        exact.Add(Ids(5000), data);
        using var hnsw = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "HNSW8" });
        hnsw.Add(Ids(5000), data);
        var truth = exact.Search(queries, 10);
        double low = RecallAt10(truth, hnsw.Search(queries, 10, new VectorSearchParameters { EfSearch = 10 }));
        double high = RecallAt10(truth, hnsw.Search(queries, 10, new VectorSearchParameters { EfSearch = 400 }));
        double again = RecallAt10(truth, hnsw.Search(queries, 10, new VectorSearchParameters { EfSearch = 10 }));
        Assert.True(high > low + 0.05, $"efSearch 10: {low:F3}, 400: {high:F3}");
        Assert.Equal(low, again);
        Assert.True(high > 0.97, $"efSearch 400: {high:F3}");
    }

    [Theory]
    [InlineData("Flat")]
    [InlineData("HNSW16")]
    [InlineData("IVF8,Flat")]
    public void Save_and_load_give_identical_results(string factory)
    {
        var rng = new Random(3);
        const int dim = 32;
        var data = RandomUnitRows(rng, 800, dim);
        var queries = RandomUnitRows(rng, 20, dim);
        using var dir = new TempDirectory();
        string path = dir.File("index.faiss");
        using var index = FaissIndex.Create(dim, new FaissIndexOptions { Factory = factory, EfSearch = 32, NProbe = 4 });
        index.Train(data);
        index.Add(Ids(800), data);
        index.Save(path);
        using var loaded = FaissIndex.Load(path, new FaissIndexOptions { EfSearch = 32, NProbe = 4 });
        Assert.Equal(index.Factory, loaded.Factory);
        Assert.Equal(800, loaded.Count);
        Assert.True(loaded.Contains(3 * 799));
        var a = index.Search(queries, 10);
        var b = loaded.Search(queries, 10);
        Assert.Equal(a.Ids, b.Ids);
        Assert.Equal(a.Scores, b.Scores);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Flat_removes_and_renumbers_nothing_visible()
    {
        var rng = new Random(4);
        const int dim = 8;
        var data = RandomUnitRows(rng, 100, dim);
        using var flat = FaissIndex.Create(dim);
        using var exact = new ExactVectorIndex(dim);
        flat.Add(Ids(100), data);
        exact.Add(Ids(100), data);
        long[] gone = [.. Ids(100).Where((_, i) => i % 4 == 0), 1_000_000];
        Assert.Equal(25, flat.Remove(gone));
        exact.Remove(gone);
        Assert.Equal(75, flat.Count);
        Assert.False(flat.Contains(0));
        var queries = RandomUnitRows(rng, 10, dim);
        AssertSameResults(exact.Search(queries, 100), flat.Search(queries, 100));
    }

    [Fact]
    public void Ivf_removes_and_keeps_the_other_ids()
    {
        var rng = new Random(5);
        const int dim = 16;
        var data = RandomUnitRows(rng, 400, dim);
        using var ivf = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "IVF4,Flat", NProbe = 4 });
        ivf.Train(data);
        ivf.Add(Ids(400), data);
        Assert.Equal(200, ivf.Remove(Ids(200)));
        var results = ivf.Search(data, 1);
        for (int q = 200; q < 400; q++)
        {
            Assert.Equal(Ids(400)[q], results.IdsOf(q)[0]);
        }

        Assert.All(Enumerable.Range(0, 200), q => Assert.DoesNotContain(results.IdsOf(q)[0], Ids(200)));
    }

    [Fact]
    public void Hnsw_cannot_remove_and_says_how_to_rebuild()
    {
        using var hnsw = FaissIndex.Create(4, new FaissIndexOptions { Factory = "HNSW8" });
        hnsw.Add([1], [1f, 0f, 0f, 0f]);
        Assert.False(hnsw.SupportsRemove);
        var ex = Assert.Throws<NotSupportedException>(() => hnsw.Remove([1]));
        Assert.Contains("Rebuild", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, hnsw.Count);
    }

    [Fact]
    public void Automatic_training_holds_vectors_until_enough_arrive_and_searches_them_meanwhile()
    {
        var rng = new Random(6);
        const int dim = 16;
        var data = RandomUnitRows(rng, 300, dim);
        using var ivf = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "IVF4,Flat", TrainAfter = 200, NProbe = 4 });
        Assert.False(ivf.IsTrained);
        ivf.Add(Ids(100), data.AsSpan(0, 100 * dim));
        Assert.Equal(100, ivf.PendingCount);
        Assert.Equal(Ids(100)[7], ivf.Search(data.AsSpan(7 * dim, dim), 1).Ids[0]);
        Assert.Throws<InvalidOperationException>(() => ivf.Save(Path.Combine(Path.GetTempPath(), "never.faiss")));
        ivf.Add(Ids(200, offset: 1)[100..], data.AsSpan(100 * dim, 100 * dim));
        Assert.True(ivf.IsTrained);
        Assert.Equal(0, ivf.PendingCount);
        Assert.Equal(200, ivf.Count);
        Assert.Equal(Ids(100)[7], ivf.Search(data.AsSpan(7 * dim, dim), 1).Ids[0]);
    }

    [Fact]
    public void Bad_arguments_get_typed_errors_without_a_native_crash()
    {
        using var flat = FaissIndex.Create(4);
        Assert.Equal(VectorProblem.DimensionMismatch, Assert.Throws<InvalidVectorException>(() => flat.Add([1], [1f, 0f, 0f])).Problem);
        Assert.Equal(VectorProblem.DimensionMismatch, Assert.Throws<InvalidVectorException>(() => flat.Search([1f, 0f, 0f], 1)).Problem);
        Assert.Equal(VectorProblem.NotFinite, Assert.Throws<InvalidVectorException>(() => flat.Add([1], [float.NaN, 0f, 0f, 0f])).Problem);
        Assert.Throws<ArgumentOutOfRangeException>(() => flat.Search([1f, 0f, 0f, 0f], 0));
        flat.Add([1], [1f, 0f, 0f, 0f]);
        Assert.Throws<ArgumentException>(() => flat.Add([1], [0f, 1f, 0f, 0f]));
        Assert.Throws<ArgumentException>(() => flat.Add([-5], [0f, 1f, 0f, 0f]));
        Assert.Equal(1, flat.Count);

        // k larger than the index: padded.
        var few = flat.Search([1f, 0f, 0f, 0f], 5);
        Assert.Equal([1L, -1, -1, -1, -1], few.Ids);
        Assert.Equal(float.NegativeInfinity, few.Scores[4]);

        // Empty index.
        using var empty = FaissIndex.Create(4, new FaissIndexOptions { Factory = "HNSW8" });
        Assert.All(empty.Search([1f, 0f, 0f, 0f], 3).Ids, id => Assert.Equal(-1, id));

        // Unknown factory string.
        var unknown = Assert.Throws<FaissException>(() => FaissIndex.Create(4, new FaissIndexOptions { Factory = "Bogus99" }));
        Assert.Contains("index_factory", unknown.Message, StringComparison.Ordinal);

        // Untrained IVF: adding is refused by Faiss with its message; searching finds nothing.
        using var ivf = FaissIndex.Create(4, new FaissIndexOptions { Factory = "IVF4,Flat" });
        Assert.False(ivf.IsTrained);
        var untrained = Assert.Throws<FaissException>(() => ivf.Add([1], [1f, 0f, 0f, 0f]));
        Assert.Contains("add_with_ids", untrained.Message, StringComparison.Ordinal);
        Assert.Equal(0, ivf.Count);
        Assert.Equal([-1L], ivf.Search([1f, 0f, 0f, 0f], 1).Ids);
        Assert.Throws<FaissException>(() => ivf.Train([1f, 0f, 0f, 0f])); // fewer points than clusters

        // A damaged file.
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bad.faiss"), "not an index");
        Assert.Throws<FaissException>(() => FaissIndex.Load(dir.File("bad.faiss")));
        Assert.Throws<FileNotFoundException>(() => FaissIndex.Load(dir.File("missing.faiss")));
    }

    [Fact]
    public async Task Concurrent_hnsw_searches_with_different_ef_search_values_agree_with_serial_ones()
    {
        var rng = new Random(30);
        const int dim = 24;
        var data = RandomUnitRows(rng, 3000, dim);
        var queries = RandomUnitRows(rng, 30, dim);
        using var hnsw = FaissIndex.Create(dim, new FaissIndexOptions { Factory = "HNSW16" });
        hnsw.Add(Ids(3000), data);
        int[] efs = [10, 40, 160];
        var expected = efs.ToDictionary(ef => ef, ef => hnsw.Search(queries, 5, new VectorSearchParameters { EfSearch = ef, Threads = 1 }).Ids);
        var ct = TestContext.Current.CancellationToken;
        var tasks = Enumerable.Range(0, 6).Select(t => Task.Run(
            () =>
            {
                for (int i = 0; i < 40; i++)
                {
                    int ef = efs[(t + i) % efs.Length];
                    Assert.Equal(expected[ef], hnsw.Search(queries, 5, new VectorSearchParameters { EfSearch = ef, Threads = 1 }).Ids);
                }
            },
            ct));
        await Task.WhenAll(tasks);
        Assert.True(FaissRuntime.SetBlasThreads(1));
    }

    [Fact]
    public void The_factory_falls_back_by_name()
    {
        using var faiss = VectorIndexFactory.Create("faiss", 8, new FaissIndexOptions { Factory = "HNSW16" });
        Assert.Equal("faiss:IDMap,HNSW16", faiss.Description);
        using var flat = VectorIndexFactory.Create("flat", 8);
        Assert.IsType<ExactVectorIndex>(flat);
        Assert.Throws<ArgumentException>(() => VectorIndexFactory.Create("annoy", 8));
        Assert.Equal("IVF4,Flat", FaissFactoryString.Parse("IVF4,Flat").Text);
        Assert.Equal("IDMap,HNSW32", FaissFactoryString.Parse("HNSW32").Text);
        Assert.Equal("IDMap2,Flat", FaissFactoryString.Parse("IDMap2,Flat").Text);
    }
}

/// <summary>The IVectorIndex contract on Faiss (Flat: exact inner product, removable).</summary>
public sealed class FaissFlatContractTests : VectorIndexContractTests
{
    protected override IVectorIndex Create(int dimension) => FaissIndex.Create(dimension, new FaissIndexOptions { Factory = "Flat", Threads = 1 });

    protected override IVectorIndex Load(string path) => FaissIndex.Load(path);
}
