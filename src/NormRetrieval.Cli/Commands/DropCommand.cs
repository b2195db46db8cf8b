using System.Globalization;
using NormRetrieval.Cli.Infrastructure;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval drop --store DIR|garnet:HOST:PORT,... --collection NAME</c>: deletes a collection made by
/// <c>normretrieval index</c> — its records, index and manifest — and nothing else in the store.
/// </summary>
internal sealed class DropCommand(CliOutput output) : AsyncCommand<StoreSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        using var store = await CliStore.OpenAsync(settings.Store!, output, readOnly: false).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(settings.Collection!).ConfigureAwait(false);
        var collection = store.Collection(settings.Collection!, manifest.Dimension);
        long count = await collection.CollectionExistsAsync(cancellationToken).ConfigureAwait(false) ? await collection.CountAsync(cancellationToken).ConfigureAwait(false) : 0;
        await collection.EnsureCollectionDeletedAsync(cancellationToken).ConfigureAwait(false);
        await store.DeleteManifestAsync(settings.Collection!).ConfigureAwait(false);
        string message = string.Create(CultureInfo.InvariantCulture, $"dropped '{settings.Collection}' ({count} records) from {store.Location}");
        await output.Out.WriteLineAsync(settings.Json ? System.Text.Json.JsonSerializer.Serialize(new { dropped = settings.Collection, records = count }) : message).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
