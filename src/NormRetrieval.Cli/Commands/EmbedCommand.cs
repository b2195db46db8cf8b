using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary>
/// <c>normretrieval embed --model M [--mode document|query] --input IN.jsonl --output OUT.jsonl [--vectors]</c>:
/// encodes the <c>text</c> of every JSON line and writes it back with <c>norm</c>, <c>tokens</c>,
/// <c>truncated</c> and, with <c>--vectors</c>, <c>vector</c>. The output appears only when every line
/// succeeded (it is written to a temporary file and moved into place).
/// </summary>
internal sealed class EmbedCommand(CliOutput output) : AsyncCommand<EmbedCommand.Settings>
{
    private const int Chunk = 256;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string input = Path.GetFullPath(settings.Input!);
        string target = Path.GetFullPath(settings.Output!);
        if (!File.Exists(input))
        {
            throw new FileNotFoundException($"The input file '{input}' does not exist.", input);
        }

        if (string.Equals(input, target, StringComparison.Ordinal))
        {
            throw new CliInputException("--input and --output must be different files.");
        }

        EncodeMode mode = settings.Mode?.ToLowerInvariant() switch
        {
            null or "document" => EncodeMode.Document,
            "query" => EncodeMode.Query,
            _ => throw new CliInputException($"--mode must be 'document' or 'query', not '{settings.Mode}'."),
        };

        long total = File.ReadLines(input).LongCount(l => !string.IsNullOrWhiteSpace(l));
        using var encoder = new OnnxEncoder(EncoderModel.Resolve(settings.Model), new OnnxEncoderOptions { IntraOpThreads = settings.Threads });
        var progress = total >= 1000 ? new ProgressReporter(output, "embed", total) : null;

        string temp = target + ".tmp";
        long done = 0;
        try
        {
            await using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
            {
                var pending = new List<(JsonObject Json, string Text)>(Chunk);
                long lineNumber = 0;
                foreach (string line in File.ReadLines(input))
                {
                    lineNumber++;
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    pending.Add(ParseLine(input, lineNumber, line));
                    if (pending.Count == Chunk)
                    {
                        done += await FlushAsync(encoder, mode, settings.Vectors, pending, writer, cancellationToken).ConfigureAwait(false);
                        progress?.Report(done);
                    }
                }

                done += await FlushAsync(encoder, mode, settings.Vectors, pending, writer, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        progress?.Report(done, final: true);
        await output.Error.WriteLineAsync($"embed: {done} texts with {encoder.Model.Name} on {encoder.ExecutionProvider} → {target}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static (JsonObject Json, string Text) ParseLine(string file, long lineNumber, string line)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new CliInputException($"{file}:{lineNumber}: invalid JSON ({ex.Message})", ex);
        }

        if (node is not JsonObject json)
        {
            throw new CliInputException($"{file}:{lineNumber}: the line is not a JSON object.");
        }

        if (json["text"] is not JsonValue value || !value.TryGetValue(out string? text))
        {
            throw new CliInputException($"{file}:{lineNumber}: the object has no string field 'text'.");
        }

        return (json, text);
    }

    private static async Task<int> FlushAsync(
        OnnxEncoder encoder, EncodeMode mode, bool vectors, List<(JsonObject Json, string Text)> pending, StreamWriter writer, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return 0;
        }

        var encoded = encoder.Encode([.. pending.Select(p => p.Text)], mode, cancellationToken);
        for (int i = 0; i < pending.Count; i++)
        {
            var json = pending[i].Json;
            var e = encoded[i];
            json["norm"] = e.Norm;
            json["tokens"] = e.TokenCount;
            json["truncated"] = e.Truncated;
            if (vectors)
            {
                json["vector"] = new JsonArray([.. e.Vector.Select(v => (JsonNode)JsonValue.Create(v))]);
            }

            await writer.WriteLineAsync(json.ToJsonString()).ConfigureAwait(false);
        }

        int count = pending.Count;
        pending.Clear();
        return count;
    }

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <MODEL>")]
        [Description("minilm, arctic-xs, or a model folder (model.onnx, vocab.txt, encoder.json). Default: minilm.")]
        public string Model { get; init; } = "minilm";

        [CommandOption("--mode <MODE>")]
        [Description("document (default) or query: queries get the model's query prefix.")]
        public string? Mode { get; init; }

        [CommandOption("--input <FILE>")]
        [Description("JSON lines, each an object with a string field 'text'; other fields are copied through.")]
        public string? Input { get; init; }

        [CommandOption("--output <FILE>")]
        [Description("Where to write the JSON lines with norm, tokens, truncated (and vector).")]
        public string? Output { get; init; }

        [CommandOption("--vectors")]
        [Description("Also write the raw vector of each text.")]
        public bool Vectors { get; init; }

        [CommandOption("--threads <N>")]
        [Description("ONNX Runtime intra-op threads (default: one per physical core).")]
        public int? Threads { get; init; }

        public override Spectre.Console.ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Input) || string.IsNullOrWhiteSpace(Output))
            {
                return Spectre.Console.ValidationResult.Error("--input and --output are required.");
            }

            return Threads is < 1 ? Spectre.Console.ValidationResult.Error("--threads must be at least 1.") : base.Validate();
        }
    }
}
