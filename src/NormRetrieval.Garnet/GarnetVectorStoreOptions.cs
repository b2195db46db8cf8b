using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using NormRetrieval.VectorData;

namespace NormRetrieval.Garnet;

/// <summary>How vectors are kept in a vector set.</summary>
public enum VectorQuantization
{
    /// <summary>32-bit floats (<c>NOQUANT</c>): exact cosines, 4 bytes per dimension.</summary>
    None,

    /// <summary>8-bit quantisation (<c>Q8</c>): a quarter of the memory, cosines within about 1%.</summary>
    Q8,
}

/// <summary>Options of a <see cref="GarnetVectorStore"/>: the layout of new collections and how searches behave.</summary>
public sealed class GarnetVectorStoreOptions : NormStoreOptions
{
    /// <summary>Creates options with the defaults.</summary>
    public GarnetVectorStoreOptions()
    {
    }

    /// <summary>Copies options (DI registrations copy what they are given and never change it).</summary>
    /// <param name="source">The options to copy.</param>
    public GarnetVectorStoreOptions(GarnetVectorStoreOptions source)
        : base(source)
    {
        Shards = source.Shards;
        M = source.M;
        BuildEf = source.BuildEf;
        SearchEf = source.SearchEf;
        Quantization = source.Quantization;
        AllowPartialResults = source.AllowPartialResults;
        StatisticsRefreshInterval = source.StatisticsRefreshInterval;
    }

    /// <summary>How many vector sets (shards) a new collection is spread over (default 3). Each lands on its own hash slot range, so a cluster spreads them over its primaries.</summary>
    public int Shards { get; set; } = 3;

    /// <summary>Graph degree (<c>M</c>) of new collections (default 16).</summary>
    public int M { get; set; } = 16;

    /// <summary>Build exploration factor (<c>EF</c> on <c>VADD</c>) of new collections (default 200).</summary>
    public int BuildEf { get; set; } = 200;

    /// <summary>Search exploration factor (<c>EF</c> on <c>VSIM</c>); null: the server's default.</summary>
    public int? SearchEf { get; set; }

    /// <summary>Quantisation of new collections (default none).</summary>
    public VectorQuantization Quantization { get; set; } = VectorQuantization.None;

    /// <summary>
    /// When a shard does not answer a search: false (the default) fails the search with a
    /// <see cref="GarnetShardUnavailableException"/>; true returns the other shards' results with
    /// <see cref="NormSearchResponse{TRecord}.IsPartial"/> set.
    /// </summary>
    public bool AllowPartialResults { get; set; }

    /// <summary>How long merged norm statistics are reused before they are read again from the shards (default 5 s; this client's own writes refresh them at once).</summary>
    public TimeSpan StatisticsRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Shards, 1, nameof(Shards));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Shards, 1024, nameof(Shards));
        ArgumentOutOfRangeException.ThrowIfLessThan(M, 2, nameof(M));
        ArgumentOutOfRangeException.ThrowIfLessThan(BuildEf, 1, nameof(BuildEf));
        if (SearchEf is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SearchEf), SearchEf, "SearchEf must be positive.");
        }
    }
}
