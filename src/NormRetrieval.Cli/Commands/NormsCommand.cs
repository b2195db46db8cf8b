using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Experiments;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval norms --model M --input FILE [--pairs FILE] [--out DIR] [--json]</c>: specificity analysis
/// of labelled texts (a thin layer over <see cref="NormAnalysis"/>).
/// </summary>
internal sealed class NormsCommand(CliOutput output) : AsyncCommand<NormsCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        foreach (string? file in new[] { settings.Input, settings.Pairs })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new FileNotFoundException($"The file '{file}' does not exist.", file);
            }
        }

        var result = await Task.Run(() => NormAnalysis.Run(settings.Model, settings.Input!, settings.Pairs, settings.Cache, settings.SingleToken, cancellationToken), cancellationToken).ConfigureAwait(false);
        string outDir = settings.Out ?? Path.Combine("normretrieval-results", "norms-" + result.Model + (settings.SingleToken ? "-single" : string.Empty));
        NormAnalysis.Write(result, outDir);
        if (settings.Json)
        {
            await output.Out.WriteLineAsync(File.ReadAllText(Path.Combine(outDir, "norms.json"))).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{result.Count} texts, {result.Model}: Spearman ρ(norm, label) {Signed(result.Spearman)}, Kendall τ-b {Signed(result.Kendall)}, partial ρ | tokens {Signed(result.PartialSpearman)}")).ConfigureAwait(false);
        if (result.Pairs > 0)
        {
            await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{result.Pairs} pairs: the specific text has the larger norm in {result.SpecificLargerShare:P1}")).ConfigureAwait(false);
        }

        await output.Out.WriteLineAsync($"report in {Path.GetFullPath(outDir)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>A signed correlation with three decimals, or "—" when it is undefined.</summary>
    private static string Signed(double value) =>
        double.IsFinite(value) ? value.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "—";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <MODEL>")]
        [Description("minilm (default), arctic-xs, or a model folder.")]
        public string Model { get; init; } = "minilm";

        [CommandOption("--input <FILE>")]
        [Description("JSON lines with 'text' and a numeric 'label' (e.g. a taxonomy depth).")]
        public string? Input { get; init; }

        [CommandOption("--pairs <FILE>")]
        [Description("Optional general<TAB>specific pairs.")]
        public string? Pairs { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Output folder (default normretrieval-results/norms-<model>).")]
        public string? Out { get; init; }

        [CommandOption("--cache <DIR>")]
        [Description("Embedding cache folder (default .normretrieval-cache).")]
        public string Cache { get; init; } = ".normretrieval-cache";

        [CommandOption("--single-token")]
        [Description("Keep only texts that are a single word piece (removes the length confound).")]
        public bool SingleToken { get; init; }

        [CommandOption("--json")]
        [Description("Print norms.json.")]
        public bool Json { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Input) ? Spectre.Console.ValidationResult.Error("--input is required.") : base.Validate();
    }
}
