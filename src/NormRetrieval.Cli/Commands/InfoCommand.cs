using System.ComponentModel;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Faiss;
using NormRetrieval.Indexing;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Onnx.Runtime;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary><c>normretrieval info [--json]</c>: versions and the engines this build can use.</summary>
internal sealed class InfoCommand(CliOutput output) : AsyncCommand<InfoCommand.Settings>
{
    /// <summary>The product version (informational version of the CLI assembly, without build metadata).</summary>
    public static string ProductVersion { get; } =
        (typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var report = Collect();
        if (settings.Json)
        {
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await output.Out.WriteLineAsync($"normretrieval {report.Version} on {report.Runtime}, {report.Os} ({report.ProcessorCount} processors)").ConfigureAwait(false);
        foreach (var (name, engine) in report.Engines)
        {
            string state = engine.Available ? "available" : $"unavailable: {engine.Reason}";
            string detail = name == "faiss" && engine.Available ? $" (Faiss {engine.Version}, {report.Faiss.Blas}; shim {report.Faiss.Library ?? "?"})"
                : engine.Version is null ? string.Empty : $" (version {engine.Version})";
            await output.Out.WriteLineAsync($"  {name,-8} {state}{detail}").ConfigureAwait(false);
        }

        string fallback = report.Engines["faiss"].Available ? "new exact collections use exact, approximate ones faiss" : "new collections use exact (Faiss is unavailable: see above)";
        await output.Out.WriteLineAsync($"  default  {fallback}").ConfigureAwait(false);
        await output.Out.WriteLineAsync($"  onnx     ONNX Runtime {report.Onnx.Version}; providers: {string.Join(", ", report.Onnx.ExecutionProviders)}; models: {string.Join(", ", report.Onnx.Models)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    internal static InfoReport Collect() => new(
        ProductVersion,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        Environment.ProcessorCount,
        new Dictionary<string, EngineInfo>
        {
            ["exact"] = new(true, typeof(ExactVectorIndex).Assembly.GetName().Version?.ToString(3), null,
                "managed exact inner-product index (TensorPrimitives SIMD)"),
            ["faiss"] = new(FaissRuntime.IsAvailable, FaissRuntime.Version, FaissRuntime.UnavailableReason,
                FaissRuntime.IsAvailable ? $"Faiss through the native shim ({FaissRuntime.Blas})" : null),
        },
        new FaissInfo(FaissRuntime.IsAvailable, FaissRuntime.Version, FaissRuntime.Blas, FaissRuntime.UnavailableReason, FaissRuntime.NativeLibraryPath),
        new OnnxRuntimeInfo(
            Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString(),
            ExecutionProviderSelection.Available(),
            [.. EncoderModel.BuiltInNames]));

    private static readonly JsonSerializerOptions JsonOptions = NormRetrieval.Serialization.StrictJson.Options(omitNulls: true);

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print a JSON object instead of text.")]
        public bool Json { get; init; }
    }

    internal sealed record InfoReport(
        string Version, string Runtime, string Os, string Architecture, int ProcessorCount, IReadOnlyDictionary<string, EngineInfo> Engines, FaissInfo Faiss, OnnxRuntimeInfo Onnx);

    internal sealed record FaissInfo(bool Available, string? Version, string? Blas, string? Reason, string? Library);

    internal sealed record OnnxRuntimeInfo(string Version, IReadOnlyList<string> ExecutionProviders, IReadOnlyList<string> Models);

    internal sealed record EngineInfo(bool Available, string? Version, string? Reason, string? Detail);
}
