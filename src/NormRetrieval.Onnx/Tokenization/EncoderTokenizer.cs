using System.Text;
using FastBertTokenizer;
using NormRetrieval.Onnx.Models;

namespace NormRetrieval.Onnx.Tokenization;

/// <summary>
/// The WordPiece tokenizer of an encoder model (FastBertTokenizer, which reproduces the Hugging Face
/// BERT tokenizer), with the model's prefixes, truncation to its maximum token count and a truncation flag.
/// </summary>
/// <remarks>
/// Input is made well-formed first: an unpaired UTF-16 surrogate becomes U+FFFD, which BERT's text
/// cleaning then drops, as the Hugging Face tokenizer does with the replacement character. Words longer
/// than 100 characters become [UNK], as in the Hugging Face WordPiece model. Thread-safe.
/// </remarks>
public sealed class EncoderTokenizer
{
    /// <summary>Words longer than this (in characters, after normalisation) are one [UNK] token, as in Hugging Face's WordPiece.</summary>
    public const int MaxWordCharacters = 100;

    private readonly BertTokenizer _tokenizer = new();
    private readonly Lock _gate = new();
    private readonly EncoderModel _model;
    private readonly long[] _probe;

    /// <summary>Loads the vocabulary of a model.</summary>
    /// <param name="model">The model.</param>
    /// <exception cref="EncoderModelException">The vocabulary is missing or invalid.</exception>
    public EncoderTokenizer(EncoderModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        using var vocabulary = model.OpenVocabulary();
        try
        {
            _tokenizer.LoadVocabulary(vocabulary, model.LowerCase);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or KeyNotFoundException or FormatException or InvalidDataException)
        {
            throw new EncoderModelException($"The vocabulary of model '{model.Name}' ({model.Source}) is invalid: {ex.Message}", ex);
        }

        _probe = new long[model.MaxTokens + 1];
    }

    /// <summary>The most tokens a text becomes, [CLS] and [SEP] included.</summary>
    public int MaxTokens => _model.MaxTokens;

    /// <summary>Tokenises one text with the prefix of the mode.</summary>
    /// <param name="text">The text (empty is allowed: it becomes [CLS] [SEP]).</param>
    /// <param name="mode">Document or query.</param>
    /// <returns>The token ids and whether they were truncated.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public TokenizedText Tokenize(string text, EncodeMode mode = EncodeMode.Document)
    {
        ArgumentNullException.ThrowIfNull(text);
        string input = Sanitize(_model.PrefixFor(mode) + text);
        lock (_gate)
        {
            // Encode into one slot more than allowed: filling it means the text does not fit.
            int written = _tokenizer.Encode(input, _probe.AsSpan(), new long[_probe.Length], null);
            if (written <= MaxTokens)
            {
                return new TokenizedText(_probe.AsSpan(0, written).ToArray(), Truncated: false);
            }

            var ids = new long[MaxTokens];
            written = _tokenizer.Encode(input, ids.AsSpan(), new long[MaxTokens], null);
            return new TokenizedText(written == MaxTokens ? ids : ids[..written], Truncated: true);
        }
    }

    /// <summary>Makes text well-formed UTF-16 and turns over-long words into [UNK].</summary>
    internal static string Sanitize(string text)
    {
        StringBuilder? builder = null;
        int wordStart = -1;
        int wordChars = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            bool end = i == text.Length;
            char c = end ? ' ' : text[i];
            bool unpaired = !end && (char.IsHighSurrogate(c)
                ? i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])
                : char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(text[i - 1])));
            bool wordChar = !end && !unpaired && IsWordChar(text, i);
            if (wordChar)
            {
                if (wordStart < 0)
                {
                    wordStart = i;
                    wordChars = 0;
                }

                if (!char.IsLowSurrogate(c) && System.Globalization.CharUnicodeInfo.GetUnicodeCategory(text, i) != System.Globalization.UnicodeCategory.NonSpacingMark)
                {
                    wordChars++;
                }

                continue;
            }

            if (wordStart >= 0)
            {
                if (wordChars > MaxWordCharacters)
                {
                    builder ??= new StringBuilder(text, 0, wordStart, text.Length);
                    builder.Append(" [UNK] ");
                }
                else
                {
                    builder?.Append(text, wordStart, i - wordStart);
                }

                wordStart = -1;
            }

            if (i < text.Length)
            {
                if (unpaired)
                {
                    builder ??= new StringBuilder(text, 0, i, text.Length);
                    builder.Append('\uFFFD');
                }
                else
                {
                    builder?.Append(c);
                }
            }
        }

        return builder?.ToString() ?? text;
    }

    private static bool IsWordChar(string text, int i)
    {
        char c = text[i];
        if (char.IsLowSurrogate(c))
        {
            return true; // the second half of a pair belongs to the character before it
        }

        if (char.IsWhiteSpace(c) || IsPunctuation(c))
        {
            return false;
        }

        int cp = CodePointAt(text, i);
        var category = System.Globalization.CharUnicodeInfo.GetUnicodeCategory(cp);
        return category is not (System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format) && !IsCjk(cp);
    }

    private static int CodePointAt(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
            ? char.ConvertToUtf32(text[i], text[i + 1])
            : text[i];

    private static bool IsPunctuation(char c) =>
        c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~') ||
        char.IsPunctuation(c);

    private static bool IsCjk(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
