using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Experiments.Dynamics;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval dynamics [--steps N] [--seed N] [--dimension D] [--branching B] [--depth L] [--zipf S] [--batch N]
/// [--temperature T] [--out DIR] [--json]</c>: the norm-growth lab (<see cref="ContrastiveDynamics.Lab"/>) — the
/// paper's setting and the five runs that break its identity — with a report and plots.
/// </summary>
internal sealed class DynamicsCommand(CliOutput output) : AsyncCommand<DynamicsCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var runs = ContrastiveDynamics.Lab(settings.Steps, settings.Seed)
            .Select(o => o with
            {
                Dimension = settings.Dimension,
                Branching = settings.Branching,
                Depth = settings.Depth,
                ZipfExponent = settings.Zipf,
                Batch = settings.Batch,
                Temperature = settings.Temperature,
            })
            .ToList();
        try
        {
            runs.ForEach(r => r.Validate());
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new CliInputException($"--{Option(ex.ParamName)}: {ex.Message.Split(" (Parameter", 2)[0]}");
        }

        var results = new List<DynamicsResult>();
        foreach (var run in runs)
        {
            results.Add(await Task.Run(() => ContrastiveDynamics.Run(run, cancellationToken), cancellationToken).ConfigureAwait(false));
        }

        string outDir = settings.Out ?? Path.Combine("normretrieval-results", "dynamics");
        string command = string.Create(CultureInfo.InvariantCulture,
            $"normretrieval dynamics --steps {settings.Steps} --seed {settings.Seed} --dimension {settings.Dimension} --branching {settings.Branching} --depth {settings.Depth} --zipf {settings.Zipf} --batch {settings.Batch} --temperature {settings.Temperature}");
        DynamicsReport.Write(results, outDir, command);
        if (settings.Json)
        {
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(results.Select(r => new
            {
                run = r.Options.Name,
                identityError = r.MaxRelativeError,
                stepError = r.MaxStepRelativeError,
                maxCosineToGradient = r.MaxCosineToGradient,
                normDecreases = r.NormDecreases,
                updates = r.Updates,
                firstLoss = r.FirstLoss,
                lastLoss = r.LastLoss,
                spearmanFrequency = r.SpearmanFrequency,
                spearmanDepth = r.SpearmanDepth,
                partialFrequency = r.PartialFrequency,
                partialDepth = r.PartialDepth,
                meanNormByDepth = r.MeanNormByDepth,
            }), NormRetrieval.Serialization.StrictJson.Options())).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        foreach (var r in results)
        {
            await output.Out.WriteLineAsync(r.Summary()).ConfigureAwait(false);
        }

        await output.Out.WriteLineAsync($"report in {Path.GetFullPath(outDir)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static string Option(string? parameter) => parameter switch
    {
        nameof(DynamicsOptions.ZipfExponent) or nameof(DynamicsOptions.WeightDecay) => "zipf",
        null => "options",
        _ => parameter.ToLowerInvariant(),
    };

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--steps <N>")]
        [Description("Training steps per run (default 2000).")]
        public int Steps { get; init; } = 2000;

        [CommandOption("--seed <N>")]
        [Description("Seed of the corpus, the initial embeddings and the batches (default 42).")]
        public int Seed { get; init; } = 42;

        [CommandOption("--dimension <D>")]
        [Description("Embedding dimension (default 16).")]
        public int Dimension { get; init; } = 16;

        [CommandOption("--branching <B>")]
        [Description("Children per internal concept (default 4).")]
        public int Branching { get; init; } = 4;

        [CommandOption("--depth <L>")]
        [Description("Depth of the leaves, the root being 0 (default 3: 85 concepts).")]
        public int Depth { get; init; } = 3;

        [CommandOption("--zipf <S>")]
        [Description("Zipf exponent of the anchor frequencies (default 1).")]
        public double Zipf { get; init; } = 1.0;

        [CommandOption("--batch <N>")]
        [Description("Pairs per batch; the other pairs are the negatives (default 32).")]
        public int Batch { get; init; } = 32;

        [CommandOption("--temperature <T>")]
        [Description("InfoNCE temperature (default 0.1).")]
        public double Temperature { get; init; } = 0.1;

        [CommandOption("--out <DIR>")]
        [Description("Output folder (default normretrieval-results/dynamics).")]
        public string? Out { get; init; }

        [CommandOption("--json")]
        [Description("Print the runs' measurements as JSON.")]
        public bool Json { get; init; }
    }
}
