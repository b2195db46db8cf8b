namespace NormRetrieval.Onnx.Runtime;

/// <summary>Which ONNX Runtime execution provider an encoder should run on.</summary>
public enum ExecutionProvider
{
    /// <summary>The best one the loaded runtime offers: CUDA, then DirectML (Windows), then CoreML (macOS), then CPU.</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA (needs the Microsoft.ML.OnnxRuntime.Gpu.Linux build and CUDA 13 + cuDNN 9).</summary>
    Cuda,

    /// <summary>DirectML on Windows (needs the DirectML build of ONNX Runtime).</summary>
    DirectML,

    /// <summary>CoreML on macOS.</summary>
    CoreML,
}
