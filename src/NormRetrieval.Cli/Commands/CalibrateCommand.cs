using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using NormRetrieval.Beir;
using NormRetrieval.Calibration;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.VectorData;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval calibrate --store DIR|garnet:... --collection NAME --judged DIR [--split test] [--folds K] [--repeats R]
/// [--families LIST] [--dry-run] [--json]</c>, or <c>--clear</c>: encodes the judged queries (BEIR queries.jsonl and
/// qrels/SPLIT.tsv) with the collection's model, compares every norm policy family with cosine by repeated
/// cross-validation on the collection's own cosine candidates, and stores the safe choice with the collection
/// (a norm policy only when its gain's interval lies above zero, else cosine). Searches then use it.
/// </summary>
internal sealed class CalibrateCommand(CliOutput output) : AsyncCommand<CalibrateCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var store = await CliStore.OpenAsync(settings.Store!, output, readOnly: settings.DryRun).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(settings.Collection!).ConfigureAwait(false);
        var collection = store.Collection(settings.Collection!, manifest.Dimension);
        if (settings.Clear)
        {
            await collection.SetCalibrationAsync(null, cancellationToken).ConfigureAwait(false);
            await output.Out.WriteLineAsync($"collection {settings.Collection}: calibration removed; searches rank by cosine unless asked otherwise").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var dataset = new BeirDataset(settings.Judged!);
        var qrels = dataset.ReadQrels(settings.Split);
        var queries = dataset.ReadQueries().Where(q => qrels.HasRelevant(q.Id)).ToList();
        if (queries.Count < settings.Folds)
        {
            throw new CliInputException($"--judged '{settings.Judged}' has {queries.Count} queries with a relevant judgment in split '{settings.Split}'; calibration needs at least --folds ({settings.Folds}).");
        }

        var families = settings.Families is null ? SafePolicySelector.NormFamilies : settings.Families.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var options = new CollectionCalibrationOptions
        {
            Selection = new SafePolicyOptions { Families = [.. families], Folds = settings.Folds, Repeats = settings.Repeats, Seed = settings.Seed },
            Overfetch = settings.Overfetch,
            TargetPrecision = settings.TargetPrecision,
        };
        try
        {
            options.Selection.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new CliInputException("--families: " + ex.Message.Split(" (Parameter", 2)[0]);
        }

        using var encoder = new OnnxEncoder(EncoderModel.Resolve(manifest.Model));
        var encoded = encoder.Encode([.. queries.Select(q => q.Text)], EncodeMode.Query, cancellationToken);
        var judged = queries.Select((q, i) => new JudgedQuery<float[]>(q.Id, encoded[i].Vector.ToArray(), qrels.For(q.Id))).ToList();
        var calibration = settings.DryRun
            ? await collection.MeasureCalibrationAsync(judged, options, cancellationToken).ConfigureAwait(false)
            : await collection.CalibrateAsync(judged, options, cancellationToken).ConfigureAwait(false);

        if (settings.Json)
        {
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(new { collection = settings.Collection, stored = !settings.DryRun, calibration }, JsonOptions)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"collection {settings.Collection}: {calibration.Queries} judged queries, {calibration.Candidates} cosine candidates each, {calibration.Folds}-fold CV × {calibration.Repeats} (seeds {calibration.Seed}…{calibration.Seed + calibration.Repeats - 1}), cosine {calibration.Metric} {calibration.CosineMean:F4}")).ConfigureAwait(false);
        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {"family",-22} {"tuned on all",-28} {"gain",8}  {"interval",-19} {"p adj.",6}  repeats")).ConfigureAwait(false);
        foreach (var f in calibration.Families)
        {
            await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {f.Family,-22} {f.Policy,-28} {Signed(f.Gain),8}  [{Signed(f.Lower)}, {Signed(f.Upper)}] {f.PValue,6:F3}  {Signed(f.RepeatSpread[0])}…{Signed(f.RepeatSpread[^1])}")).ConfigureAwait(false);
        }

        await output.Out.WriteLineAsync((settings.DryRun ? "would store: " : "stored: ") + calibration.Summary()).ConfigureAwait(false);
        await output.Out.WriteLineAsync("  why: " + calibration.Reason).ConfigureAwait(false);
        if (calibration.Abstention is { } a)
        {
            await output.Out.WriteLineAsync("  when to answer: " + a.Summary()).ConfigureAwait(false);
            await output.Out.WriteLineAsync("  risk–coverage area (lower is better): " + string.Join(", ", a.Signals.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Signal} {r.Aurc:F3}")))).ConfigureAwait(false);
        }
        return ExitCodes.Success;
    }

    private static string Signed(double value) => value.ToString("+0.0000;-0.0000;+0.0000", CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions JsonOptions = NormRetrieval.Serialization.StrictJson.Options(camelCase: true);

    public sealed class Settings : StoreSettings
    {
        [CommandOption("--judged <DIR>")]
        [Description("A BEIR folder with queries.jsonl and qrels/SPLIT.tsv judging this collection's records (by key).")]
        public string? Judged { get; init; }

        [CommandOption("--split <SPLIT>")]
        [Description("The qrels split (default test).")]
        public string Split { get; init; } = "test";

        [CommandOption("--folds <K>")]
        [Description("Cross-validation folds (default 5).")]
        public int Folds { get; init; } = 5;

        [CommandOption("--repeats <R>")]
        [Description("Fold assignments, each with its own seed (default 5).")]
        public int Repeats { get; init; } = 5;

        [CommandOption("--seed <N>")]
        [Description("The first fold seed (default 42).")]
        public int Seed { get; init; } = 42;

        [CommandOption("--families <LIST>")]
        [Description("Policy families compared with cosine, ';'-separated (default every norm family: magnitude;specificity;specificity,residual;gated;...).")]
        public string? Families { get; init; }

        [CommandOption("--overfetch <N>")]
        [Description("Cosine candidates per result the stored policy reranks (default 4).")]
        public int Overfetch { get; init; } = 4;

        [CommandOption("--target-precision <P>")]
        [Description("Top-result precision wanted among the queries answered; sets the stored abstention threshold (default 0.5).")]
        public double TargetPrecision { get; init; } = 0.5;

        [CommandOption("--dry-run")]
        [Description("Measure and print the choice without storing it (opens the store read-only).")]
        public bool DryRun { get; init; }

        [CommandOption("--clear")]
        [Description("Remove the stored calibration (searches rank by cosine again).")]
        public bool Clear { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            Clear && (Judged is not null || DryRun) ? Spectre.Console.ValidationResult.Error("--clear takes no --judged or --dry-run.")
            : !Clear && string.IsNullOrWhiteSpace(Judged) ? Spectre.Console.ValidationResult.Error("--judged is required (or --clear).")
            : Folds < 2 ? Spectre.Console.ValidationResult.Error("--folds must be at least 2.")
            : Repeats < 1 ? Spectre.Console.ValidationResult.Error("--repeats must be at least 1.")
            : Overfetch < 1 ? Spectre.Console.ValidationResult.Error("--overfetch must be at least 1.")
            : !(TargetPrecision > 0 && TargetPrecision <= 1) ? Spectre.Console.ValidationResult.Error("--target-precision must lie in (0, 1].")
            : base.Validate();
    }
}
