using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.Testing;

namespace NormRetrieval.Faiss.Tests.Indexing;

/// <summary>
/// Build parameters in the factory string (<c>HNSW32,efConstruction=200</c>): parsed apart from what Faiss's factory
/// reads, applied to the native graph, kept through save and load, and refused with a typed error where they do not apply.
/// </summary>
public sealed class FaissBuildParameterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nr-faiss-build-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_parameter_is_parsed_apart_from_the_index_components()
    {
        var parsed = FaissFactoryString.Parse("HNSW32_SQ8, efConstruction = 200");
        Assert.Equal("IDMap,HNSW32_SQ8", parsed.Text);
        Assert.Equal(200, parsed.EfConstruction);
        Assert.Equal("IDMap,HNSW32_SQ8,efConstruction=200", parsed.Description);
        Assert.True(parsed.IsHnsw);
        Assert.True(parsed.IsQuantised);

        var plain = FaissFactoryString.Parse("HNSW32");
        Assert.Null(plain.EfConstruction);
        Assert.Equal(plain.Text, plain.Description);
    }

    [Theory]
    [InlineData("Flat,efConstruction=100")]
    [InlineData("IVF16_HNSW32,Flat,efConstruction=80")]
    [InlineData("HNSW32,efConstruction=0")]
    [InlineData("HNSW32,efConstruction=-5")]
    [InlineData("HNSW32,efConstruction=lots")]
    [InlineData("HNSW32,efConstruction=10,efConstruction=20")]
    [InlineData("HNSW32,efSearch=64")]
    [InlineData("efConstruction=64")]
    public void A_parameter_that_does_not_apply_is_a_typed_error(string factory)
    {
        var error = Assert.Throws<ArgumentException>(() => FaissIndex.Create(8, new FaissIndexOptions { Factory = factory }));
        Assert.Contains(factory.Split(',')[0].Trim(), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HNSW16", 40)]
    [InlineData("HNSW16,efConstruction=120", 120)]
    [InlineData("HNSW16_SQ8,efConstruction=60", 60)]
    public void The_native_graph_gets_the_value(string factory, int expected)
    {
        using var index = FaissIndex.Create(8, new FaissIndexOptions { Factory = factory });
        Assert.Equal(expected, index.EfConstruction);
    }

    [Fact]
    public void Other_types_have_none()
    {
        using var flat = FaissIndex.Create(8, new FaissIndexOptions { Factory = "Flat" });
        Assert.Null(flat.EfConstruction);
    }

    [Fact]
    public void Save_and_load_keep_it_and_faiss_file_holds_it_too()
    {
        var rng = new Random(7);
        using var index = FaissIndex.Create(16, new FaissIndexOptions { Factory = "HNSW8,efConstruction=90" });
        index.Add([.. Enumerable.Range(0, 200).Select(i => (long)i)], TestVectors.RandomUnitRows(rng, 200, 16));
        string path = Path.Combine(_dir, "graph.faiss");
        index.Save(path);

        using (var loaded = FaissIndex.Load(path))
        {
            Assert.Equal("IDMap,HNSW8,efConstruction=90", loaded.Factory);
            Assert.Equal(90, loaded.EfConstruction);
        }

        // Without the factory file beside it, the value still comes back: Faiss writes it into the graph's file.
        File.Delete(path + ".factory");
        using var bare = FaissIndex.Load(path, new FaissIndexOptions { Factory = "HNSW8" });
        Assert.Equal(90, bare.EfConstruction);
    }

    [Fact]
    public void A_larger_candidate_list_builds_a_better_graph()
    {
        // The same vectors, the same insertion order (one thread), the same efSearch: only the build differs.
        const int dim = 24, rows = 3_000;
        var rng = new Random(11);
        float[] data = TestVectors.RandomUnitRows(rng, rows, dim);
        float[] queries = TestVectors.RandomUnitRows(rng, 100, dim);
        long[] ids = [.. Enumerable.Range(0, rows).Select(i => (long)i)];
        using var exact = new ExactVectorIndex(dim);
        exact.Add(ids, data);
        var truth = exact.Search(queries, 10);

        double Recall(string factory)
        {
            using var graph = FaissIndex.Create(dim, new FaissIndexOptions { Factory = factory, Threads = 1 });
            graph.Add(ids, data);
            var found = graph.Search(queries, 10, new VectorSearchParameters { EfSearch = 16 });
            double hits = 0;
            for (int q = 0; q < truth.QueryCount; q++)
            {
                var expected = truth.Results(q).Select(r => r.Id).ToHashSet();
                hits += found.Results(q).Count(r => expected.Contains(r.Id));
            }

            return hits / (truth.QueryCount * 10.0);
        }

        double poor = Recall("HNSW4,efConstruction=1");
        double good = Recall("HNSW4,efConstruction=200");
        Assert.True(good > poor + 0.1, $"recall@10 at efSearch 16: efConstruction 200 gave {good:F3}, 1 gave {poor:F3}");
    }
}
