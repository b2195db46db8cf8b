namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// What a Faiss factory string (<c>"HNSW32"</c>, <c>"IVF1024,PQ16"</c>, <c>"IDMap,Flat"</c>) means for the
/// wrapper, read from its comma-separated components rather than by substring: whether ids need an
/// <c>IDMap</c>, whether the index is a graph (no removal; efSearch applies) and whether it is inverted-file
/// (trained; nprobe applies). Components of the form <c>name=value</c> are build parameters the wrapper applies
/// itself (Faiss's factory does not read them): <c>efConstruction=N</c> for HNSW graphs.
/// </summary>
internal sealed record FaissFactoryString
{
    /// <summary>The build parameter for the size of an HNSW graph's candidate list while inserting.</summary>
    public const string EfConstructionParameter = "efConstruction";

    private FaissFactoryString(string text, IReadOnlyList<string> components, int? efConstruction)
    {
        Text = text;
        Components = components;
        EfConstruction = efConstruction;
        IsHnsw = components.Any(c => c.StartsWith("HNSW", StringComparison.OrdinalIgnoreCase));
        IsIvf = components.Any(c => c.StartsWith("IVF", StringComparison.OrdinalIgnoreCase));
        IsGraph = IsHnsw || components.Any(c => c.StartsWith("NSG", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The factory string as Faiss receives it (with the id mapping added where needed).</summary>
    public string Text { get; }

    /// <summary>
    /// HNSW: the size of the candidate list while inserting (<c>efConstruction=N</c>); null: Faiss's default, 40.
    /// Higher builds a better graph (higher recall at the same efSearch), more slowly.
    /// </summary>
    public int? EfConstruction { get; }

    /// <summary>The factory string with its build parameters: what recreates an equivalent index.</summary>
    public string Description => EfConstruction is int ef
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Text},{EfConstructionParameter}={ef}")
        : Text;

    /// <summary>The index components, trimmed (build parameters excluded).</summary>
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

        int? efConstruction = null;
        foreach (string parameter in components.Where(c => c.Contains('=', StringComparison.Ordinal)))
        {
            int equals = parameter.IndexOf('=', StringComparison.Ordinal);
            string name = parameter[..equals].Trim();
            string value = parameter[(equals + 1)..].Trim();
            if (!name.Equals(EfConstructionParameter, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The Faiss factory string '{factory}' has an unknown build parameter '{name}' (known: {EfConstructionParameter}).", nameof(factory));
            }

            if (efConstruction is not null || !int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int ef) || ef < 1)
            {
                throw new ArgumentException($"The Faiss factory string '{factory}' needs one {EfConstructionParameter} of at least 1, got '{parameter}'.", nameof(factory));
            }

            efConstruction = ef;
        }

        components = [.. components.Where(c => !c.Contains('=', StringComparison.Ordinal))];
        if (components.Length == 0)
        {
            throw new ArgumentException($"The Faiss factory string '{factory}' names no index.", nameof(factory));
        }

        bool mapped = components[0].StartsWith("IDMap", StringComparison.OrdinalIgnoreCase) || components[0].StartsWith("IVF", StringComparison.OrdinalIgnoreCase);
        string[] all = mapped ? components : ["IDMap", .. components];
        var parsed = new FaissFactoryString(string.Join(',', all), all, efConstruction);

        // Only a graph at the top (behind the id map) takes it: an IVF index's HNSW quantiser is not reached by it.
        if (efConstruction is not null && !(parsed.IsHnsw && !parsed.IsIvf))
        {
            throw new ArgumentException($"The Faiss factory string '{factory}' gives {EfConstructionParameter}, which only HNSW indexes take.", nameof(factory));
        }

        return parsed;
    }

    /// <inheritdoc />
    public override string ToString() => Description;
}
