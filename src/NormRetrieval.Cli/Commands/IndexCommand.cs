using System.ComponentModel;
using NormRetrieval.Beir;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.SemanticKernel;
using Spectre.Console.Cli;
using NormRetrieval.VectorData;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval index --store DIR|garnet:HOST:PORT,... --collection NAME --input corpus.jsonl [--model M] [--engine faiss|flat] [--index FACTORY] [--shards N]</c>:
/// encodes a BEIR corpus (title and text joined) and upserts it. Re-running is idempotent: documents
/// whose title and text are unchanged are neither encoded nor written again.
/// </summary>
internal sealed class IndexCommand(CliOutput output) : AsyncCommand<IndexCommand.Settings>
{
    private const int Chunk = 256;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string input = Path.GetFullPath(settings.Input!);
        if (!File.Exists(input))
        {
            throw new FileNotFoundException($"The input file '{input}' does not exist.", input);
        }

        CollectionNames.Validate(settings.Collection!);

        // The whole input is read once before anything is written: a bad line is reported (file and line)
        // while the store is still as it was.
        long total = 0;
        foreach (var _ in new BeirDataset(Path.GetDirectoryName(input)!).ReadCorpus(input))
        {
            total++;
        }

        using var encoder = new OnnxEncoder(EncoderModel.Resolve(settings.Model), new OnnxEncoderOptions { IntraOpThreads = settings.Threads });
        using var store = await CliStore.OpenAsync(settings.Store!, output, readOnly: false, settings.Engine, settings.Index, settings.Shards).ConfigureAwait(false);
        if (await store.FindManifestAsync(settings.Collection!).ConfigureAwait(false) is { } manifest && manifest.Model != encoder.Model.Name)
        {
            throw new CliInputException($"Collection '{settings.Collection}' was indexed with model '{manifest.Model}', not '{encoder.Model.Name}'.");
        }

        var collection = store.Collection(settings.Collection!, encoder.Dimension);
        try
        {
            await collection.EnsureCollectionExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (settings.Index is not null && ex is NormRetrieval.Faiss.FaissException or ArgumentException)
        {
            throw new CliInputException($"--index '{settings.Index}' is not an index Faiss can build: {ex.Message}");
        }
        await store.WriteManifestAsync(settings.Collection!, new CliCollection.Manifest(encoder.Model.Name, encoder.Dimension)).ConfigureAwait(false);

        var reader = new BeirDataset(Path.GetDirectoryName(input)!);
        var progress = new ProgressReporter(output, "index", total);
        long done = 0, written = 0;
        var chunk = new List<BeirDocument>(Chunk);
        try
        {
            foreach (var document in reader.ReadCorpus(input))
            {
                chunk.Add(document);
                if (chunk.Count == Chunk)
                {
                    long before = done;
                    written += await CorpusIndexer.WriteAsync(encoder, collection, chunk, cancellationToken, n => progress.Report(before + n)).ConfigureAwait(false);
                    done += chunk.Count;
                    chunk.Clear();
                    progress.Report(done);
                }
            }

            long last = done;
            written += await CorpusIndexer.WriteAsync(encoder, collection, chunk, cancellationToken, n => progress.Report(last + n)).ConfigureAwait(false);
            done += chunk.Count;
            progress.Report(done, final: true);
        }
        finally
        {
            progress.Finish();
        }
        long count = await collection.CountAsync(cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync(
            $"indexed {done} documents ({written} encoded, {done - written} unchanged) into '{settings.Collection}' ({count} records, {await collection.DescribeAsync(cancellationToken).ConfigureAwait(false)}, {encoder.Model.Name} on {encoder.ExecutionProvider})").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    public sealed class Settings : StoreSettings
    {
        [CommandOption("--input <FILE>")]
        [Description("A BEIR corpus.jsonl (_id, title, text).")]
        public string? Input { get; init; }

        [CommandOption("--model <MODEL>")]
        [Description("minilm (default), arctic-xs, or a model folder.")]
        public string Model { get; init; } = "minilm";

        [CommandOption("--engine <ENGINE>")]
        [Description("faiss (default when installed) or flat (the managed exact index); used when the collection is created.")]
        public string? Engine { get; init; }

        [CommandOption("--index <FACTORY>")]
        [Description("Faiss factory string when the collection is created: Flat (default, exact), HNSW32, HNSW32,efConstruction=200 (a better graph, built more slowly), ...")]
        public string? Index { get; init; }

        [CommandOption("--shards <N>")]
        [Description("garnet: stores only: how many vector sets (shards) the collection is spread over when it is created (default 3).")]
        public int? Shards { get; init; }

        [CommandOption("--threads <N>")]
        [Description("ONNX Runtime intra-op threads.")]
        public int? Threads { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Input) ? Spectre.Console.ValidationResult.Error("--input is required.")
            : Shards is < 1 or > 1024 ? Spectre.Console.ValidationResult.Error("--shards must be between 1 and 1024.")
            : base.Validate();
    }
}
