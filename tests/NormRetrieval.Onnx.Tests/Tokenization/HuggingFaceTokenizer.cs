using System.Text;
using System.Text.Json;
using NormRetrieval.Onnx.Models;

namespace NormRetrieval.Onnx.Tests.Tokenization;

/// <summary>
/// The oracle: the Hugging Face tokenizers library (Rust, through Tokenizers.DotNet) configured as the
/// models' own tokenizer.json — BertNormalizer (clean text, CJK spacing, lower case, accents stripped),
/// BertPreTokenizer, WordPiece (max 100 characters per word), [CLS] … [SEP], right truncation.
/// </summary>
internal sealed class HuggingFaceTokenizer : IDisposable
{
    private readonly Tokenizers.DotNet.Tokenizer _tokenizer;
    private readonly string _path;

    public HuggingFaceTokenizer(EncoderModel model, bool truncate = true)
    {
        var vocab = new Dictionary<string, int>();
        using (var reader = model.OpenVocabulary())
        {
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                vocab.TryAdd(line.TrimEnd('\r'), vocab.Count);
            }
        }

        var special = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        var json = new
        {
            version = "1.0",
            truncation = truncate ? new { direction = "Right", max_length = model.MaxTokens, strategy = "LongestFirst", stride = 0 } : null,
            padding = (object?)null,
            added_tokens = special.Select(t => new { id = vocab[t], content = t, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true }),
            normalizer = new { type = "BertNormalizer", clean_text = true, handle_chinese_chars = true, strip_accents = (bool?)null, lowercase = model.LowerCase },
            pre_tokenizer = new { type = "BertPreTokenizer" },
            post_processor = new
            {
                type = "TemplateProcessing",
                single = new object[]
                {
                    new { SpecialToken = new { id = "[CLS]", type_id = 0 } },
                    new { Sequence = new { id = "A", type_id = 0 } },
                    new { SpecialToken = new { id = "[SEP]", type_id = 0 } },
                },
                pair = new object[]
                {
                    new { SpecialToken = new { id = "[CLS]", type_id = 0 } },
                    new { Sequence = new { id = "A", type_id = 0 } },
                    new { SpecialToken = new { id = "[SEP]", type_id = 0 } },
                    new { Sequence = new { id = "B", type_id = 1 } },
                    new { SpecialToken = new { id = "[SEP]", type_id = 1 } },
                },
                special_tokens = new Dictionary<string, object>
                {
                    ["[CLS]"] = new { id = "[CLS]", ids = new[] { vocab["[CLS]"] }, tokens = new[] { "[CLS]" } },
                    ["[SEP]"] = new { id = "[SEP]", ids = new[] { vocab["[SEP]"] }, tokens = new[] { "[SEP]" } },
                },
            },
            decoder = new { type = "WordPiece", prefix = "##", cleanup = true },
            model = new { type = "WordPiece", unk_token = "[UNK]", continuing_subword_prefix = "##", max_input_chars_per_word = 100, vocab },
        };
        _path = Path.Combine(Path.GetTempPath(), $"hf-tokenizer-{model.Name}-{Guid.NewGuid():N}.json");
        File.WriteAllText(_path, JsonSerializer.Serialize(json), new UTF8Encoding(false));
        _tokenizer = new Tokenizers.DotNet.Tokenizer(vocabPath: _path);
    }

    public long[] Encode(string text) => [.. _tokenizer.Encode(text).Select(id => (long)id)];

    public void Dispose()
    {
        _tokenizer.Dispose();
        File.Delete(_path);
    }
}
