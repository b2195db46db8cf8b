using Microsoft.Extensions.DependencyInjection;
using NormRetrieval.Cli.Commands;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Vectors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli;

/// <summary>
/// The <c>normretrieval</c> command line, runnable in-process (tests pass their own writers).
/// Every failure ends with one readable line on standard error and a non-zero exit code.
/// </summary>
public static class CliApplication
{
    /// <summary>Runs the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="output">Where to write; the process's console when null.</param>
    /// <param name="cancellationToken">Cancels a running command.</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args, CliOutput? output = null, CancellationToken cancellationToken = default)
    {
        output ??= new CliOutput(Console.Out, Console.Error) { ErrorIsTerminal = !Console.IsErrorRedirected, OutIsTerminal = !Console.IsOutputRedirected };
        var services = new ServiceCollection();
        services.AddSingleton(output);
        // Spectre writes help and --version through this console: they are the answer asked for, so they go
        // to standard output (errors are caught below and written to standard error as one line).
        var helpConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output.Out),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        if (!output.OutIsTerminal)
        {
            // A pipe or a file has no width: lay help out wide instead of wrapping mid-argument at 80 columns.
            helpConsole.Profile.Width = 200;
        }

        var app = new CommandApp(new ServiceCollectionRegistrar(services));
        app.Configure(config =>
        {
            config.SetApplicationName("normretrieval");
            config.SetApplicationVersion(InfoCommand.ProductVersion);
            config.ConfigureConsole(helpConsole);
            config.PropagateExceptions();
            config.UseStrictParsing();
            config.AddCommand<DemoCommand>("demo")
                .WithDescription("Index a judged collection and answer queries side by side: cosine vs norm-aware.")
                .WithExample("demo", "--dataset", "data/beir/cranfield", "--model", "arctic-xs");
            config.AddCommand<EvalCommand>("eval")
                .WithDescription("Evaluate cosine and every calibrated norm-aware policy on a BEIR collection, with plots and a report.")
                .WithExample("eval", "--dataset", "data/beir/cranfield", "--model", "arctic-xs", "--calibrate", "cv:5");
            config.AddCommand<NormsCommand>("norms")
                .WithDescription("Do norms follow a label such as taxonomy depth? Rank correlations, partial correlation, pair shares.")
                .WithExample("norms", "--model", "arctic-xs", "--input", "data/taxonomy/wordnet-nouns.jsonl", "--pairs", "data/taxonomy/wordnet-pairs.tsv");
            config.AddCommand<DynamicsCommand>("dynamics")
                .WithDescription("Train free embeddings with a scale-invariant contrastive loss and measure how their norms grow (the mechanism).")
                .WithExample("dynamics", "--steps", "2000", "--out", "dynamics-report");
            config.AddCommand<InfoCommand>("info")
                .WithDescription("Show versions and which engines and encoders are available.")
                .WithExample("info", "--json");
            config.AddCommand<EmbedCommand>("embed")
                .WithDescription("Encode the 'text' of JSON lines and add norm, tokens, truncated (and vector).")
                .WithExample("embed", "--model", "arctic-xs", "--mode", "query", "--input", "queries.jsonl", "--output", "embedded.jsonl");
            config.AddCommand<IndexCommand>("index")
                .WithDescription("Encode a BEIR corpus and upsert it into a collection of an embedded store.")
                .WithExample("index", "--store", "store", "--collection", "cranfield", "--input", "data/beir/cranfield/corpus.jsonl", "--model", "arctic-xs");
            config.AddCommand<SearchCommand>("search")
                .WithDescription("Search a collection, by cosine or a norm-aware policy, with explanations.")
                .WithExample("search", "--store", "store", "--collection", "cranfield", "--query", "heat transfer in hypersonic flow", "--policy", "specificity:0.02");
            config.AddCommand<CalibrateCommand>("calibrate")
                .WithDescription("Choose a collection's ranking from judged queries (a norm policy only when it significantly beats cosine) and store it with the collection.")
                .WithExample("calibrate", "--store", "store", "--collection", "cranfield", "--judged", "data/beir/cranfield");
            config.AddCommand<StatsCommand>("stats")
                .WithDescription("Show a collection's size, engine and norm statistics.")
                .WithExample("stats", "--store", "store", "--collection", "cranfield", "--json");
            config.AddCommand<BackupCommand>("backup")
                .WithDescription("Copy an embedded store, consistently, while it stays usable.")
                .WithExample("backup", "--store", "store", "--to", "store-backup");
            config.AddCommand<VerifyCommand>("verify")
                .WithDescription("Check an embedded store without changing it (exit code 4 when damaged).")
                .WithExample("verify", "--store", "store");
            config.AddCommand<DropCommand>("drop")
                .WithDescription("Delete a collection made by index: its records, index and manifest.")
                .WithExample("drop", "--store", "store", "--collection", "cranfield");
        });

        try
        {
            return await app.RunAsync(args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var (code, message) = Describe(ex);
            await output.Error.WriteLineAsync($"normretrieval: error: {message}").ConfigureAwait(false);
            return code;
        }
    }

    private static (int Code, string Message) Describe(Exception ex) => ex switch
    {
        CommandParseException or CommandRuntimeException or CommandConfigurationException => (ExitCodes.Usage, OneLine(ex.Message)),
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled"),
        FileNotFoundException or DirectoryNotFoundException or FormatException or InvalidDataException
            or InvalidVectorException or ArgumentException or CliInputException or EncoderModelException
            or Microsoft.Extensions.VectorData.VectorStoreException => (ExitCodes.BadInput, OneLine(ex.Message)),
        _ => (ExitCodes.Failure, $"{ex.GetType().Name}: {OneLine(ex.Message)}"),
    };

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
