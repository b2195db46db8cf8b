namespace NormRetrieval.Beir;

/// <summary>A query.</summary>
/// <param name="Id">The query id (<c>_id</c>).</param>
/// <param name="Text">The query text.</param>
public sealed record BeirQuery(string Id, string Text);
