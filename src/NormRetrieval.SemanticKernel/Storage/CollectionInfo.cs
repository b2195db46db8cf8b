namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>A collection's row in the catalog.</summary>
internal sealed record CollectionInfo(long Id, string Name, int Dimension, string DistanceFunction, string Engine, string IndexFactory, string KeyType, string? Statistics)
{
    /// <summary>The records table; derived from the numeric id, never from the user's name.</summary>
    public string Table => "records_" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
