using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>How every NormRetrieval store's DI registration finds the container's embedding generator.</summary>
[Experimental(ProviderDiagnostics.Id)]
public static class ContainerEmbeddingGenerator
{
    /// <summary>The container's embedding generator: the non-generic interface, else a string → float generator.</summary>
    /// <param name="services">The service provider.</param>
    /// <returns>The generator, or null when none is registered.</returns>
    public static IEmbeddingGenerator? Resolve(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<IEmbeddingGenerator>() ?? services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
    }
}
