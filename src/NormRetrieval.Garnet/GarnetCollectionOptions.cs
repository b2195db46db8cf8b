using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel;

namespace NormRetrieval.Garnet;

/// <summary>Options of a Garnet collection; unset values come from the store's options.</summary>
public sealed class GarnetCollectionOptions : VectorStoreCollectionOptions
{
    /// <summary>How many shards when the collection is created.</summary>
    public int? Shards { get; set; }

    /// <summary>Quantisation when the collection is created.</summary>
    public VectorQuantization? Quantization { get; set; }

    /// <summary>Norm-aware ranking for every search of this collection, unless a query says otherwise.</summary>
    public NormRankingOptions? Ranking { get; set; }
}
