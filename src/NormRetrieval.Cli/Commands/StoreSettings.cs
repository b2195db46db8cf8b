using System.ComponentModel;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>The options every store command shares.</summary>
internal class StoreSettings : CommandSettings
{
    [CommandOption("--store <STORE>")]
    [Description("The store folder, or garnet:HOST:PORT[[,HOST:PORT...]] for a Garnet server or cluster (password from NORMRETRIEVAL_GARNET_PASSWORD).")]
    public string? Store { get; init; }

    [CommandOption("--collection <NAME>")]
    [Description("The collection.")]
    public string? Collection { get; init; }

    [CommandOption("--json")]
    [Description("Print JSON.")]
    public bool Json { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Store) || string.IsNullOrWhiteSpace(Collection)
            ? Spectre.Console.ValidationResult.Error("--store and --collection are required.")
            : base.Validate();
}
