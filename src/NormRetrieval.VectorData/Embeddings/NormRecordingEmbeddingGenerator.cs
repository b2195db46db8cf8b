using Microsoft.Extensions.AI;
using NormRetrieval.Vectors;

namespace NormRetrieval.VectorData;

/// <summary>
/// Wraps any embedding generator that returns unnormalised vectors and records each vector's raw norm
/// in <see cref="Embedding.AdditionalProperties"/> under <see cref="EmbeddingPropertyNames.Norm"/> (and
/// keeps a token count the inner generator reported), so that stores and rerankers can use it.
/// </summary>
/// <remarks>
/// A generator that already normalises its vectors yields norms of 1: norm-aware ranking then has no
/// signal, and the NormRetrieval store says so (<c>NormsAreDegenerate</c>). Thread-safe if the inner generator is.
/// </remarks>
/// <param name="innerGenerator">The generator to wrap.</param>
public sealed class NormRecordingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    /// <inheritdoc />
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var embeddings = await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        foreach (var embedding in embeddings)
        {
            embedding.AdditionalProperties ??= [];
            embedding.AdditionalProperties[EmbeddingPropertyNames.Norm] = (float)VectorNorm.Norm(embedding.Vector.Span);
        }

        return embeddings;
    }
}
