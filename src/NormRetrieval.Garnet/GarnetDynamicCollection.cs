namespace NormRetrieval.Garnet;

/// <summary>A Garnet collection of <c>Dictionary&lt;string, object?&gt;</c> records described by a definition.</summary>
public sealed class GarnetDynamicCollection : GarnetCollection<object, Dictionary<string, object?>>
{
    internal GarnetDynamicCollection(GarnetVectorStore store, string name, GarnetCollectionOptions options)
        : base(store, name, options, dynamic: true)
    {
    }
}
