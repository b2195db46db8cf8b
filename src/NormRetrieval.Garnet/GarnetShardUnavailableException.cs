using Microsoft.Extensions.VectorData;

namespace NormRetrieval.Garnet;

/// <summary>A shard of a Garnet collection did not answer (its node is down, unreachable or timed out).</summary>
public sealed class GarnetShardUnavailableException : VectorStoreException
{
    /// <summary>Creates the exception.</summary>
    public GarnetShardUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public GarnetShardUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The client's exception.</param>
    public GarnetShardUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a shard.</summary>
    /// <param name="shard">The shard's vector set key.</param>
    /// <param name="endPoint">The node serving it, when known.</param>
    /// <param name="operation">What was being done.</param>
    /// <param name="innerException">The client's exception.</param>
    public GarnetShardUnavailableException(string shard, string? endPoint, string operation, Exception innerException)
        : base($"{operation} failed: shard '{shard}' on {endPoint ?? "an unknown node"} did not answer ({innerException?.GetType().Name}: {FirstLine(innerException?.Message)}).", innerException!)
    {
        Shard = shard;
        EndPoint = endPoint;
        VectorStoreSystemName = GarnetVectorStore.SystemName;
    }

    /// <summary>The shard's vector set key.</summary>
    public string? Shard { get; }

    /// <summary>The node serving the shard, when known.</summary>
    public string? EndPoint { get; }

    private static string FirstLine(string? message)
    {
        string text = message ?? string.Empty;
        int cut = text.IndexOfAny(['\n', '(']);
        return (cut > 0 ? text[..cut] : text).Trim();
    }
}
