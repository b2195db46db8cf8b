// RagAgent: a Semantic Kernel kernel whose retrieval runs on the NormRetrieval store — as context
// (TextSearchProvider) and as a search plugin an agent can call — over a real corpus.
// Before answering anything it calibrates the collection on the corpus's judged queries: which ranking to use,
// and below which confidence the evidence is too weak to answer from (a threshold chosen for a target
// precision of the top result). Questions below it are declined instead of answered.
// With OPENAI_API_KEY (and optionally OPENAI_BASE_URL, OPENAI_MODEL) set it answers with the model;
// without them it runs retrieval-only: it prints the context it would send.
// Usage: dotnet run --project samples/RagAgent -- [BEIR_DIR] [DOCS] ["question" ...]
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Data;
using NormRetrieval.Beir;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.SemanticKernel;
using NormRetrieval.VectorData;

string dataset = args.Length > 0 ? args[0] : Path.Combine("data", "beir", "cranfield");
int documents = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 400;
double targetPrecision = double.Parse(Environment.GetEnvironmentVariable("RAG_TARGET_PRECISION") ?? "0.5", CultureInfo.InvariantCulture);
string[] questions = args.Length > 2 ? args[2..] :
[
    "What is known about heat transfer in hypersonic flow over blunt bodies?",
    "wings",
];

using var encoder = new OnnxEncoder(EncoderModel.ArcticXs);
// A throw-away store: the folder is deleted when the program ends (after the store has been closed).
string storeDir = Path.Combine(Path.GetTempPath(), "normretrieval-rag-" + Environment.ProcessId);
AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    try
    {
        Directory.Delete(storeDir, recursive: true);
    }
    catch (IOException)
    {
    }
};
using var store = new NormVectorStore(storeDir, new NormVectorStoreOptions { EmbeddingGenerator = encoder });
var passages = store.GetCollection<string, Passage>("passages", new NormCollectionOptions());
await passages.EnsureCollectionExistsAsync();
var corpus = new BeirDataset(dataset).ReadCorpus().Take(documents).ToList();
foreach (var chunk in corpus.Chunk(128))
{
    await passages.UpsertAsync(chunk.Select(d => new Passage { Id = d.Id, Title = d.Title, Text = d.Text, Embedding = d.FullText }));
}

Console.WriteLine($"indexed {corpus.Count} passages from {dataset}");

// Calibrate on the judged queries whose relevant passages were indexed: the stored policy is what searches use,
// and the abstention threshold is what decides below whether to answer.
var beir = new BeirDataset(dataset);
var qrels = beir.ReadQrels();
var indexed = corpus.Select(d => d.Id).ToHashSet();
var judged = beir.ReadQueries()
    .Select(q => (q, judgments: qrels.For(q.Id).Where(j => indexed.Contains(j.Key)).ToDictionary(j => j.Key, j => j.Value)))
    .Where(x => x.judgments.Values.Any(g => g > 0))
    .Select(x => new JudgedQuery<string>(x.q.Id, x.q.Text, x.judgments))
    .ToList();
var calibration = await ((NormCollection<string, Passage>)passages).CalibrateAsync(judged, new CollectionCalibrationOptions { TargetPrecision = targetPrecision });
Console.WriteLine($"calibrated on {judged.Count} judged queries: ranking {calibration.Policy}; {calibration.Abstention!.Summary()}");
var textSearch = new VectorStoreTextSearch<Passage>(passages, r => ((Passage)r).Text, r => new TextSearchResult(((Passage)r).Text) { Name = ((Passage)r).Title, Link = "doc:" + ((Passage)r).Id });
var kernel = Kernel.CreateBuilder().Build();
kernel.Plugins.Add(textSearch.CreateWithSearch("Corpus", "Searches the technical corpus."));
string? apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");

foreach (string question in questions)
{
    // The calibrated threshold decides whether the evidence is strong enough to answer from.
    var probe = await passages.SearchDetailedAsync(question, 5);
    var abstention = calibration.Abstention!;
    double signal = abstention.SignalOf(probe.Confidence, probe.QueryNorm);
    Console.WriteLine($"\nQ: {question}");
    Console.WriteLine($"   confidence {probe.Confidence.Value:F3} (top cosine {probe.Confidence.TopCosine:F3}, gap {probe.Confidence.Gap:F3}, query norm {probe.QueryNorm:F3})");
    if (abstention.Threshold is null)
    {
        Console.WriteLine($"   no calibrated threshold: answering, but the corpus's judged queries reach precision {abstention.BasePrecision:F2} at best");
    }
    else if (!abstention.Accepts(signal))
    {
        Console.WriteLine($"   declined: weak evidence ({abstention.Signal} {signal:F3} < threshold {abstention.Threshold:F3}, calibrated for top-result precision {abstention.TargetPrecision:F2}); ask a more specific question");
        continue;
    }
    else
    {
        Console.WriteLine($"   answering: {abstention.Signal} {signal:F3} ≥ threshold {abstention.Threshold:F3}");
    }

    const int top = 3;
    var provider = new TextSearchProvider(textSearch, NullLoggerFactory.Instance, new TextSearchProviderOptions { Top = top });
    var context = await provider.ModelInvokingAsync([new ChatMessage(ChatRole.User, question)]);
    if (apiKey is null)
    {
        Console.WriteLine("   [retrieval only: set OPENAI_API_KEY to get an answer] context that would be sent:");
        foreach (string line in (context.Instructions ?? string.Empty).Split('\n').Where(l => l.Length > 0).Take(12))
        {
            Console.WriteLine("   | " + (line.Length > 110 ? line[..110] + "…" : line));
        }

        var tool = await kernel.InvokeAsync(kernel.Plugins["Corpus"]["Search"], new KernelArguments { ["query"] = question, ["count"] = 1 });
        Console.WriteLine($"   plugin Corpus.Search → {tool.GetValue<List<string>>()?.FirstOrDefault()?[..Math.Min(90, tool.GetValue<List<string>>()!.First().Length)]}…");
        continue;
    }

    var chatKernel = Kernel.CreateBuilder()
        .AddOpenAIChatCompletion(
            Environment.GetEnvironmentVariable("OPENAI_MODEL") ?? "gpt-4o-mini",
            new Uri(Environment.GetEnvironmentVariable("OPENAI_BASE_URL") ?? "https://api.openai.com/v1"),
            apiKey)
        .Build();
    var chat = chatKernel.GetRequiredService<IChatCompletionService>();
    var history = new ChatHistory(context.Instructions ?? string.Empty);
    history.AddUserMessage(question);
    var answer = await chat.GetChatMessageContentAsync(history, kernel: chatKernel);
    Console.WriteLine("A: " + answer.Content);
}

public sealed class Passage
{
    [VectorStoreKey]
    public string Id { get; set; } = string.Empty;

    [VectorStoreData]
    public string Title { get; set; } = string.Empty;

    [VectorStoreData]
    public string Text { get; set; } = string.Empty;

    [VectorStoreVector(384)]
    public string? Embedding { get; set; }
}
