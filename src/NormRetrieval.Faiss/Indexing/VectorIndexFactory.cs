using Microsoft.Extensions.Logging;
using NormRetrieval.Indexing;

namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// Creates the index a collection asked for: Faiss with a factory string, or the managed exact index.
/// When Faiss is asked for but unavailable, it falls back to the exact index and logs why.
/// </summary>
public static partial class VectorIndexFactory
{
    /// <summary>Engine names: <c>faiss</c>, or <c>flat</c>/<c>exact</c> for the managed exact index.</summary>
    public static IReadOnlyList<string> Engines { get; } = ["faiss", "flat", "exact"];

    /// <summary>Creates an empty index.</summary>
    /// <param name="engine"><c>faiss</c>, <c>flat</c> or <c>exact</c>.</param>
    /// <param name="dimension">The vector dimension.</param>
    /// <param name="options">Faiss options (factory string etc.); ignored by the exact engine.</param>
    /// <param name="logger">Receives the fallback notice.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentException">The engine name is unknown.</exception>
    public static IVectorIndex Create(string engine, int dimension, FaissIndexOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        switch (engine.Trim().ToLowerInvariant())
        {
            case "faiss" when FaissRuntime.IsAvailable:
                return FaissIndex.Create(dimension, options);
            case "faiss":
                if (logger is not null)
                {
                    LogFallback(logger, FaissRuntime.UnavailableReason ?? "unknown");
                }

                return new ExactVectorIndex(dimension);
            case "flat" or "exact":
                return new ExactVectorIndex(dimension);
            default:
                throw new ArgumentException($"Unknown engine '{engine}'; use one of: {string.Join(", ", Engines)}.", nameof(engine));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Faiss is unavailable ({Reason}); using the managed exact index instead.")]
    private static partial void LogFallback(ILogger logger, string reason);
}
