using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;

namespace NormRetrieval.SemanticKernel.Tests;

/// <summary>The real encoder, shared by the tests that need automatic embedding.</summary>
internal static class Encoders
{
    private static readonly Lazy<OnnxEncoder> LazyArctic = new(() => new OnnxEncoder(EncoderModel.ArcticXs));

    public static OnnxEncoder ArcticXs => LazyArctic.Value;
}
