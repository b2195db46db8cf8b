using NormRetrieval.Beir;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using System.Numerics.Tensors;
using NormRetrieval.Vectors;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// Benchmark vectors shaped like real ones: the Cranfield and CISI documents and queries encoded with
/// all-MiniLM-L6-v2, and synthetic rows drawn around them (a real document direction plus Gaussian noise
/// of norm ≈ 0.6, renormalised), so the set keeps the clustered, anisotropic geometry of real
/// embeddings instead of the uniform spread of random vectors.
/// </summary>
internal static partial class RealLikeVectors
{
    public static (float[] Rows, float[] Queries, int Dimension) Create(int rows, int queries, int seed = 17, VectorShape shape = VectorShape.Isotropic)
    {
        var (docs, realQueries, dim) = RealEmbeddings();
        int nDocs = docs.Length / dim;
        var rng = new Random(seed);
        var result = new float[(long)rows * dim];
        docs.AsSpan(0, Math.Min(rows, nDocs) * dim).CopyTo(result);
        if (shape == VectorShape.Mixture && rows > nDocs)
        {
            Synthetic(docs, dim, rows - nDocs, shape, seed).CopyTo(result.AsSpan(nDocs * dim));
        }
        else
        {
            for (int r = nDocs; r < rows; r++)
            {
                var row = result.AsSpan(r * dim, dim);
                docs.AsSpan(rng.Next(nDocs) * dim, dim).CopyTo(row);
                AddNoise(row, rng, 0.6 / Math.Sqrt(dim));
            }
        }

        int nQueries = realQueries.Length / dim;
        var q = new float[queries * dim];
        for (int i = 0; i < queries; i++)
        {
            var row = q.AsSpan(i * dim, dim);
            realQueries.AsSpan((i % nQueries) * dim, dim).CopyTo(row);
            if (i >= nQueries)
            {
                AddNoise(row, rng, 0.3 / Math.Sqrt(dim));
            }
        }

        return (result, q, dim);
    }

    /// <summary>The Cranfield and CISI documents and queries encoded with all-MiniLM-L6-v2, as unit vectors (cached).</summary>
    public static (float[] Docs, float[] Queries, int Dimension) RealEmbeddings()
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

        return ([.. docs.SelectMany(d => d)], [.. realQueries.SelectMany(q => q)], encoder.Dimension);
    }

    /// <summary>
    /// Real passages, no synthetic rows: the sentences of at least six words of the four judged corpora in the
    /// repository (Cranfield, CISI, MEDLINE, SciFact; 71,974 sentences) encoded with all-MiniLM-L6-v2 in a seeded
    /// order, the first <paramref name="rows"/> of them (all when null); the queries are those corpora's real queries (cycled with
    /// small noise beyond their number). Encoding takes minutes the first time; the vectors are cached.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">More rows than the corpora have sentences.</exception>
    public static (float[] Rows, float[] Queries, int Dimension) Passages(int? rows, int queries, int seed = 17)
    {
        string root = FindData();
        using var encoder = new OnnxEncoder(EncoderModel.MiniLM);
        var cache = new EmbeddingCache(Path.Combine(Path.GetTempPath(), "normretrieval-bench-cache"));
        var sentences = new List<string>();
        var queryTexts = new List<string>();
        foreach (string name in new[] { "cranfield", "cisi", "medline", "scifact" })
        {
            var data = new BeirDataset(Path.Combine(root, name));
            sentences.AddRange(data.ReadCorpus().SelectMany(d => SentenceEnd().Split(d.FullText)).Where(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 6));
            queryTexts.AddRange(data.ReadQueries().Select(q => q.Text));
        }

        int n = rows ?? sentences.Count;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, sentences.Count, nameof(rows));
        var order = Enumerable.Range(0, sentences.Count).ToArray();
        new Random(seed).Shuffle(order);
        Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} encoding {n:N0} of {sentences.Count:N0} real sentences (cached after the first run)");
        var encoded = cache.GetOrEncode(encoder, [.. order.Take(n).Select(i => sentences[i])], EncodeMode.Document);
        var realQueries = cache.GetOrEncode(encoder, queryTexts, EncodeMode.Query);
        int dim = encoder.Dimension;
        var result = new float[(long)n * dim];
        for (int r = 0; r < n; r++)
        {
            VectorNorm.Split(encoded[r].Vector, result.AsSpan(r * dim, dim));
        }

        var rng = new Random(seed);
        var q = new float[queries * dim];
        for (int i = 0; i < queries; i++)
        {
            var row = q.AsSpan(i * dim, dim);
            VectorNorm.Split(realQueries[i % realQueries.Count].Vector, row);
            if (i >= realQueries.Count)
            {
                AddNoise(row, rng, 0.3 / Math.Sqrt(dim));
            }
        }

        return (result, q, dim);
    }

    /// <summary>
    /// <paramref name="count"/> synthetic unit rows drawn around the real documents. <see cref="VectorShape.Isotropic"/>:
    /// a document plus Gaussian noise of norm ≈ 0.6 in all dimensions. <see cref="VectorShape.Mixture"/>: a point
    /// on the segment from a document towards one of its ten nearest documents (up to halfway), plus noise of
    /// norm ≈ 0.1 — new texts that resemble existing ones.
    /// </summary>
    public static float[] Synthetic(float[] docs, int dim, int count, VectorShape shape, int seed)
    {
        int nDocs = docs.Length / dim;
        var rng = new Random(seed);
        int[][] neighbours = shape == VectorShape.Mixture ? NearestDocuments(docs, dim, 10) : [];
        var result = new float[(long)count * dim];
        for (int r = 0; r < count; r++)
        {
            var row = result.AsSpan(r * dim, dim);
            int i = rng.Next(nDocs);
            docs.AsSpan(i * dim, dim).CopyTo(row);
            if (shape == VectorShape.Isotropic)
            {
                AddNoise(row, rng, 0.6 / Math.Sqrt(dim));
                continue;
            }

            int j = neighbours[i][rng.Next(neighbours[i].Length)];
            float t = (float)(rng.NextDouble() * 0.5);
            TensorPrimitives.Multiply(row, 1 - t, row);
            TensorPrimitives.MultiplyAdd(docs.AsSpan(j * dim, dim), t, row, row);
            VectorNorm.Split(row, row);
            AddNoise(row, rng, 0.1 / Math.Sqrt(dim));
        }

        return result;
    }

    private static int[][] NearestDocuments(float[] docs, int dim, int k)
    {
        int n = docs.Length / dim;
        var result = new int[n][];
        var scores = new float[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                scores[j] = j == i ? float.NegativeInfinity : TensorPrimitives.Dot(docs.AsSpan(i * dim, dim), docs.AsSpan(j * dim, dim));
            }

            result[i] = [.. Enumerable.Range(0, n).OrderByDescending(j => scores[j]).Take(k)];
        }

        return result;
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

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial System.Text.RegularExpressions.Regex SentenceEnd();

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

/// <summary>How synthetic benchmark rows are drawn around the real documents (see <see cref="RealLikeVectors.Synthetic"/>).</summary>
internal enum VectorShape
{
    /// <summary>A document plus isotropic noise of norm ≈ 0.6 (the suites' original vectors).</summary>
    Isotropic,

    /// <summary>A mixture of a document and one of its nearest documents, plus noise of norm ≈ 0.1.</summary>
    Mixture,
}
