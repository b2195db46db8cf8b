using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Experiments;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval eval --dataset DIR [--split test] [--model M] [--policies LIST] [--calibrate cv:K|dev]
/// [--repeats 5] [--stages LIST] [--fusion rrf|weighted] [--engine faiss|flat] [--top 100] [--out DIR] [--json]</c>: a thin layer over <see cref="RetrievalExperiment"/>.
/// </summary>
internal sealed class EvalCommand(CliOutput output) : AsyncCommand<EvalCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var lastProgress = DateTime.MinValue;
        var progress = new Progress<string>(line =>
        {
            if (!line.StartsWith("documents ", StringComparison.Ordinal) || DateTime.UtcNow - lastProgress > TimeSpan.FromSeconds(2))
            {
                lastProgress = DateTime.UtcNow;
                output.Error.WriteLine("eval: " + line);
            }
        });
        var options = new RetrievalExperimentOptions
        {
            Dataset = settings.Dataset!,
            Split = settings.Split,
            Model = settings.Model,
            Policies = settings.Policies?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Calibrate = settings.Calibrate,
            Engine = settings.Engine,
            Top = settings.Top,
            CacheDirectory = settings.Cache,
            Seed = settings.Seed,
            Repeats = settings.Repeats,
            Stages = settings.Stages?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Fusion = ParseFusion(settings.Fusion),
            Progress = progress,
        };
        var outcome = await Task.Run(() => RetrievalExperiment.Run(options, cancellationToken), cancellationToken).ConfigureAwait(false);
        // The default is never a tracked folder: results/ holds the published reports, regenerated with --out.
        string outDir = settings.Out ?? Path.Combine("normretrieval-results", $"{outcome.Result.Dataset}-{outcome.Result.Model}");
        ExperimentReport.Write(outcome, outDir);
        var r = outcome.Result;
        if (settings.Json)
        {
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(r, NormRetrieval.Serialization.StrictJson.Options())).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{r.Dataset} ({r.Queries.Count} queries, {r.Documents} documents), {r.Model}, {r.Calibration}, {r.Seconds:F1}s — report in {Path.GetFullPath(outDir)}")).ConfigureAwait(false);
        await output.Out.WriteLineAsync($"{"policy",-22} {"nDCG@10",8} {"Δ",8} {"95% CI",20} {"p",6} {"±repeats",9} {"R@100",7} {"MRR@10",7} {"MAP",7}").ConfigureAwait(false);
        foreach (var p in r.Policies)
        {
            string delta = p.Policy == "cosine" ? string.Empty : ExperimentReport.Signed(p.DeltaNdcg10);
            string interval = p.Policy == "cosine" ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"[{ExperimentReport.Signed(p.DeltaLower)}, {ExperimentReport.Signed(p.DeltaUpper)}]");
            string pValue = p.Policy == "cosine" ? string.Empty : p.PValue.ToString("F3", CultureInfo.InvariantCulture);
            await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{p.Policy,-22} {p.Ndcg10,8:F4} {delta,8} {interval,20} {pValue,6} {Spread(p),9} {p.Recall100,7:F4} {p.Mrr10,7:F4} {p.Map,7:F4}")).ConfigureAwait(false);
        }

        if (r.Stages.Count > 0)
        {
            await output.Out.WriteLineAsync($"first stages (hybrid: {r.Fusion}; Δ against the baseline named)").ConfigureAwait(false);
            await output.Out.WriteLineAsync($"{"stage",-22} {"nDCG@10",8} {"Δ",8} {"95% CI",20} {"p",6} {"R@100",7} {"MRR@10",7} {"MAP",7}  baseline").ConfigureAwait(false);
            foreach (var p in r.Stages)
            {
                bool self = p.Policy == p.Baseline;
                string delta = self ? string.Empty : ExperimentReport.Signed(p.DeltaNdcg10);
                string interval = self ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"[{ExperimentReport.Signed(p.DeltaLower)}, {ExperimentReport.Signed(p.DeltaUpper)}]");
                string pValue = self ? string.Empty : p.PValue.ToString("F3", CultureInfo.InvariantCulture);
                await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{p.Policy,-22} {p.Ndcg10,8:F4} {delta,8} {interval,20} {pValue,6} {p.Recall100,7:F4} {p.Mrr10,7:F4} {p.Map,7:F4}  {(self ? string.Empty : p.Baseline)}")).ConfigureAwait(false);
            }
        }

        var c = r.Confidence;
        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"confidence vs per-query nDCG@10: Spearman {ExperimentReport.Signed(c.ValueSpearman, 3)}, Kendall {ExperimentReport.Signed(c.ValueKendall, 3)}")).ConfigureAwait(false);
        if (c.Abstention is { } a)
        {
            await output.Out.WriteLineAsync("risk–coverage area (top result not relevant; lower is better): "
                + string.Join(", ", a.Signals.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Signal} {x.Aurc:F3}")))).ConfigureAwait(false);
            await output.Out.WriteLineAsync("when to answer: " + a.Summary()).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    /// <summary>The spread (sd) of the cross-validation repeats' mean differences; empty when there were none.</summary>
    private static string Spread(PolicyResult p) =>
        p.RepeatDeltas.Count < 2 ? string.Empty : p.RepeatSpread.ToString("0.0000", CultureInfo.InvariantCulture);

    private static NormRetrieval.Ranking.HybridFusionOptions ParseFusion(string text)
    {
        try
        {
            return NormRetrieval.Ranking.HybridFusionOptions.Parse(text);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException)
        {
            throw new CliInputException("--fusion: " + ex.Message);
        }
    }

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--dataset <DIR>")]
        [Description("A BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).")]
        public string? Dataset { get; init; }

        [CommandOption("--split <SPLIT>")]
        [Description("The evaluated qrels split (default test).")]
        public string Split { get; init; } = "test";

        [CommandOption("--model <MODEL>")]
        [Description("minilm (default), arctic-xs, or a model folder.")]
        public string Model { get; init; } = "minilm";

        [CommandOption("--policies <LIST>")]
        [Description("Policy families separated by ';' (default: all): magnitude;specificity;specificity,residual;specificity,length;gated;gated,residual;gated,length;adaptive;adaptive,residual;adaptive,length (,length: the family driven by log token count, the length-only baseline)")]
        public string? Policies { get; init; }

        [CommandOption("--calibrate <HOW>")]
        [Description("cv:K (default cv:5) or dev.")]
        public string Calibrate { get; init; } = "cv:5";

        [CommandOption("--stages <LIST>")]
        [Description("First stages to compare, separated by ';': bm25;dense;hybrid;hybrid+norm, or all (default: dense only).")]
        public string? Stages { get; init; }

        [CommandOption("--fusion <FUSION>")]
        [Description("Fusion of the hybrid stages: rrf (default, k = 60), rrf:K, weighted or weighted:W.")]
        public string Fusion { get; init; } = "rrf";

        [CommandOption("--engine <ENGINE>")]
        [Description("faiss (default) or flat for the first-stage exact cosine search.")]
        public string Engine { get; init; } = "faiss";

        [CommandOption("--top <K>")]
        [Description("Cosine candidates per query (default 100).")]
        public int Top { get; init; } = 100;

        [CommandOption("--out <DIR>")]
        [Description("Output folder (default normretrieval-results/<dataset>-<model>).")]
        public string? Out { get; init; }

        [CommandOption("--cache <DIR>")]
        [Description("Embedding cache folder (default .normretrieval-cache).")]
        public string Cache { get; init; } = ".normretrieval-cache";

        [CommandOption("--seed <N>")]
        [Description("Seed of folds and resampling (default 42).")]
        public int Seed { get; init; } = 42;

        [CommandOption("--repeats <N>")]
        [Description("Cross-validation repeats with other fold assignments; metrics average them (default 5).")]
        public int Repeats { get; init; } = 5;

        [CommandOption("--json")]
        [Description("Print results.json to standard output.")]
        public bool Json { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Dataset) ? Spectre.Console.ValidationResult.Error("--dataset is required.")
            : Top < 10 ? Spectre.Console.ValidationResult.Error("--top must be at least 10.")
            : Repeats < 1 ? Spectre.Console.ValidationResult.Error("--repeats must be at least 1.")
            : base.Validate();
    }
}
