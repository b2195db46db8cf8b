namespace NormRetrieval.Evaluation;

/// <summary>
/// Relevance judgments: for each query, the judged documents and their gains. Gains ≤ 0 mean judged
/// non-relevant; documents without a judgment count as non-relevant.
/// </summary>
/// <remarks>Not thread-safe while being filled; safe for concurrent reads afterwards.</remarks>
public sealed class Qrels
{
    private readonly Dictionary<string, Dictionary<string, int>> _byQuery = new(StringComparer.Ordinal);

    /// <summary>The queries that have at least one judgment, in the order they were first added.</summary>
    public IReadOnlyCollection<string> QueryIds => _byQuery.Keys;

    /// <summary>The total number of judgments.</summary>
    public int Count => _byQuery.Values.Sum(d => d.Count);

    /// <summary>Adds or replaces a judgment.</summary>
    /// <param name="queryId">The query id.</param>
    /// <param name="documentId">The document id.</param>
    /// <param name="gain">The graded relevance (≤ 0 means not relevant).</param>
    public void Add(string queryId, string documentId, int gain)
    {
        ArgumentNullException.ThrowIfNull(queryId);
        ArgumentNullException.ThrowIfNull(documentId);
        if (!_byQuery.TryGetValue(queryId, out var docs))
        {
            docs = new Dictionary<string, int>(StringComparer.Ordinal);
            _byQuery.Add(queryId, docs);
        }

        docs[documentId] = gain;
    }

    /// <summary>The judgments of one query (empty when it has none).</summary>
    /// <param name="queryId">The query id.</param>
    /// <returns>Document id → gain.</returns>
    public IReadOnlyDictionary<string, int> For(string queryId) =>
        _byQuery.TryGetValue(queryId, out var docs) ? docs : Empty;

    /// <summary>Whether the query has at least one document with a positive gain.</summary>
    /// <param name="queryId">The query id.</param>
    /// <returns>True when some judged document is relevant.</returns>
    public bool HasRelevant(string queryId) => For(queryId).Values.Any(g => g > 0);

    private static readonly IReadOnlyDictionary<string, int> Empty = new Dictionary<string, int>();
}
