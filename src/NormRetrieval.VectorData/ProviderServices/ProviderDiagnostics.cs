namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>
/// The diagnostic id of the provider services: public so that another store can build on them (as
/// NormRetrieval's embedded and Garnet stores do), experimental because their shape may change between
/// minor versions, like Microsoft.Extensions.VectorData's own ProviderServices.
/// </summary>
public static class ProviderDiagnostics
{
    /// <summary>The id to suppress (<c>&lt;NoWarn&gt;NRVD001&lt;/NoWarn&gt;</c>) when building a store on these services.</summary>
    public const string Id = "NRVD001";
}
