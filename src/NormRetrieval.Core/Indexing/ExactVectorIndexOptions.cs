namespace NormRetrieval.Indexing;

/// <summary>Options of <see cref="ExactVectorIndex"/>.</summary>
public sealed record ExactVectorIndexOptions
{
    /// <summary>Threads for batch searches (default: the number of processors).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Rows scanned together against a block of queries, sized to stay in cache (default 1024).</summary>
    public int RowBlock { get; init; } = 1024;

    /// <summary>Queries scored together against each block of rows (default 32).</summary>
    public int QueryBlock { get; init; } = 32;
}
