namespace NormRetrieval.Faiss.Indexing;

/// <summary>Options of <see cref="FaissIndex"/>.</summary>
public sealed record FaissIndexOptions
{
    /// <summary>
    /// The Faiss factory string: <c>Flat</c> (exact), <c>HNSW32</c>, <c>IVF1024,Flat</c>, <c>IVF256,PQ32</c>, …
    /// Id mapping is added where the type needs it (an <c>IDMap</c> prefix for all but IVF). Default <c>Flat</c>.
    /// </summary>
    public string Factory { get; init; } = "Flat";

    /// <summary>
    /// For types that need training (IVF, PQ): train automatically on the first this-many vectors added;
    /// until then added vectors are held and searched exactly. Null (the default) requires an explicit
    /// <see cref="FaissIndex.Train"/> before the first add.
    /// </summary>
    public int? TrainAfter { get; init; }

    /// <summary>
    /// OpenMP threads for adds and searches, set for the calling thread (null: OpenMP's default, one per
    /// core). Flat batch searches also run in BLAS, whose process-wide thread count
    /// <see cref="FaissRuntime.SetBlasThreads"/> sets.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Default HNSW efSearch when a search does not give one (null: Faiss's default, 16).</summary>
    public int? EfSearch { get; init; }

    /// <summary>Default IVF nprobe when a search does not give one (null: Faiss's default, 1).</summary>
    public int? NProbe { get; init; }
}
