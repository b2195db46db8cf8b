namespace NormRetrieval.Onnx.Tokenization;

/// <summary>A tokenised text: WordPiece ids with [CLS] first and [SEP] last.</summary>
/// <param name="InputIds">The token ids.</param>
/// <param name="Truncated">Whether the text was cut to the model's maximum token count.</param>
public sealed record TokenizedText(long[] InputIds, bool Truncated)
{
    /// <summary>The number of tokens, [CLS] and [SEP] included.</summary>
    public int Count => InputIds.Length;
}
