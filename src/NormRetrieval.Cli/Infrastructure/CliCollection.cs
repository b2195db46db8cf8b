using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

namespace NormRetrieval.Cli.Infrastructure;

/// <summary>
/// The collections the command line writes: BEIR documents (key, title, text, tokens) with the raw
/// embedding, and a small manifest beside the store naming the encoder that made them.
/// </summary>
internal static class CliCollection
{
    public static VectorStoreCollectionDefinition Definition(int dimension) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", typeof(string)),
            new VectorStoreDataProperty("Title", typeof(string)),
            new VectorStoreDataProperty("Text", typeof(string)) { IsFullTextIndexed = true },
            new VectorStoreVectorProperty("Vector", typeof(Embedding<float>), dimension),
        ],
    };

    public static NormVectorStore OpenStore(string directory, CliOutput output, NormVectorStoreOptions? options = null)
    {
        options ??= new NormVectorStoreOptions();
        options.LoggerFactory = LoggerFactory.Create(b => b.AddProvider(new StderrLoggerProvider(output.Error)));
        return new NormVectorStore(directory, options);
    }

    public static string ManifestPath(NormVectorStore store, string collection) =>
        Path.Combine(store.Directory, "cli-" + collection + ".json");

    public static void WriteManifest(NormVectorStore store, string collection, Manifest manifest)
    {
        CollectionNames.Validate(collection);
        string path = ManifestPath(store, collection);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(manifest));
        File.Move(path + ".tmp", path, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public static Manifest ReadManifest(NormVectorStore store, string collection)
    {
        CollectionNames.Validate(collection);
        string path = ManifestPath(store, collection);
        if (!File.Exists(path))
        {
            throw new CliInputException($"The store '{store.Directory}' has no collection '{collection}' made by normretrieval index.");
        }

        return JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path)) ?? throw new CliInputException($"{path} is empty.");
    }

    internal sealed record Manifest(string Model, int Dimension);
}
