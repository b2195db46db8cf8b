using Microsoft.Extensions.AI;
using NormRetrieval.Beir;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.SemanticKernel;
using NormRetrieval.Vectors;

namespace NormRetrieval.Cli.Infrastructure;

/// <summary>Encodes BEIR documents and upserts the ones that are new or changed.</summary>
internal static class CorpusIndexer
{
    /// <summary>Upserts a chunk of documents; unchanged ones (same title and text) are skipped.</summary>
    /// <returns>How many documents were encoded and written.</returns>
    public static async Task<int> WriteAsync(OnnxEncoder encoder, Microsoft.Extensions.VectorData.VectorStoreCollection<object, Dictionary<string, object?>> collection, List<BeirDocument> chunk, CancellationToken cancellationToken)
    {
        if (chunk.Count == 0)
        {
            return 0;
        }

        var existing = new Dictionary<string, (string? Title, string? Text)>(StringComparer.Ordinal);
        await foreach (var r in collection.GetAsync(chunk.Select(d => (object)d.Id), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            existing[(string)r["Key"]!] = ((string?)r["Title"], (string?)r["Text"]);
        }

        var changed = chunk.Where(d => !existing.TryGetValue(d.Id, out var e) || e.Title != d.Title || e.Text != d.Text).ToList();
        if (changed.Count == 0)
        {
            return 0;
        }

        var encoded = encoder.Encode([.. changed.Select(d => d.FullText)], EncodeMode.Document, cancellationToken);
        var records = changed.Select((d, i) => new Dictionary<string, object?>
        {
            ["Key"] = d.Id,
            ["Title"] = d.Title,
            ["Text"] = d.Text,
            ["Vector"] = new Embedding<float>(encoded[i].Vector)
            {
                AdditionalProperties = new() { [EmbeddingPropertyNames.TokenCount] = encoded[i].TokenCount },
            },
        });
        await collection.UpsertAsync(records, cancellationToken).ConfigureAwait(false);
        return changed.Count;
    }

}
