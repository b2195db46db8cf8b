using Microsoft.Extensions.Logging;
using NormRetrieval.Onnx.Runtime;

namespace NormRetrieval.Onnx.Encoders;

/// <summary>Options of <see cref="OnnxEncoder"/>.</summary>
public sealed record OnnxEncoderOptions
{
    /// <summary>
    /// The execution provider (default <see cref="ExecutionProvider.Auto"/>; when Auto, the environment
    /// variable <c>NORMRETRIEVAL_EXECUTION_PROVIDER</c> may set it). An unavailable provider falls back to
    /// the CPU with a logged reason.
    /// </summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Auto;

    /// <summary>The GPU to use with CUDA or DirectML (default 0).</summary>
    public int DeviceId { get; init; }

    /// <summary>Intra-op threads of the ONNX Runtime session; null leaves ONNX Runtime's default (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Whether idle intra-op threads spin (default false: on a shared machine spinning steals the
    /// cores other work needs, for little gain).
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Texts run through the model together (default 32). Texts are grouped by length to limit padding.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Where to log the provider choice and fallbacks (category <c>NormRetrieval.Onnx.Encoders.OnnxEncoder</c>); null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
