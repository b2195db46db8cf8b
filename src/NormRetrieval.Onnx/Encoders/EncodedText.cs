namespace NormRetrieval.Onnx.Encoders;

/// <summary>The encoder's output for one text.</summary>
/// <param name="Vector">The raw pooled embedding, before any normalisation.</param>
/// <param name="Norm">The Euclidean norm of <paramref name="Vector"/>.</param>
/// <param name="TokenCount">Tokens the model read, [CLS] and [SEP] included (after truncation).</param>
/// <param name="Truncated">Whether the text was cut to the model's maximum token count.</param>
public sealed record EncodedText(float[] Vector, float Norm, int TokenCount, bool Truncated);
