using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Scoring;
using NormRetrieval.SemanticKernel;
using Spectre.Console.Cli;
using NormRetrieval.VectorData;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval search --store DIR|garnet:HOST:PORT,... --collection NAME --query TEXT [--top K] [--policy P]
/// [--hybrid [--keywords TEXT] [--fusion F]] [--json]</c>: encodes the query with the collection's model (query mode)
/// and prints the results with their scores, cosines, norms and explanations, plus the query's norm and confidence.
/// With <c>--hybrid</c> (folder stores), the records' text is also searched by BM25 for the keywords (by default the
/// query's words) and the two rankings are fused.
/// </summary>
internal sealed class SearchCommand(CliOutput output) : AsyncCommand<SearchCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // No --policy: the collection's stored calibration (normretrieval calibrate) when it has one, else cosine.
        var policy = settings.Policy is null ? null : ScoringPolicy.Parse(settings.Policy);
        var fusion = settings.Hybrid ? ParseFusion(settings.Fusion) : null;
        if (settings.Hybrid && settings.Store!.StartsWith(CliStore.GarnetPrefix, StringComparison.OrdinalIgnoreCase))
        {
            throw new CliInputException("--hybrid needs a folder store: Garnet vector sets have no full-text index.");
        }

        // A hybrid search may create the text's full-text index once (stores indexed before it existed), so it opens writable.
        using var store = await CliStore.OpenAsync(settings.Store!, output, readOnly: !settings.Hybrid).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(settings.Collection!).ConfigureAwait(false);
        using var encoder = new OnnxEncoder(EncoderModel.Resolve(manifest.Model));
        var collection = store.Collection(settings.Collection!, manifest.Dimension);
        var query = encoder.Encode(settings.Query!, EncodeMode.Query);
        var ranking = policy is null ? null : new NormRankingOptions { Policy = policy, Overfetch = settings.Overfetch };
        var response = settings.Hybrid
            ? await ((NormCollection<object, Dictionary<string, object?>>)collection).HybridSearchDetailedAsync(
                new Embedding<float>(query.Vector),
                [settings.Keywords ?? settings.Query!],
                settings.Top,
                new NormHybridSearchOptions<Dictionary<string, object?>> { Ranking = ranking, Fusion = fusion },
                cancellationToken).ConfigureAwait(false)
            : await collection.SearchDetailedAsync(new Embedding<float>(query.Vector), settings.Top, new NormSearchOptions<Dictionary<string, object?>> { Ranking = ranking }, cancellationToken).ConfigureAwait(false);
        string first = settings.Hybrid ? "fused" : "cos";
        var stored = settings.Hybrid ? null : await collection.GetCalibrationAsync(cancellationToken).ConfigureAwait(false);
        string policyNote = policy is null && stored is not null
            ? string.Create(CultureInfo.InvariantCulture, $" (stored by calibrate, {stored.Date:yyyy-MM-dd})")
            : string.Empty;

        // The calibrated abstention threshold, when there is one: is this evidence strong enough to answer from?
        var abstention = stored?.Abstention is { Threshold: not null } a ? a : null;
        double? signal = abstention?.SignalOf(response.Confidence, response.QueryNorm);
        bool? weak = abstention is null ? null : !abstention.Accepts(signal!.Value);

        if (settings.Json)
        {
            var json = new
            {
                query = settings.Query,
                queryNorm = response.QueryNorm,
                queryTokens = query.TokenCount,
                policy = response.Policy,
                keywords = settings.Hybrid ? settings.Keywords ?? settings.Query : null,
                confidence = new
                {
                    value = response.Confidence.Value,
                    topCosine = response.Confidence.TopCosine,
                    gap = response.Confidence.Gap,
                    queryNormPercentile = response.Confidence.QueryNormPercentile,
                    meanTopZ = response.Confidence.MeanTopZ,
                    thresholdSignal = abstention?.Signal,
                    threshold = abstention?.Threshold,
                    weakEvidence = weak,
                },
                results = response.Results.Select(r => new
                {
                    key = (string)r.Record["Key"]!,
                    score = r.Score,
                    cosine = settings.Hybrid ? (double?)null : r.Explanation.Cosine,
                    fused = settings.Hybrid ? r.Explanation.Cosine : (double?)null,
                    norm = r.Explanation.Norm,
                    z = r.Explanation.Z,
                    title = (string?)r.Record["Title"],
                    explanation = r.Explanation.ToString(),
                }),
            };
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(json, JsonOptions)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var c = response.Confidence;
        await output.Out.WriteLineAsync(settings.Hybrid
            ? string.Create(CultureInfo.InvariantCulture, $"query norm {response.QueryNorm:F3}, keywords '{settings.Keywords ?? settings.Query}', {response.Policy}")
            : string.Create(CultureInfo.InvariantCulture, $"query norm {response.QueryNorm:F3} (percentile {c.QueryNormPercentile:P0}), confidence {c.Value:F3} (top cosine {c.TopCosine:F3}, gap {c.Gap:F3}), policy {response.Policy}{policyNote}")).ConfigureAwait(false);
        if (weak is bool isWeak)
        {
            await output.Out.WriteLineAsync(isWeak
                ? string.Create(CultureInfo.InvariantCulture, $"weak evidence: {abstention!.Signal} {signal:F3} is below the calibrated threshold {abstention.Threshold:F3} ({abstention.Summary()})")
                : string.Create(CultureInfo.InvariantCulture, $"evidence: {abstention!.Signal} {signal:F3} clears the calibrated threshold {abstention.Threshold:F3}")).ConfigureAwait(false);
        }
        int rank = 1;
        foreach (var r in response.Results)
        {
            string title = ((string?)r.Record["Title"]) is { Length: > 0 } t ? t : (string?)r.Record["Text"] ?? string.Empty;
            if (title.Length > 60)
            {
                title = title[..57] + "...";
            }

            await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{rank++,3}. {r.Record["Key"],-10} score {r.Score:F4}  {first} {r.Explanation.Cosine:F4}  norm {r.Explanation.Norm:F3}  z {r.Explanation.Z,5:+0.00;-0.00}  {title}")).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

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

    private static readonly JsonSerializerOptions JsonOptions = NormRetrieval.Serialization.StrictJson.Options(camelCase: false);

    public sealed class Settings : StoreSettings
    {
        [CommandOption("--query <TEXT>")]
        [Description("The query text.")]
        public string? Query { get; init; }

        [CommandOption("--top <K>")]
        [Description("Results to return (default 10).")]
        public int Top { get; init; } = 10;

        [CommandOption("--policy <POLICY>")]
        [Description("cosine, magnitude:α, specificity:λ[[,residual]], gated:α,β, adaptive:λ0 (default: the policy stored by calibrate, else cosine).")]
        public string? Policy { get; init; }

        [CommandOption("--hybrid")]
        [Description("Also search the records' text by BM25 (SQLite FTS5) and fuse the two rankings (folder stores).")]
        public bool Hybrid { get; init; }

        [CommandOption("--keywords <TEXT>")]
        [Description("The words searched by BM25 with --hybrid (default: the query's words; never FTS5 syntax).")]
        public string? Keywords { get; init; }

        [CommandOption("--fusion <FUSION>")]
        [Description("With --hybrid: rrf (default, k = 60), rrf:K, weighted or weighted:W.")]
        public string Fusion { get; init; } = "rrf";

        [CommandOption("--overfetch <N>")]
        [Description("Cosine candidates per result for a --policy that reads norms (default 4).")]
        public int Overfetch { get; init; } = 4;

        /// <summary>Why a --policy value is not a policy (a usage error, exit 2), or null when it is one.</summary>
        internal static string? PolicyError(string? policy)
        {
            if (policy is null)
            {
                return null;
            }

            try
            {
                _ = ScoringPolicy.Parse(policy);
                return null;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                return "--policy: " + ex.Message;
            }
        }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Query) ? Spectre.Console.ValidationResult.Error("--query is required.")
            : Top < 1 ? Spectre.Console.ValidationResult.Error("--top must be at least 1.")
            : Overfetch < 1 ? Spectre.Console.ValidationResult.Error("--overfetch must be at least 1.")
            : PolicyError(Policy) is string error ? Spectre.Console.ValidationResult.Error(error)
            : !Hybrid && Keywords is not null ? Spectre.Console.ValidationResult.Error("--keywords needs --hybrid.")
            : base.Validate();
    }
}
