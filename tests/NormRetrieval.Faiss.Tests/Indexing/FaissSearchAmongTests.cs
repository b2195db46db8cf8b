using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.Testing;

namespace NormRetrieval.Faiss.Tests.Indexing;

/// <summary>Scoring a given set of ids from what a Faiss index stores (the filtered search of selective filters).</summary>
public sealed class FaissSearchAmongTests
{
    private const int Dim = 16;

    private static long[] Ids(int n, int offset = 0) => [.. Enumerable.Range(0, n).Select(i => (long)(i * 3) + offset)];

    private static void AssertSame(IReadOnlyList<(long Id, float Score)> expected, IReadOnlyList<(long Id, float Score)>? actual, float tolerance = 1e-5f)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            Assert.Equal(expected[i].Score, actual[i].Score, tolerance);
        }
    }

    [Theory]
    [InlineData("HNSW8")]
    [InlineData("Flat")]
    public void A_graph_or_flat_index_scores_the_given_ids_exactly_as_a_brute_force_scan_would(string factory)
    {
        var rng = new Random(21);
        var data = TestVectors.RandomUnitRows(rng, 500, Dim);
        using var faiss = FaissIndex.Create(Dim, new FaissIndexOptions { Factory = factory });
        using var exact = new ExactVectorIndex(Dim);
        faiss.Add(Ids(500), data);
        exact.Add(Ids(500), data);
        var query = TestVectors.RandomUnitRows(rng, 1, Dim);

        // A subset with ids the index does not hold (skipped) and a repeat of the same scoring after more adds:
        // the second call uses positions recorded as the vectors arrived.
        long[] among = [.. Ids(500).Where((_, i) => i % 7 == 0), 1, 2, 999_999];
        AssertSame(exact.SearchAmong(query, 10, among), faiss.SearchAmong(query, 10, among));
        var more = TestVectors.RandomUnitRows(rng, 100, Dim);
        faiss.Add(Ids(100, offset: 2_000), more);
        exact.Add(Ids(100, offset: 2_000), more);
        long[] both = [.. among, .. Ids(100, offset: 2_000)];
        AssertSame(exact.SearchAmong(query, 25, both), faiss.SearchAmong(query, 25, both));
        AssertSame(exact.SearchAmong(query, 1_000, both), faiss.SearchAmong(query, 1_000, both));
        Assert.Empty(faiss.SearchAmong(query, 5, [])!);
    }

    [Fact]
    public void Removals_renumber_the_flat_index_and_the_positions_follow()
    {
        var rng = new Random(22);
        var data = TestVectors.RandomUnitRows(rng, 300, Dim);
        using var faiss = FaissIndex.Create(Dim, new FaissIndexOptions { Factory = "Flat" });
        using var exact = new ExactVectorIndex(Dim);
        faiss.Add(Ids(300), data);
        exact.Add(Ids(300), data);
        var query = TestVectors.RandomUnitRows(rng, 1, Dim);
        AssertSame(exact.SearchAmong(query, 20, Ids(300)), faiss.SearchAmong(query, 20, Ids(300)));

        long[] gone = [.. Ids(300).Where((_, i) => i % 3 == 0)];
        faiss.Remove(gone);
        exact.Remove(gone);
        AssertSame(exact.SearchAmong(query, 20, Ids(300)), faiss.SearchAmong(query, 20, Ids(300)));
        Assert.DoesNotContain(faiss.SearchAmong(query, 300, Ids(300))!, h => gone.Contains(h.Id));
    }

    [Fact]
    public void A_quantised_graph_scores_approximately_and_an_inverted_file_or_untrained_index_declines()
    {
        var rng = new Random(23);
        var data = TestVectors.RandomUnitRows(rng, 600, Dim);
        var query = TestVectors.RandomUnitRows(rng, 1, Dim);
        using var exact = new ExactVectorIndex(Dim);
        exact.Add(Ids(600), data);

        using var sq = FaissIndex.Create(Dim, new FaissIndexOptions { Factory = "HNSW8_SQ8", TrainAfter = 400 });
        sq.Add(Ids(300), data.AsSpan(0, 300 * Dim));
        Assert.Null(sq.SearchAmong(query, 5, Ids(300))); // still waiting for training: not in Faiss yet
        sq.Add(Ids(600)[300..], data.AsSpan(300 * Dim));
        Assert.True(sq.IsTrained);
        var truth = exact.SearchAmong(query, 600, Ids(600)).ToDictionary(h => h.Id, h => h.Score);
        var approximate = sq.SearchAmong(query, 600, Ids(600))!;
        Assert.Equal(600, approximate.Count);
        Assert.All(approximate, h => Assert.Equal(truth[h.Id], h.Score, 0.05f)); // 8-bit codes err by ~1 %

        using var ivf = FaissIndex.Create(Dim, new FaissIndexOptions { Factory = "IVF4,Flat" });
        ivf.Train(data);
        ivf.Add(Ids(600), data);
        Assert.Null(ivf.SearchAmong(query, 5, Ids(600)));
    }

    [Fact]
    public void Bad_queries_get_typed_errors()
    {
        using var hnsw = FaissIndex.Create(4, new FaissIndexOptions { Factory = "HNSW8" });
        hnsw.Add([1, 2], [1f, 0f, 0f, 0f, 0f, 1f, 0f, 0f]);
        Assert.Throws<ArgumentOutOfRangeException>(() => hnsw.SearchAmong([1f, 0f, 0f, 0f], 0, [1]));
        Assert.Throws<ArgumentException>(() => hnsw.SearchAmong([1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f], 1, [1]));
        Assert.Throws<Vectors.InvalidVectorException>(() => hnsw.SearchAmong([1f, 0f, 0f], 1, [1]));
        Assert.Throws<Vectors.InvalidVectorException>(() => hnsw.SearchAmong([float.NaN, 0f, 0f, 0f], 1, [1]));
        Assert.Throws<ArgumentNullException>(() => hnsw.SearchAmong([1f, 0f, 0f, 0f], 1, null!));
        Assert.Equal([(2L, 1f), (1L, 0f)], hnsw.SearchAmong([0f, 1f, 0f, 0f], 2, [1, 2])!);
    }
}
