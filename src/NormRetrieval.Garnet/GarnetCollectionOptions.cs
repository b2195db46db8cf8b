using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.Garnet;

/// <summary>Options of a Garnet collection; unset values come from the store's options.</summary>
public sealed class GarnetCollectionOptions : NormCollectionOptionsBase
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
        Shards = source.Shards;
        Quantization = source.Quantization;
    }

    /// <summary>How many shards when the collection is created.</summary>
    public int? Shards { get; set; }

    /// <summary>Quantisation when the collection is created.</summary>
    public VectorQuantization? Quantization { get; set; }
}
