namespace NormRetrieval.Vectors;

/// <summary>
/// Keys under which NormRetrieval's embedding generators put what the vector alone does not say, in
/// <c>Embedding.AdditionalProperties</c> (Microsoft.Extensions.AI), and the key of the encode mode in
/// <c>EmbeddingGenerationOptions.AdditionalProperties</c>.
/// </summary>
public static class EmbeddingPropertyNames
{
    /// <summary>The raw (pre-normalisation) Euclidean norm of the vector, a <see cref="float"/>.</summary>
    public const string Norm = "normretrieval.norm";

    /// <summary>The number of tokens the encoder read, [CLS] and [SEP] included, an <see cref="int"/>.</summary>
    public const string TokenCount = "normretrieval.tokens";

    /// <summary>Whether the text was cut to the model's maximum token count, a <see cref="bool"/>.</summary>
    public const string Truncated = "normretrieval.truncated";

    /// <summary>
    /// In generation options: <c>"query"</c> or <c>"document"</c> (the default), choosing the model's
    /// query or document prefix.
    /// </summary>
    public const string Mode = "normretrieval.mode";
}
