using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.AI;
using NormRetrieval.Beir;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.SemanticKernel;
using Spectre.Console.Cli;
using NormRetrieval.VectorData;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval demo [--dataset DIR] [--store DIR] [--model M] [--policy P] [--queries N]</c>: indexes a
/// relevance-judged BEIR collection into a persistent embedded store (Faiss when installed) and answers
/// a few of its queries side by side — cosine and norm-aware — with scores, norms, judged relevance and
/// the confidence signal. Re-running reuses the store.
/// </summary>
internal sealed class DemoCommand(CliOutput output) : AsyncCommand<DemoCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var dataset = new BeirDataset(ResolveDataset(settings.Dataset));
        var policy = NormRankingOptions.Parse(settings.Policy);
        string collectionName = new DirectoryInfo(dataset.Directory).Name.ToLowerInvariant();
        CollectionNames.Validate(collectionName);
        using var encoder = new OnnxEncoder(EncoderModel.Resolve(settings.Model));
        using var store = CliCollection.OpenStore(settings.Store, output);
        var collection = store.GetDynamicCollection(collectionName + "-" + encoder.Model.Name, new NormCollectionOptions { Definition = CliCollection.Definition(encoder.Dimension) });
        await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
        CliCollection.WriteManifest(store, collection.Name, new CliCollection.Manifest(encoder.Model.Name, encoder.Dimension));

        var documents = dataset.ReadCorpus().Take(settings.Limit ?? int.MaxValue).ToList();
        var progress = new ProgressReporter(output, "index", documents.Count);
        int written = 0;
        // Chunks of 256 let the encoder group texts by length (little padding); progress comes per batch of 32.
        const int Chunk = 256;
        try
        {
            for (int start = 0; start < documents.Count; start += Chunk)
            {
                int before = start;
                written += await CorpusIndexer.WriteAsync(encoder, collection, documents.GetRange(start, Math.Min(Chunk, documents.Count - start)), cancellationToken, n => progress.Report(before + n)).ConfigureAwait(false);
                progress.Report(Math.Min(documents.Count, start + Chunk), final: start + Chunk >= documents.Count);
            }
        }
        finally
        {
            progress.Finish();
        }

        var titles = documents.ToDictionary(d => d.Id, d => d.Title.Length > 0 ? d.Title : d.Text);
        var qrels = dataset.ReadQrels();
        var queries = dataset.ReadQueries().Where(q => qrels.HasRelevant(q.Id)).Take(settings.Queries).ToList();
        var stats = collection.Statistics;
        long count = await collection.CountAsync(cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{collection.Name}: {count} documents in {store.Directory} ({collection.IndexDescription}, {written} encoded now), {encoder.Model.Name} on {encoder.ExecutionProvider}")).ConfigureAwait(false);
        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"document norms: median {stats.Percentile(0.5):F3}, 5–95% {stats.Percentile(0.05):F3}–{stats.Percentile(0.95):F3}; ln-norm vs ln-tokens slope {stats.LengthSlope:+0.00;-0.00}{(collection.NormsAreDegenerate ? "; DEGENERATE (all ≈ 1)" : string.Empty)}")).ConfigureAwait(false);
        await output.Out.WriteLineAsync("* = judged relevant").ConfigureAwait(false);

        foreach (var q in queries)
        {
            var encoded = encoder.Encode(q.Text, EncodeMode.Query);
            var vector = new Embedding<float>(encoded.Vector);
            var cosine = await collection.SearchDetailedAsync(vector, settings.Top, new NormSearchOptions<Dictionary<string, object?>> { Ranking = new NormRankingOptions() }, cancellationToken).ConfigureAwait(false);
            var aware = await collection.SearchDetailedAsync(vector, settings.Top, new NormSearchOptions<Dictionary<string, object?>> { Ranking = policy }, cancellationToken).ConfigureAwait(false);
            var judged = qrels.For(q.Id);
            var c = cosine.Confidence;
            await output.Out.WriteLineAsync().ConfigureAwait(false);
            await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Q{q.Id}: {q.Text}")).ConfigureAwait(false);
            await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"    query norm {cosine.QueryNorm:F3} (percentile {c.QueryNormPercentile:P0}); confidence {c.Value:F3} = top cosine {c.TopCosine:F3} + gap {c.Gap:F3}{(c.Gap < 0.01 ? "  [ambiguous: broaden retrieval]" : string.Empty)}")).ConfigureAwait(false);
            await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"    {"cosine",-46} | {aware.Policy}")).ConfigureAwait(false);
            for (int i = 0; i < settings.Top; i++)
            {
                string left = i < cosine.Results.Count ? Cell(cosine.Results[i], judged, titles) : string.Empty;
                string right = i < aware.Results.Count ? Cell(aware.Results[i], judged, titles) : string.Empty;
                await output.Out.WriteLineAsync($"    {left,-46} | {right}").ConfigureAwait(false);
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// The dataset folder: as given when it exists; the default (Cranfield) also resolves to the copy that
    /// ships beside the tool, so <c>normretrieval demo</c> works outside a clone.
    /// </summary>
    internal static string ResolveDataset(string dataset)
    {
        if (Directory.Exists(dataset) || dataset != Settings.DefaultDataset)
        {
            return dataset;
        }

        string shipped = Path.Combine(AppContext.BaseDirectory, Settings.DefaultDataset);
        return Directory.Exists(shipped) ? shipped : dataset;
    }

    private static string Cell(NormSearchResult<Dictionary<string, object?>> r, IReadOnlyDictionary<string, int> judged, Dictionary<string, string> titles)
    {
        string key = (string)r.Record["Key"]!;
        string mark = judged.TryGetValue(key, out int g) && g > 0 ? "*" : " ";
        string title = titles.TryGetValue(key, out var t) ? t : string.Empty;
        title = title.Length > 16 ? title[..15] + "…" : title;
        return string.Create(CultureInfo.InvariantCulture, $"{mark}{key,5} {r.Score:F3} n={r.Explanation.Norm:F2} {title}");
    }

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--dataset <DIR>")]
        [Description("A BEIR folder (default: data/beir/cranfield; the tool ships a copy of Cranfield).")]
        public string Dataset { get; init; } = DefaultDataset;

        [CommandOption("--limit <N>")]
        [Description("Index only the first N documents (default: all) — a quick first look.")]
        public int? Limit { get; init; }

        [CommandOption("--store <DIR>")]
        [Description("The store folder (default: normretrieval-demo).")]
        public string Store { get; init; } = "normretrieval-demo";

        [CommandOption("--model <MODEL>")]
        [Description("arctic-xs (default), minilm, or a model folder.")]
        public string Model { get; init; } = "arctic-xs";

        [CommandOption("--policy <POLICY>")]
        [Description("The norm-aware policy shown beside cosine (default specificity:0.02).")]
        public string Policy { get; init; } = "specificity:0.02";

        [CommandOption("--queries <N>")]
        [Description("How many judged queries to answer (default 4).")]
        public int Queries { get; init; } = 4;

        [CommandOption("--top <K>")]
        [Description("Results per column (default 5).")]
        public int Top { get; init; } = 5;

        internal static string DefaultDataset { get; } = Path.Combine("data", "beir", "cranfield");

        public override Spectre.Console.ValidationResult Validate() =>
            Queries < 1 || Top < 1 || Limit < 1 ? Spectre.Console.ValidationResult.Error("--queries, --top and --limit must be at least 1.")
            : SearchCommand.Settings.PolicyError(Policy) is string error ? Spectre.Console.ValidationResult.Error(error)
            : base.Validate();
    }
}
