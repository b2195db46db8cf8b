using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel;

/// <summary>Options of a NormRetrieval collection (beyond the definition and embedding generator).</summary>
public sealed class NormCollectionOptions : NormCollectionOptionsBase
{
    /// <summary>Creates default options.</summary>
    public NormCollectionOptions()
    {
    }

    /// <summary>Copies options.</summary>
    /// <param name="source">The options to copy.</param>
    public NormCollectionOptions(NormCollectionOptions source)
        : base(source)
    {
        Engine = source.Engine;
        IndexFactory = source.IndexFactory;
        HybridFusion = source.HybridFusion;
    }

    /// <summary>The engine when the collection is created: <c>faiss</c> or <c>flat</c> (default: the store's).</summary>
    public string? Engine { get; set; }

    /// <summary>How hybrid searches fuse their dense and keyword rankings unless a query says otherwise (default: reciprocal-rank fusion, k = 60).</summary>
    public NormRetrieval.Ranking.HybridFusionOptions? HybridFusion { get; set; }

    /// <summary>The Faiss factory string when the collection is created (default: the store's, or from the vector property's IndexKind).</summary>
    public string? IndexFactory { get; set; }
}
