using System.ComponentModel;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>The options every store command shares.</summary>
internal class StoreSettings : CommandSettings
{
    [CommandOption("--store <DIR>")]
    [Description("The store folder.")]
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
