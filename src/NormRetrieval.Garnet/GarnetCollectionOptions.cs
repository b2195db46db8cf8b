using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.Garnet;

/// <summary>Options of a Garnet collection; unset values come from the store's options.</summary>
public sealed class GarnetCollectionOptions : VectorStoreCollectionOptions
{
    /// <summary>Creates options with the defaults.</summary>
    public GarnetCollectionOptions()
    {
    }

    /// <summary>Copies options (DI registrations copy what they are given and never change it).</summary>
    /// <param name="source">The options to copy.</param>
    public GarnetCollectionOptions(GarnetCollectionOptions source)
        : base(source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Shards = source.Shards;
        Quantization = source.Quantization;
        Ranking = source.Ranking;
    }

    /// <summary>How many shards when the collection is created.</summary>
    public int? Shards { get; set; }

    /// <summary>Quantisation when the collection is created.</summary>
    public VectorQuantization? Quantization { get; set; }

    /// <summary>Norm-aware ranking for every search of this collection, unless a query says otherwise.</summary>
    public NormRankingOptions? Ranking { get; set; }
}
