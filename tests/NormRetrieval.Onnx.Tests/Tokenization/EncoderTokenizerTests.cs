using NormRetrieval.Onnx.Models;
using NormRetrieval.Onnx.Tokenization;

namespace NormRetrieval.Onnx.Tests.Tokenization;

public sealed class EncoderTokenizerTests
{
    public static TheoryData<string, string> HardCases()
    {
        var data = new TheoryData<string, string>();
        string[] texts =
        [
            "Café naïve résumé façade Ångström Œuvre",
            "漢字とカタカナ、한국어 and 中文 mixed with English",
            "Punctuation!? (brackets) [square] {curly} $+=<>|^~ @#%&* «quotes» — dashes… ",
            "tabs\tand\nnewlines\r\nand  double  spaces",
            "emoji 😀🚀 and symbols ©®™ and math ∑∫√",
            "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
            new string('a', 99) + " " + new string('b', 100) + " " + new string('c', 101) + " end",
            "x" + new string('é', 150) + " tail",
            "hyphen-ated, apostrophe's, e-mail@example.com, http://example.org/path?q=1",
            "Numbers 3.14159 1,000,000 2nd 42x",
            "MiXeD CaSe WORDS and ÜBER",
            string.Join(' ', Enumerable.Repeat("aerodynamic boundary layer", 300)),
            string.Join(' ', Enumerable.Repeat("x", 600)),
            "",
            "   ",
            "control\u0001chars\u200band zero\u00a0width",
        ];
        foreach (string model in new[] { "minilm", "arctic-xs" })
        {
            foreach (string text in texts)
            {
                data.Add(model, text);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HardCases))]
    public void Token_ids_equal_the_hugging_face_tokenizer(string modelName, string text)
    {
        var model = EncoderModel.Resolve(modelName);
        using var oracle = new HuggingFaceTokenizer(model);
        var tokenizer = TestEncoders.For(modelName).Tokenizer;
        long[] expected = oracle.Encode(text);
        var actual = tokenizer.Tokenize(text);
        Assert.Equal(expected, actual.InputIds);
        using var untruncated = new HuggingFaceTokenizer(model, truncate: false);
        Assert.Equal(untruncated.Encode(text).Length > model.MaxTokens, actual.Truncated);
    }

    [Theory]
    [InlineData("minilm", 256)]
    [InlineData("arctic-xs", 512)]
    public void Long_texts_are_truncated_to_the_model_limit_and_flagged(string modelName, int max)
    {
        var tokenizer = TestEncoders.For(modelName).Tokenizer;
        var longText = tokenizer.Tokenize(string.Join(' ', Enumerable.Repeat("word", max * 2)));
        Assert.True(longText.Truncated);
        Assert.Equal(max, longText.Count);
        Assert.Equal(102, longText.InputIds[^1]);

        // Exactly at the limit: max − 2 words plus [CLS] and [SEP] fit without truncation.
        var exact = tokenizer.Tokenize(string.Join(' ', Enumerable.Repeat("word", max - 2)));
        Assert.False(exact.Truncated);
        Assert.Equal(max, exact.Count);
        var over = tokenizer.Tokenize(string.Join(' ', Enumerable.Repeat("word", max - 1)));
        Assert.True(over.Truncated);
        Assert.Equal(max, over.Count);
    }

    [Fact]
    public void Query_mode_adds_the_query_prefix()
    {
        var tokenizer = TestEncoders.ArcticXs.Tokenizer;
        var document = tokenizer.Tokenize("swept wings");
        var query = tokenizer.Tokenize("swept wings", EncodeMode.Query);
        var prefixed = tokenizer.Tokenize(EncoderModel.ArcticXs.QueryPrefix + "swept wings");
        Assert.Equal(prefixed.InputIds, query.InputIds);
        Assert.True(query.Count > document.Count);
        Assert.Equal(TestEncoders.MiniLM.Tokenizer.Tokenize("x").InputIds, TestEncoders.MiniLM.Tokenizer.Tokenize("x", EncodeMode.Query).InputIds);
    }

    [Fact]
    public void Empty_text_is_cls_and_sep()
    {
        var t = TestEncoders.MiniLM.Tokenizer.Tokenize(string.Empty);
        Assert.Equal([101L, 102L], t.InputIds);
        Assert.False(t.Truncated);
    }

    [Theory]
    [InlineData("broken \uD800 high")]
    [InlineData("broken \uDC00 low")]
    [InlineData("\uD83D")]
    [InlineData("ends with \uD83D")]
    public void Unpaired_surrogates_are_dropped_like_the_replacement_character(string text)
    {
        var tokenizer = TestEncoders.MiniLM.Tokenizer;
        string replaced = EncoderTokenizer.Sanitize(text);
        Assert.DoesNotContain(replaced, char.IsSurrogate);
        using var oracle = new HuggingFaceTokenizer(EncoderModel.MiniLM);
        Assert.Equal(oracle.Encode(replaced), tokenizer.Tokenize(text).InputIds);
    }

    [Fact]
    public void Null_text_is_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => TestEncoders.MiniLM.Tokenizer.Tokenize(null!));
    }
}
