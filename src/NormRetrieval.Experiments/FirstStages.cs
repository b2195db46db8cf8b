using Microsoft.Extensions.VectorData;
using NormRetrieval.Beir;
using NormRetrieval.SemanticKernel;

namespace NormRetrieval.Experiments;

/// <summary>
/// The first stages an experiment can compare: <c>dense</c> (exact cosine, the default), <c>bm25</c> (SQLite FTS5
/// through the embedded store's keyword search), <c>hybrid</c> (the two fused by <see cref="Ranking.HybridFusion"/>,
/// the code the store's hybrid search runs) and <c>hybrid+norm</c> (hybrid, then a norm policy whose family and
/// parameters are chosen out of fold over every requested family).
/// </summary>
public static class FirstStages
{
    /// <summary>Every stage, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = ["bm25", "dense", "hybrid", "hybrid+norm"];

    /// <summary>Checks a stage list (<c>all</c> expands); <c>dense</c> is always included, first stages keep report order.</summary>
    /// <param name="stages">Stage names, or null for dense only.</param>
    /// <returns>The stages.</returns>
    /// <exception cref="ArgumentException">A name is unknown.</exception>
    public static IReadOnlyList<string> Parse(IReadOnlyList<string>? stages)
    {
        if (stages is null || stages.Count == 0)
        {
            return ["dense"];
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal) { "dense" };
        foreach (string stage in stages.Select(s => s.Trim().ToLowerInvariant()))
        {
            if (stage == "all")
            {
                wanted.UnionWith(All);
            }
            else if (All.Contains(stage))
            {
                wanted.Add(stage);
            }
            else
            {
                throw new ArgumentException($"Unknown first stage '{stage}'. Known: {string.Join(", ", All)}, all.", nameof(stages));
            }
        }

        return [.. All.Where(wanted.Contains)];
    }

    /// <summary>
    /// The BM25 top <paramref name="k"/> of every query (document indexes and BM25 scores, best first), from a temporary
    /// embedded store holding the documents' full text in a full-text indexed property.
    /// </summary>
    /// <param name="documents">The corpus.</param>
    /// <param name="queries">Query texts (their words are the keywords).</param>
    /// <param name="k">Results per query.</param>
    /// <param name="cancellationToken">Cancels between queries.</param>
    /// <returns>One list per query.</returns>
    public static List<List<(int Document, double Score)>> Bm25(IReadOnlyList<BeirDocument> documents, IReadOnlyList<string> queries, int k, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(queries);
        string folder = Path.Combine(Path.GetTempPath(), "normretrieval-bm25-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var store = new NormVectorStore(folder, new NormVectorStoreOptions { Engine = "flat" });
            var definition = new VectorStoreCollectionDefinition
            {
                Properties =
                [
                    new VectorStoreKeyProperty(nameof(TextRecord.Id), typeof(long)),
                    new VectorStoreDataProperty(nameof(TextRecord.Text), typeof(string)) { IsFullTextIndexed = true },
                    new VectorStoreVectorProperty(nameof(TextRecord.Vector), typeof(float[]), 1),
                ],
            };
            var collection = (NormCollection<long, TextRecord>)store.GetCollection<long, TextRecord>("bm25", definition);
            collection.EnsureCollectionExistsAsync(cancellationToken).GetAwaiter().GetResult();
            foreach (var chunk in documents.Select((d, i) => new TextRecord { Id = i, Text = d.FullText, Vector = [1] }).Chunk(2_000))
            {
                collection.UpsertAsync(chunk, cancellationToken).GetAwaiter().GetResult();
            }

            var results = new List<List<(int, double)>>(queries.Count);
            foreach (string query in queries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var hits = string.IsNullOrWhiteSpace(query) ? [] : collection.KeywordSearchAsync([query], k, cancellationToken: cancellationToken)
                    .ToBlockingEnumerable(cancellationToken).Select(r => ((int)r.Record.Id, r.Score ?? 0)).ToList();
                results.Add(hits);
            }

            return results;
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>A document as the BM25 store holds it (the one-dimensional vector is a placeholder; only the text is searched).</summary>
    public sealed class TextRecord
    {
        /// <summary>The document's index in the corpus.</summary>
        public long Id { get; set; }

        /// <summary>Title and text.</summary>
        public string Text { get; set; } = string.Empty;

        /// <summary>A constant placeholder vector.</summary>
        public float[] Vector { get; set; } = [];
    }
}
