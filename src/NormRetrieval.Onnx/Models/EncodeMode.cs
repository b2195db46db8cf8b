namespace NormRetrieval.Onnx.Models;

/// <summary>Whether a text is a document or a query; models may prefix queries and documents differently.</summary>
public enum EncodeMode
{
    /// <summary>A document (passage) to be stored and searched.</summary>
    Document,

    /// <summary>A search query.</summary>
    Query,
}
