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
    /// <param name="encoder">The encoder.</param>
    /// <param name="collection">The collection.</param>
    /// <param name="chunk">The documents.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <param name="encoded">Told how many documents of the chunk are done, after each encoder batch (unchanged ones count at once).</param>
    public static async Task<int> WriteAsync(
        OnnxEncoder encoder, Microsoft.Extensions.VectorData.VectorStoreCollection<object, Dictionary<string, object?>> collection, List<BeirDocument> chunk, CancellationToken cancellationToken, Action<int>? encoded = null)
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
        int unchanged = chunk.Count - changed.Count;
        encoded?.Invoke(unchanged);
        if (changed.Count == 0)
        {
            return 0;
        }

        var vectors = encoder.Encode([.. changed.Select(d => d.FullText)], EncodeMode.Document, cancellationToken, new CallbackProgress(n => encoded?.Invoke(unchanged + n)));
        var records = changed.Select((d, i) => new Dictionary<string, object?>
        {
            ["Key"] = d.Id,
            ["Title"] = d.Title,
            ["Text"] = d.Text,
            ["Vector"] = new Embedding<float>(vectors[i].Vector)
            {
                AdditionalProperties = new() { [EmbeddingPropertyNames.TokenCount] = vectors[i].TokenCount },
            },
        });
        await collection.UpsertAsync(records, cancellationToken).ConfigureAwait(false);
        return changed.Count;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class CallbackProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
