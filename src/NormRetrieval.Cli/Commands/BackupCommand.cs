using System.ComponentModel;
using NormRetrieval.Cli.Infrastructure;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval backup --store DIR --to NEWDIR</c>: a consistent copy of an embedded store (database with
/// its recent writes, sealed index files, the CLI's collection manifests) that opens as a store of its own.
/// </summary>
internal sealed class BackupCommand(CliOutput output) : AsyncCommand<BackupCommand.Settings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Store!.StartsWith(CliStore.GarnetPrefix, StringComparison.Ordinal))
        {
            throw new CliInputException("backup copies embedded stores; back up a Garnet server with its own AOF or RDB files.");
        }

        if (!Directory.Exists(settings.Store))
        {
            throw new CliInputException($"The store '{settings.Store}' does not exist.");
        }

        using var store = CliCollection.OpenStore(settings.Store, output);
        await store.BackupAsync(settings.To!, cancellationToken).ConfigureAwait(false);
        foreach (string manifest in Directory.EnumerateFiles(store.Directory, "cli-*.json"))
        {
            File.Copy(manifest, Path.Combine(settings.To!, Path.GetFileName(manifest)));
        }

        var names = await store.ListCollectionNamesAsync(cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync($"backed up {store.Directory} ({names.Count} collections) to {Path.GetFullPath(settings.To!)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--store <DIR>")]
        [Description("The embedded store folder.")]
        public string? Store { get; init; }

        [CommandOption("--to <DIR>")]
        [Description("A new (or empty) folder for the copy.")]
        public string? To { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Store) || string.IsNullOrWhiteSpace(To)
                ? Spectre.Console.ValidationResult.Error("--store and --to are required.")
                : base.Validate();
    }
}
