using NormRetrieval.Testing;

namespace NormRetrieval.Garnet.Tests;

internal static class Cranfield
{
    /// <summary>The collection's documents as records with their raw vectors; Bucket cycles 0, 1, 2 for filters.</summary>
    public static List<Document> Documents(TestCollection data) => [.. Enumerable.Range(0, data.DocumentCount).Select(i => new Document
    {
        Id = data.DocumentIds[i],
        Text = data.DocumentTexts[i],
        Bucket = i % 3,
        Norm = data.DocumentNorms[i],
        Vector = data.DocumentRaw[i],
    })];
}
