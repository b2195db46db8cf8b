namespace NormRetrieval.Beir;

/// <summary>A corpus document.</summary>
/// <param name="Id">The document id (<c>_id</c>).</param>
/// <param name="Title">The title (empty when absent).</param>
/// <param name="Text">The text.</param>
public sealed record BeirDocument(string Id, string Title, string Text)
{
    /// <summary>The text to encode: title and text joined by a space (the text alone when there is no title).</summary>
    public string FullText => Title.Length == 0 ? Text : Title + " " + Text;
}
