using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel;

/// <summary>Options of <see cref="NormVectorStore"/>.</summary>
public sealed class NormVectorStoreOptions : NormStoreOptions
{
    /// <summary>Creates options with the defaults.</summary>
    public NormVectorStoreOptions()
    {
    }

    /// <summary>Copies options (DI registrations copy what they are given and never change it).</summary>
    /// <param name="source">The options to copy.</param>
    public NormVectorStoreOptions(NormVectorStoreOptions source)
        : base(source)
    {
        Engine = source.Engine;
        IndexFactory = source.IndexFactory;
        SearchParameters = source.SearchParameters;
        ReadOnly = source.ReadOnly;
        VerifyOnOpen = source.VerifyOnOpen;
        VerifyOnOpenMaxBytes = source.VerifyOnOpenMaxBytes;
        MaxDatabasePages = source.MaxDatabasePages;
    }

    /// <summary>
    /// The search engine of new collections: <c>faiss</c> or <c>flat</c> (the managed exact index). Unset: exact
    /// collections (<c>Flat</c>) get <c>flat</c>, which answers single queries fastest, and approximate ones (HNSW,
    /// IVF, PQ, …) <c>faiss</c> when it is available. A collection keeps the engine it was created with.
    /// </summary>
    public string? Engine { get; set; }

    /// <summary>
    /// The Faiss factory string of new collections (default <c>Flat</c>, exact; e.g. <c>HNSW32</c> for
    /// large collections). A vector property's <c>IndexKind</c> of <c>Hnsw</c> selects <c>HNSW32</c> too.
    /// </summary>
    public string? IndexFactory { get; set; }

    /// <summary>
    /// Engine parameters for every index search of the store's collections: HNSW efSearch, IVF nprobe and
    /// OpenMP threads (null: the engines' defaults, e.g. efSearch 16).
    /// </summary>
    public NormRetrieval.Indexing.VectorSearchParameters? SearchParameters { get; set; }

    /// <summary>Open the store read-only: every write fails with a <c>VectorStoreException</c>.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Run SQLite's <c>quick_check</c> when the store opens (default true), so a damaged database is reported at once.</summary>
    public bool VerifyOnOpen { get; set; } = true;

    /// <summary>
    /// The largest database (main file and write-ahead log together, in bytes) whose <c>quick_check</c> runs when the
    /// store opens: default 256 MiB (about 100,000 records of 384 dimensions); null: any size. The check reads the
    /// whole file — for a million records, 2 GB and 30 s from a slow disk — so a larger store opens without it, and
    /// says so in the log. Nothing goes unchecked: every row is checked against its checksum whenever it is read,
    /// and <see cref="NormVectorStore.VerifyAsync(CancellationToken)"/> (<c>normretrieval verify</c>) checks everything.
    /// </summary>
    public long? VerifyOnOpenMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Caps the database at this many pages (SQLite's <c>max_page_count</c>); a write beyond fails as on a
    /// full disk, storing nothing. Null (the default) leaves the size to the disk.
    /// </summary>
    public long? MaxDatabasePages { get; set; }
}
