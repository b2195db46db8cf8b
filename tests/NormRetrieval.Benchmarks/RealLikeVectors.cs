using NormRetrieval.Beir;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Vectors;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// Benchmark vectors shaped like real ones: the Cranfield and CISI documents and queries encoded with
/// all-MiniLM-L6-v2, and synthetic rows drawn around them (a real document direction plus Gaussian noise
/// of norm ≈ 0.6, renormalised), so the set keeps the clustered, anisotropic geometry of real
/// embeddings instead of the uniform spread of random vectors.
/// </summary>
internal static class RealLikeVectors
{
    public static (float[] Rows, float[] Queries, int Dimension) Create(int rows, int queries, int seed = 17)
    {
        string root = FindData();
        using var encoder = new OnnxEncoder(EncoderModel.MiniLM);
        var cache = new EmbeddingCache(Path.Combine(Path.GetTempPath(), "normretrieval-bench-cache"));
        var docs = new List<float[]>();
        var realQueries = new List<float[]>();
        foreach (string name in new[] { "cranfield", "cisi" })
        {
            var data = new BeirDataset(Path.Combine(root, name));
            docs.AddRange(cache.GetOrEncode(encoder, [.. data.ReadCorpus().Select(d => d.FullText)], EncodeMode.Document).Select(e => Unit(e.Vector)));
            realQueries.AddRange(cache.GetOrEncode(encoder, [.. data.ReadQueries().Select(q => q.Text)], EncodeMode.Query).Select(e => Unit(e.Vector)));
        }

        int dim = encoder.Dimension;
        var rng = new Random(seed);
        var result = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            var row = result.AsSpan(r * dim, dim);
            if (r < docs.Count)
            {
                docs[r].CopyTo(row);
                continue;
            }

            docs[rng.Next(docs.Count)].CopyTo(row);
            AddNoise(row, rng, 0.6 / Math.Sqrt(dim));
        }

        var q = new float[queries * dim];
        for (int i = 0; i < queries; i++)
        {
            var row = q.AsSpan(i * dim, dim);
            realQueries[i % realQueries.Count].CopyTo(row);
            if (i >= realQueries.Count)
            {
                AddNoise(row, rng, 0.3 / Math.Sqrt(dim));
            }
        }

        return (result, q, dim);
    }

    private static float[] Unit(float[] v)
    {
        var u = new float[v.Length];
        VectorNorm.Split(v, u);
        return u;
    }

    private static void AddNoise(Span<float> row, Random rng, double sigma)
    {
        for (int i = 0; i < row.Length; i++)
        {
            row[i] += (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }

        VectorNorm.Split(row, row);
    }

    internal static string FindData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", "beir");
            if (Directory.Exists(Path.Combine(candidate, "cranfield")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("data/beir not found above " + AppContext.BaseDirectory);
    }
}
