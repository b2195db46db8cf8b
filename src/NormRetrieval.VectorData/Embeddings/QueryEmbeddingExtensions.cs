using Microsoft.Extensions.AI;
using NormRetrieval.Vectors;

namespace NormRetrieval.VectorData;

/// <summary>
/// Query mode for callers that cannot set it on the request. NormRetrieval encoders read the mode from the
/// embedding request (<see cref="EmbeddingPropertyNames.Mode"/> in the options' additional properties):
/// the store asks for <c>"query"</c> when it embeds a search and for <c>"document"</c> when it embeds records.
/// Code that calls a generator without options — Semantic Kernel's <c>VectorStoreTextSearch</c> given a
/// generator, another connector — gets document embeddings, which for encoders with a query prefix
/// (arctic-xs) are the wrong ones. Hand such callers <see cref="AsQueryGenerator"/> instead.
/// </summary>
public static class QueryEmbeddingExtensions
{
    /// <summary>
    /// Wraps a generator so that every request without an explicit mode is a query request. A request that
    /// names its mode keeps it, so the wrapped generator is also safe to give a store.
    /// </summary>
    /// <param name="generator">The generator (e.g. an <c>OnnxEncoder</c>).</param>
    /// <returns>A generator that embeds in query mode by default; disposing it disposes <paramref name="generator"/>.</returns>
    public static IEmbeddingGenerator<string, Embedding<float>> AsQueryGenerator(this IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return generator.AsBuilder()
            .ConfigureOptions(options =>
            {
                options.AdditionalProperties ??= [];
                options.AdditionalProperties.TryAdd(EmbeddingPropertyNames.Mode, "query");
            })
            .Build();
    }
}
