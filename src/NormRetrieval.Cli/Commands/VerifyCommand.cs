using System.ComponentModel;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval verify --store DIR [--collection NAME] [--json]</c>: checks an embedded store without changing it; exit code 0
/// when healthy, 4 when damage was found (each problem on one line).
/// </summary>
internal sealed class VerifyCommand(CliOutput output) : AsyncCommand<VerifyCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(settings.Store))
        {
            throw new CliInputException($"The store '{settings.Store}' does not exist.");
        }

        using var store = CliCollection.OpenStore(settings.Store!, output, new SemanticKernel.NormVectorStoreOptions { ReadOnly = true });
        if (settings.Collection is not null && !store.ListCollectionNamesAsync(cancellationToken).ToBlockingEnumerable(cancellationToken).Contains(settings.Collection))
        {
            throw new CliInputException($"The collection '{settings.Collection}' does not exist in the store '{settings.Store}'.");
        }

        var report = settings.Collection is null
            ? await store.VerifyAsync(cancellationToken).ConfigureAwait(false)
            : await store.VerifyAsync(settings.Collection, cancellationToken).ConfigureAwait(false);
        if (settings.Json)
        {
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(new { healthy = report.IsHealthy, records = report.Records, problems = report.Problems })).ConfigureAwait(false);
        }
        else
        {
            foreach (string problem in report.Problems)
            {
                await output.Out.WriteLineAsync(problem).ConfigureAwait(false);
            }

            await output.Out.WriteLineAsync(report.IsHealthy
                ? $"verified {store.Directory}: {report.Records} records, no problems"
                : $"verified {store.Directory}: {report.Records} records, {report.Problems.Count} problems").ConfigureAwait(false);
        }

        return report.IsHealthy ? ExitCodes.Success : ExitCodes.Damaged;
    }

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--store <DIR>")]
        [Description("The embedded store folder.")]
        public string? Store { get; init; }

        [CommandOption("--collection <NAME>")]
        [Description("Check only this collection (and the database's integrity).")]
        public string? Collection { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON.")]
        public bool Json { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Store) ? Spectre.Console.ValidationResult.Error("--store is required.") : base.Validate();
    }
}
