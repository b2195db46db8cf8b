using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;

namespace NormRetrieval.Onnx.Tests;

/// <summary>One encoder per built-in model, shared by all tests (loading a model takes a second or two).</summary>
internal static class TestEncoders
{
    private static readonly Lazy<OnnxEncoder> LazyMiniLM = new(() => new OnnxEncoder(EncoderModel.MiniLM, new OnnxEncoderOptions { ExecutionProvider = NormRetrieval.Onnx.Runtime.ExecutionProvider.Cpu }));
    private static readonly Lazy<OnnxEncoder> LazyArctic = new(() => new OnnxEncoder(EncoderModel.ArcticXs, new OnnxEncoderOptions { ExecutionProvider = NormRetrieval.Onnx.Runtime.ExecutionProvider.Cpu }));

    public static OnnxEncoder MiniLM => LazyMiniLM.Value;

    public static OnnxEncoder ArcticXs => LazyArctic.Value;

    public static OnnxEncoder For(string name) => name == "minilm" ? MiniLM : ArcticXs;

    public static readonly string[] OrdinaryTexts =
    [
        "The boundary layer on a flat plate at zero incidence.",
        "Experimental investigation of the aerodynamics of a wing in a slipstream.",
        "what is the effect of viscosity on supersonic flow over a cone?",
        "Library circulation statistics and the use of periodicals by graduate students.",
        "A cat sat on the mat.",
        "Heat transfer",
        "Information retrieval systems can rank documents by the cosine similarity of their embeddings, " +
        "but the norm of each embedding, which is discarded by normalisation, also carries information about specificity.",
    ];
}
