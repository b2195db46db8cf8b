using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.VectorData;

/// <summary>What the options of every NormRetrieval store hold: the default ranking, the embedding generator and logging.</summary>
public abstract class NormStoreOptions
{
    /// <summary>Creates options with the defaults.</summary>
    protected NormStoreOptions()
    {
    }

    /// <summary>Copies options (DI registrations copy what they are given and never change it).</summary>
    /// <param name="source">The options to copy.</param>
    protected NormStoreOptions(NormStoreOptions source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Ranking = source.Ranking;
        EmbeddingGenerator = source.EmbeddingGenerator;
        LoggerFactory = source.LoggerFactory;
    }

    /// <summary>Norm-aware ranking applied to every search of every collection unless a collection or a query says otherwise.</summary>
    public NormRankingOptions? Ranking { get; set; }

    /// <summary>The embedding generator for collections whose vector property is not a vector (e.g. text).</summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>Where the store logs (repairs, fallbacks, warnings; never secrets).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}

/// <summary>What the options of every NormRetrieval collection hold beyond MEVD's: the collection's ranking.</summary>
public abstract class NormCollectionOptionsBase : VectorStoreCollectionOptions
{
    /// <summary>Creates options with the defaults.</summary>
    protected NormCollectionOptionsBase()
    {
    }

    /// <summary>Copies options.</summary>
    /// <param name="source">The options to copy.</param>
    protected NormCollectionOptionsBase(NormCollectionOptionsBase source)
        : base(source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Ranking = source.Ranking;
    }

    /// <summary>Norm-aware ranking for every search of this collection, unless a query says otherwise (default: the store's).</summary>
    public NormRankingOptions? Ranking { get; set; }
}
