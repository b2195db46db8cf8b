namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// What a Faiss factory string (<c>"HNSW32"</c>, <c>"IVF1024,PQ16"</c>, <c>"IDMap,Flat"</c>) means for the
/// wrapper, read from its comma-separated components rather than by substring: whether ids need an
/// <c>IDMap</c>, whether the index is a graph (no removal; efSearch applies) and whether it is inverted-file
/// (trained; nprobe applies).
/// </summary>
internal sealed record FaissFactoryString
{
    private FaissFactoryString(string text, IReadOnlyList<string> components)
    {
        Text = text;
        Components = components;
        IsHnsw = components.Any(c => c.StartsWith("HNSW", StringComparison.OrdinalIgnoreCase));
        IsIvf = components.Any(c => c.StartsWith("IVF", StringComparison.OrdinalIgnoreCase));
        IsGraph = IsHnsw || components.Any(c => c.StartsWith("NSG", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The factory string as Faiss receives it (with the id mapping added where needed).</summary>
    public string Text { get; }

    /// <summary>The components, trimmed.</summary>
    public IReadOnlyList<string> Components { get; }

    /// <summary>An HNSW graph (searched with efSearch).</summary>
    public bool IsHnsw { get; }

    /// <summary>A graph index (HNSW or NSG): Faiss cannot remove from it.</summary>
    public bool IsGraph { get; }

    /// <summary>An inverted-file index (searched with nprobe; trained before use).</summary>
    public bool IsIvf { get; }

    /// <summary>
    /// How many vectors to hold before training a type that needs it: 39 per inverted list (below that
    /// Faiss's k-means warns), at least 39 × 256 for product quantisers (256 centroids per sub-quantiser),
    /// 1,000 for scalar quantisers; null for types that need no training.
    /// </summary>
    public int? TrainingSize
    {
        get
        {
            int size = 0;

            // A component may join an index and its storage with '_' (HNSW32_SQ8, HNSW32_PQ16, IVF256_HNSW32): each part counts.
            foreach (string c in Components.SelectMany(c => c.Split('_', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (c.StartsWith("IVF", StringComparison.OrdinalIgnoreCase) && int.TryParse(new string([.. c.Skip(3).TakeWhile(char.IsAsciiDigit)]), System.Globalization.CultureInfo.InvariantCulture, out int lists))
                {
                    size = Math.Max(size, 39 * lists);
                }
                else if (c.StartsWith("PQ", StringComparison.OrdinalIgnoreCase) || c.StartsWith("OPQ", StringComparison.OrdinalIgnoreCase))
                {
                    size = Math.Max(size, 39 * 256);
                }
                else if (c.StartsWith("SQ", StringComparison.OrdinalIgnoreCase))
                {
                    size = Math.Max(size, 1000);
                }
            }

            return size == 0 ? null : size;
        }
    }

    /// <summary>
    /// An exact flat index (<c>Flat</c>, optionally behind an <c>IDMap</c>): every vector compared with the query, the
    /// search the managed exact index also does.
    /// </summary>
    public bool IsExactFlat => Components.Where(c => !c.Equals("IDMap", StringComparison.OrdinalIgnoreCase) && !c.Equals("IDMap2", StringComparison.OrdinalIgnoreCase))
        .SequenceEqual(["Flat"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the index keeps compressed codes instead of the vectors (scalar, product, residual or additive
    /// quantisers, LSH, RaBitQ): its scores are approximations of the cosines.
    /// </summary>
    public bool IsQuantised => Components.SelectMany(c => c.Split('_', StringSplitOptions.RemoveEmptyEntries))
        .Any(p => p.StartsWith("SQ", StringComparison.OrdinalIgnoreCase) || p.StartsWith("PQ", StringComparison.OrdinalIgnoreCase)
            || p.StartsWith("OPQ", StringComparison.OrdinalIgnoreCase) || p.StartsWith("RQ", StringComparison.OrdinalIgnoreCase)
            || p.StartsWith("LSQ", StringComparison.OrdinalIgnoreCase) || p.StartsWith("LSH", StringComparison.OrdinalIgnoreCase)
            || p.StartsWith("RaBitQ", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether vectors can be removed by id.</summary>
    public bool SupportsRemove => !IsGraph;

    /// <summary>Parses a factory string and adds an <c>IDMap</c> prefix where the index type cannot store external ids itself.</summary>
    /// <param name="factory">The factory string.</param>
    /// <returns>The parsed string.</returns>
    /// <exception cref="ArgumentException">The string is empty or has an empty component.</exception>
    public static FaissFactoryString Parse(string factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(factory);
        string[] components = [.. factory.Split(',').Select(c => c.Trim())];
        if (components.Any(c => c.Length == 0))
        {
            throw new ArgumentException($"The Faiss factory string '{factory}' has an empty component.", nameof(factory));
        }

        bool mapped = components[0].StartsWith("IDMap", StringComparison.OrdinalIgnoreCase) || components[0].StartsWith("IVF", StringComparison.OrdinalIgnoreCase);
        string[] all = mapped ? components : ["IDMap", .. components];
        return new FaissFactoryString(string.Join(',', all), all);
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
