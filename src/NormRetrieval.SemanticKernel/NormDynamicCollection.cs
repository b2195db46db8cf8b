namespace NormRetrieval.SemanticKernel;

/// <summary>
/// A NormRetrieval collection of <c>Dictionary&lt;string, object?&gt;</c> records described by a
/// definition instead of a .NET type. Keys are the definition's key type, passed as object.
/// </summary>
public sealed class NormDynamicCollection : NormCollection<object, Dictionary<string, object?>>
{
    internal NormDynamicCollection(NormVectorStore store, string name, NormCollectionOptions options)
        : base(store, name, options, dynamic: true)
    {
    }
}
