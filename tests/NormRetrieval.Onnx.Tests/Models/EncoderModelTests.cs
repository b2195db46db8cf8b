using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;

namespace NormRetrieval.Onnx.Tests.Models;

public sealed class EncoderModelTests
{
    private static TempDirectory ModelFolder(byte[]? graph, string? vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n", string? config = null)
    {
        var dir = new TempDirectory();
        if (graph is not null)
        {
            File.WriteAllBytes(dir.File("model.onnx"), graph);
        }

        if (vocab is not null)
        {
            File.WriteAllText(dir.File("vocab.txt"), vocab);
        }

        if (config is not null)
        {
            File.WriteAllText(dir.File("encoder.json"), config);
        }

        return dir;
    }

    [Fact]
    public void Built_in_models_resolve_by_name()
    {
        Assert.Same(EncoderModel.MiniLM, EncoderModel.Resolve("minilm"));
        Assert.Same(EncoderModel.ArcticXs, EncoderModel.Resolve("ARCTIC-XS"));
        Assert.Equal(PoolingMode.Mean, EncoderModel.MiniLM.Pooling);
        Assert.Equal(256, EncoderModel.MiniLM.MaxTokens);
        Assert.Equal(PoolingMode.Cls, EncoderModel.ArcticXs.Pooling);
        Assert.Equal(512, EncoderModel.ArcticXs.MaxTokens);
        Assert.StartsWith("Represent this sentence", EncoderModel.ArcticXs.QueryPrefix, StringComparison.Ordinal);
        var ex = Assert.Throws<EncoderModelException>(() => EncoderModel.Resolve("gpt-17"));
        Assert.Contains("neither a built-in model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_model_with_the_real_graph_and_a_config_encodes_like_the_built_in()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("model.onnx"), EncoderModel.ArcticXs.LoadGraph());
        using (var vocab = EncoderModel.ArcticXs.OpenVocabulary())
        {
            File.WriteAllText(dir.File("vocab.txt"), vocab.ReadToEnd());
        }

        File.WriteAllText(dir.File("encoder.json"), """{ "name": "my-arctic", "pooling": "cls", "maxTokens": 512, "queryPrefix": "Represent this sentence for searching relevant passages: " }""");
        var model = EncoderModel.Resolve(dir.Path);
        Assert.Equal("my-arctic", model.Name);
        using var encoder = new OnnxEncoder(model);
        var expected = TestEncoders.ArcticXs.Encode("flutter of swept wings", EncodeMode.Query);
        Assert.Equal(expected.Norm, encoder.Encode("flutter of swept wings", EncodeMode.Query).Norm, expected.Norm * 1e-5f);
    }

    [Fact]
    public void Missing_files_are_named()
    {
        using (var noGraph = ModelFolder(graph: null))
        {
            var ex = Assert.Throws<EncoderModelException>(() => EncoderModel.FromDirectory(noGraph.Path));
            Assert.Contains("model.onnx", ex.Message, StringComparison.Ordinal);
        }

        using (var noVocab = ModelFolder(graph: [1, 2, 3], vocab: null))
        {
            var ex = Assert.Throws<EncoderModelException>(() => EncoderModel.FromDirectory(noVocab.Path));
            Assert.Contains("vocab.txt", ex.Message, StringComparison.Ordinal);
        }

        Assert.Throws<EncoderModelException>(() => EncoderModel.FromDirectory("/nonexistent/model"));
    }

    [Theory]
    [InlineData("""{ "pooling": "max" }""")]
    [InlineData("""{ "maxTokens": 1 }""")]
    [InlineData("""{ "unknownSetting": true }""")]
    [InlineData("not json")]
    public void Invalid_configurations_are_rejected(string config)
    {
        using var dir = ModelFolder([1], config: config);
        var ex = Assert.Throws<EncoderModelException>(() => EncoderModel.FromDirectory(dir.Path));
        Assert.Contains("encoder.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_graph_is_a_typed_error()
    {
        using var dir = ModelFolder("this is not an onnx file"u8.ToArray());
        var ex = Assert.Throws<EncoderModelException>(() => new OnnxEncoder(EncoderModel.FromDirectory(dir.Path)));
        Assert.Contains("cannot load the graph", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_real_graph_is_a_typed_error()
    {
        byte[] graph = EncoderModel.MiniLM.LoadGraph();
        using var dir = ModelFolder(graph[..(graph.Length / 2)]);
        Assert.Throws<EncoderModelException>(() => new OnnxEncoder(EncoderModel.FromDirectory(dir.Path)));
    }

    [Fact]
    public void A_graph_that_is_not_an_encoder_is_rejected_with_its_inputs_named()
    {
        using var dir = ModelFolder(TinyOnnxGraph.Identity("pixels", "logits"));
        var ex = Assert.Throws<EncoderModelException>(() => new OnnxEncoder(EncoderModel.FromDirectory(dir.Path)));
        Assert.Contains("no input 'input_ids'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pixels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_graph_with_the_right_names_but_wrong_types_is_rejected()
    {
        using var dir = ModelFolder(TinyOnnxGraph.Identity("input_ids", "last_hidden_state"));
        var ex = Assert.Throws<EncoderModelException>(() => new OnnxEncoder(EncoderModel.FromDirectory(dir.Path)));
        Assert.Contains("input_ids", ex.Message, StringComparison.Ordinal);
    }
}
