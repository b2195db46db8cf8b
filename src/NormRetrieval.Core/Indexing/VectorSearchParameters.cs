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

    /// <summary>
    /// Quantised indexes (SQ, PQ): how many candidates per wanted result the index is asked for, to be rescored by
    /// the records' exact directions (null: 4; at least 1). Higher: better recall on dense near-duplicates, slower.
    /// </summary>
    public int? RefineFactor
    {
        get => _refineFactor;
        init => _refineFactor = value is null or >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(RefineFactor), value, "The refine factor must be at least 1.");
    }

    private readonly int? _refineFactor;
}
