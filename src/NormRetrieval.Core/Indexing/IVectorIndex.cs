namespace NormRetrieval.Indexing;

/// <summary>
/// An inner-product index over vectors identified by 64-bit ids. Stores put unit vectors in it, so the
/// inner product is the cosine similarity. Implemented by the managed <see cref="ExactVectorIndex"/>
/// (the reference) and by native engines such as Faiss.
/// </summary>
/// <remarks>
/// Implementations allow concurrent searches together with a single writer (add, remove, save);
/// a search sees the index either before or after each write, never halfway.
/// </remarks>
public interface IVectorIndex : IDisposable
{
    /// <summary>The vector dimension.</summary>
    int Dimension { get; }

    /// <summary>The number of vectors held.</summary>
    long Count { get; }

    /// <summary>A short description of the engine and index type (e.g. <c>exact</c>, <c>faiss:HNSW32</c>).</summary>
    string Description { get; }

    /// <summary>Whether <see cref="Remove"/> is supported.</summary>
    bool SupportsRemove { get; }

    /// <summary>Adds vectors.</summary>
    /// <param name="ids">One id per vector; ids must be new.</param>
    /// <param name="vectors">The vectors, row-major: <c>ids.Length × Dimension</c> floats.</param>
    /// <exception cref="Vectors.InvalidVectorException">The sizes do not match or a vector holds NaN or infinity.</exception>
    /// <exception cref="ArgumentException">An id is already present or repeated.</exception>
    void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors);

    /// <summary>Removes vectors by id; unknown ids are ignored.</summary>
    /// <param name="ids">The ids.</param>
    /// <returns>The number removed.</returns>
    /// <exception cref="NotSupportedException">The index type cannot remove (see <see cref="SupportsRemove"/>).</exception>
    int Remove(ReadOnlySpan<long> ids);

    /// <summary>Whether an id is present.</summary>
    /// <param name="id">The id.</param>
    /// <returns>True when present.</returns>
    bool Contains(long id);

    /// <summary>Finds the <paramref name="k"/> largest inner products for each query.</summary>
    /// <param name="queries">The queries, row-major: <c>n × Dimension</c> floats.</param>
    /// <param name="k">Results per query (≥ 1); missing results are padded with id −1.</param>
    /// <param name="parameters">Engine-specific search parameters, if any.</param>
    /// <returns>The results.</returns>
    VectorSearchResults Search(ReadOnlySpan<float> queries, int k, VectorSearchParameters? parameters = null);

    /// <summary>Writes the index to a file, atomically (a crash leaves the old file or the new one).</summary>
    /// <param name="path">The file.</param>
    void Save(string path);
}
