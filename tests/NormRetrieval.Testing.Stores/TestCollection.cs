using NormRetrieval.Beir;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Vectors;

namespace NormRetrieval.Testing;

/// <summary>
/// A real relevance-judged collection (the repo's copy of Cranfield or CISI) encoded by a real encoder,
/// shared by the tests of every engine. Encodings are cached on disk (EmbeddingCache) across test runs.
/// </summary>
public sealed class TestCollection
{
    private static readonly Dictionary<string, Lazy<TestCollection>> Loaded = [];
    private static readonly Lock Gate = new();

    private TestCollection(string name, string model)
    {
        var data = new BeirDataset(Path.Combine(DataRoot, name));
        var docs = data.ReadCorpus().ToList();
        var queries = data.ReadQueries().ToList();
        using var encoder = new OnnxEncoder(EncoderModel.Resolve(model));
        var cache = new EmbeddingCache(Path.Combine(Path.GetTempPath(), "normretrieval-test-cache"));
        var encodedDocs = cache.GetOrEncode(encoder, [.. docs.Select(d => d.FullText)], EncodeMode.Document);
        var encodedQueries = cache.GetOrEncode(encoder, [.. queries.Select(q => q.Text)], EncodeMode.Query);
        Name = name;
        Dimension = encoder.Dimension;
        DocumentIds = [.. docs.Select(d => d.Id)];
        DocumentTexts = [.. docs.Select(d => d.FullText)];
        QueryIds = [.. queries.Select(q => q.Id)];
        QueryTexts = [.. queries.Select(q => q.Text)];
        (DocumentDirections, DocumentNorms) = Split(encodedDocs, Dimension);
        (QueryDirections, QueryNorms) = Split(encodedQueries, Dimension);
        DocumentRaw = [.. encodedDocs.Select(e => e.Vector)];
        DocumentTokens = [.. encodedDocs.Select(e => e.TokenCount)];
        QueryRaw = [.. encodedQueries.Select(e => e.Vector)];
        Qrels = data.ReadQrels();
    }

    /// <summary>The repo's data/beir folder, found from the test's working directory upwards.</summary>
    public static string DataRoot { get; } = FindDataRoot();

    public string Name { get; }

    public int Dimension { get; }

    public string[] DocumentIds { get; }

    public string[] DocumentTexts { get; }

    public string[] QueryIds { get; }

    public string[] QueryTexts { get; }

    /// <summary>Unit directions of the documents, row-major.</summary>
    public float[] DocumentDirections { get; }

    public float[] DocumentNorms { get; }

    public int[] DocumentTokens { get; }

    public float[][] DocumentRaw { get; }

    /// <summary>Unit directions of the queries, row-major.</summary>
    public float[] QueryDirections { get; }

    public float[] QueryNorms { get; }

    public float[][] QueryRaw { get; }

    public NormRetrieval.Evaluation.Qrels Qrels { get; }

    public int DocumentCount => DocumentIds.Length;

    public int QueryCount => QueryIds.Length;

    public static TestCollection Get(string name = "cranfield", string model = "minilm")
    {
        Lazy<TestCollection> lazy;
        lock (Gate)
        {
            string key = name + "|" + model;
            if (!Loaded.TryGetValue(key, out lazy!))
            {
                lazy = new Lazy<TestCollection>(() => new TestCollection(name, model));
                Loaded[key] = lazy;
            }
        }

        return lazy.Value;
    }

    public ReadOnlySpan<float> Query(int i) => QueryDirections.AsSpan(i * Dimension, Dimension);

    private static (float[] Directions, float[] Norms) Split(IReadOnlyList<EncodedText> encoded, int dim)
    {
        var directions = new float[encoded.Count * dim];
        var norms = new float[encoded.Count];
        for (int i = 0; i < encoded.Count; i++)
        {
            norms[i] = VectorNorm.Split(encoded[i].Vector, directions.AsSpan(i * dim, dim));
        }

        return (directions, norms);
    }

    private static string FindDataRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", "beir");
            if (Directory.Exists(Path.Combine(candidate, "cranfield")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("The repo's data/beir folder was not found above " + AppContext.BaseDirectory);
    }
}
