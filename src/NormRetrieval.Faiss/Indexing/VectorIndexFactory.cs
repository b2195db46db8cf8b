using Microsoft.Extensions.Logging;
using NormRetrieval.Indexing;

namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// The one engine-selection path: which index a collection asked for (Faiss with a factory string, or the
/// managed exact index), which it gets on this machine, and how it is created and read back. When Faiss is
/// asked for but unavailable, the exact index is used and the reason is logged.
/// </summary>
public static partial class VectorIndexFactory
{
    /// <summary>The Faiss engine.</summary>
    public const string Faiss = "faiss";

    /// <summary>The managed exact engine (<c>flat</c>; <c>exact</c> is accepted as a synonym).</summary>
    public const string Flat = "flat";

    /// <summary>Engine names: <c>faiss</c>, or <c>flat</c>/<c>exact</c> for the managed exact index.</summary>
    public static IReadOnlyList<string> Engines { get; } = [Faiss, Flat, "exact"];

    /// <summary>The canonical name of an engine (<c>faiss</c> or <c>flat</c>).</summary>
    /// <param name="engine">An engine name, any case.</param>
    /// <returns>The canonical name.</returns>
    /// <exception cref="ArgumentException">The engine name is unknown.</exception>
    public static string Normalize(string engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return engine.Trim().ToLowerInvariant() switch
        {
            Faiss => Faiss,
            Flat or "exact" => Flat,
            _ => throw new ArgumentException($"Unknown engine '{engine}'; use one of: {string.Join(", ", Engines)}.", nameof(engine)),
        };
    }

    /// <summary>The engine this machine runs for a requested one: Faiss falls back to <c>flat</c> when its native library cannot load.</summary>
    /// <param name="engine">The requested engine.</param>
    /// <param name="logger">Receives the fallback notice.</param>
    /// <param name="collection">The collection the index belongs to, for the notice.</param>
    /// <returns><c>faiss</c> or <c>flat</c>.</returns>
    public static string Effective(string engine, ILogger? logger = null, string? collection = null)
    {
        string requested = Normalize(engine);
        if (requested == Faiss && !FaissRuntime.IsAvailable)
        {
            if (logger is not null)
            {
                LogFallback(logger, collection ?? "-", FaissRuntime.UnavailableReason ?? "unknown");
            }

            return Flat;
        }

        return requested;
    }

    /// <summary>Creates an empty index.</summary>
    /// <param name="engine"><c>faiss</c>, <c>flat</c> or <c>exact</c>.</param>
    /// <param name="dimension">The vector dimension.</param>
    /// <param name="options">Faiss options (factory string etc.); ignored by the exact engine.</param>
    /// <param name="logger">Receives the fallback notice.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentException">The engine name is unknown.</exception>
    public static IVectorIndex Create(string engine, int dimension, FaissIndexOptions? options = null, ILogger? logger = null) =>
        Effective(engine, logger) == Faiss ? FaissIndex.Create(dimension, options) : new ExactVectorIndex(dimension);

    /// <summary>Reads an index saved by the given (effective) engine.</summary>
    /// <param name="engine">The effective engine (see <see cref="Effective"/>).</param>
    /// <param name="path">The file.</param>
    /// <param name="options">Faiss options (the factory string when the file does not record it).</param>
    /// <returns>The index.</returns>
    public static IVectorIndex Load(string engine, string path, FaissIndexOptions? options = null) =>
        Normalize(engine) == Faiss ? FaissIndex.Load(path, options) : ExactVectorIndex.Load(path);

    /// <summary>Whether a factory string describes an exact flat index (<c>Flat</c> or <c>IDMap,Flat</c>), which the managed engine also provides.</summary>
    /// <param name="factory">A Faiss factory string.</param>
    /// <returns>True for an exact flat index.</returns>
    /// <exception cref="ArgumentException">The string is empty or has an empty component.</exception>
    public static bool IsExactFlat(string factory) => FaissFactoryString.Parse(factory).IsExactFlat;

    /// <summary>The file extension an engine saves its index under.</summary>
    /// <param name="engine">The effective engine.</param>
    /// <returns><c>faiss</c> or <c>exact</c>.</returns>
    public static string FileExtension(string engine) => Normalize(engine) == Faiss ? "faiss" : "exact";

    /// <summary>The effective engine of an index instance.</summary>
    /// <param name="index">The index.</param>
    /// <returns><c>faiss</c> or <c>flat</c>.</returns>
    public static string EngineOf(IVectorIndex index) => index is FaissIndex ? Faiss : Flat;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collection {Collection}: Faiss is unavailable ({Reason}); using the managed exact index instead.")]
    private static partial void LogFallback(ILogger logger, string collection, string reason);
}
