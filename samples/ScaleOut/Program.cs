// ScaleOut: the QuickStart against a Garnet cluster — the same records, search and norm-aware ranking,
// with the collection spread over three vector sets (shards) that the cluster places on its nodes.
//
//   NORMRETRIEVAL_GARNET=127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002 NORMRETRIEVAL_GARNET_PASSWORD=… \
//     dotnet run --project samples/ScaleOut
//
// (the README shows how to start that cluster). Without NORMRETRIEVAL_GARNET it starts an in-process
// Garnet server on a free port, so the sample runs anywhere.
using System.Net;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Garnet;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using StackExchange.Redis;
using NormRetrieval.VectorData;

string? endpoints = Environment.GetEnvironmentVariable("NORMRETRIEVAL_GARNET");
global::Garnet.GarnetServer? local = null;
if (string.IsNullOrWhiteSpace(endpoints))
{
    int port = FreePort();
    local = new global::Garnet.GarnetServer(new global::Garnet.server.GarnetServerOptions
    {
        EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
        EnableVectorSetPreview = true,
        LogMemorySize = "256m",
        QuietMode = true,
    });
    local.Start();
    endpoints = "127.0.0.1:" + port;
    Console.WriteLine($"NORMRETRIEVAL_GARNET is not set: using an in-process Garnet server on {endpoints}");
}

var configuration = ConfigurationOptions.Parse(endpoints);
configuration.Password = Environment.GetEnvironmentVariable("NORMRETRIEVAL_GARNET_PASSWORD") is { Length: > 0 } password ? password : null;

try
{
    using var encoder = new OnnxEncoder(EncoderModel.ArcticXs);
    using var store = await GarnetVectorStore.ConnectAsync(configuration, new GarnetVectorStoreOptions { EmbeddingGenerator = encoder, Shards = 3 });
    var notes = store.GetCollection<string, Note>("notes", new GarnetCollectionOptions());
    await notes.EnsureCollectionExistsAsync();
    Console.WriteLine($"connected to {store.EndPoints}; collection 'notes' in shards {string.Join(", ", (await notes.ShardKeysAsync())!)}");

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
    var statistics = await notes.GetStatisticsAsync();
    Console.WriteLine($"{await notes.CountAsync()} notes; norm median {statistics.Percentile(0.5):F3}, spread (sd of ln norm) {statistics.StdLogNorm:F4} (merged from every shard)");

    const string query = "swept wing flutter";
    foreach (var ranking in new[] { new NormRankingOptions(), NormRankingOptions.Parse("specificity:0.02") })
    {
        var response = await notes.SearchDetailedAsync(query, 3, new NormSearchOptions<Note> { Ranking = ranking });
        Console.WriteLine($"\n{response.Policy} — query norm {response.QueryNorm:F3}, confidence {response.Confidence.Value:F3}, {(response.IsPartial ? "PARTIAL: " + string.Join(", ", response.UnavailableShards) : "all shards answered")}");
        foreach (var r in response.Results)
        {
            Console.WriteLine($"  {r.Record.Id}  {r.Score:F4}  {r.Record.Text}");
            Console.WriteLine($"        {r.Explanation}");
        }
    }
}
finally
{
    local?.Dispose();
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
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
