// QuickStart: a local encoder that keeps the norm, an embedded store, and search with and without
// norm-aware ranking. Usage: dotnet run --project samples/QuickStart [-- STORE_DIR]
using Microsoft.Extensions.VectorData;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

string storeDir = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "normretrieval-quickstart");

using var encoder = new OnnxEncoder(EncoderModel.ArcticXs);
using var store = new NormVectorStore(storeDir, new NormVectorStoreOptions { EmbeddingGenerator = encoder });
var notes = store.GetCollection<string, Note>("notes", new NormCollectionOptions());
await notes.EnsureCollectionExistsAsync();

string[] texts =
[
    "Wing.",
    "Aerodynamics of wings.",
    "Lift and drag of a swept wing at transonic speeds measured in a wind tunnel.",
    "Flutter of a cantilevered swept wing with an external store at high subsonic Mach numbers.",
    "Boundary layer transition on a flat plate.",
    "Heat transfer in hypersonic flow over a blunt cone.",
    "Libraries.",
    "Circulation of periodicals in a university library.",
    "Cataloguing rules for serial publications.",
];
await notes.UpsertAsync(texts.Select((t, i) => new Note { Id = "n" + i, Text = t, Embedding = t }));
Console.WriteLine($"{await notes.CountAsync()} notes; norm median {notes.Statistics.Percentile(0.5):F3}, spread (sd of ln norm) {notes.Statistics.StdLogNorm:F4}");

const string query = "swept wing flutter";
foreach (var ranking in new[] { new NormRankingOptions(), NormRankingOptions.Parse("specificity:0.02") })
{
    var response = await notes.SearchDetailedAsync(query, 3, new NormSearchOptions<Note> { Ranking = ranking });
    Console.WriteLine($"\n{response.Policy} — query norm {response.QueryNorm:F3}, confidence {response.Confidence.Value:F3}");
    foreach (var r in response.Results)
    {
        Console.WriteLine($"  {r.Record.Id}  {r.Score:F4}  {r.Record.Text}");
        Console.WriteLine($"        {r.Explanation}");
    }
}

public sealed class Note
{
    [VectorStoreKey]
    public string Id { get; set; } = string.Empty;

    [VectorStoreData]
    public string Text { get; set; } = string.Empty;

    [VectorStoreVector(384)]
    public string? Embedding { get; set; }
}
