namespace NormRetrieval.Indexing;

/// <summary>Per-call search parameters; engines ignore those that do not apply to them.</summary>
public sealed record VectorSearchParameters
{
    /// <summary>HNSW: size of the dynamic candidate list (higher: better recall, slower).</summary>
    public int? EfSearch { get; init; }

    /// <summary>IVF: number of inverted lists probed (higher: better recall, slower).</summary>
    public int? NProbe { get; init; }

    /// <summary>Threads to use for a batch of queries; null means the engine's default.</summary>
    public int? Threads { get; init; }
}
