using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using NormRetrieval.Ranking;
using NormRetrieval.Statistics;
using NormRetrieval.Vectors;

namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>A record ready to store: canonical key, data JSON, unit direction, raw norm and token count.</summary>
[Experimental(ProviderDiagnostics.Id)]
public sealed record PreparedRecord(string Key, string Data, float[] Direction, float Norm, int? Tokens);

/// <summary>
/// What every NormRetrieval collection does the same way whatever its engine: builds and checks the
/// record model, turns records and queries into raw vectors (calling the embedding generator when the
/// vector property is text), splits them into direction and norm, and turns cosine candidates into
/// ranked, thresholded, skipped results.
/// </summary>
[Experimental(ProviderDiagnostics.Id)]
public sealed class RecordPipeline
{
    private RecordPipeline(RecordMapper mapper, string distance)
    {
        Mapper = mapper;
        Distance = distance;
    }

    /// <summary>The mapper of the collection's records.</summary>
    public RecordMapper Mapper { get; }

    /// <summary>The request options of a query embedding: the mode travels with the request.</summary>
    private static EmbeddingGenerationOptions QueryOptions => new() { AdditionalProperties = new() { [EmbeddingPropertyNames.Mode] = "query" } };

    private static EmbeddingGenerationOptions DocumentOptions => new() { AdditionalProperties = new() { [EmbeddingPropertyNames.Mode] = "document" } };

    /// <summary>CosineSimilarity or CosineDistance.</summary>
    public string Distance { get; }

    /// <summary>Builds the model of a record type (or a dynamic definition) and checks what NormRetrieval supports.</summary>
    public static RecordPipeline Create(Type recordType, Type keyType, VectorStoreCollectionDefinition? definition, IEmbeddingGenerator? generator, bool dynamic)
    {
        if (dynamic && definition is null)
        {
            throw new ArgumentException("A dynamic collection needs a definition.", nameof(definition));
        }

        var builder = new NormModelBuilder();
        var model = dynamic ? builder.BuildDynamic(definition!, generator) : builder.Build(recordType, keyType, definition, generator);
        if (!dynamic && keyType != typeof(object) && model.KeyProperty.Type != keyType)
        {
            throw new NotSupportedException($"The key property has type {model.KeyProperty.Type.Name} but the collection's key type is {keyType.Name}.");
        }

        var distance = model.VectorProperty.DistanceFunction ?? DistanceFunction.CosineSimilarity;
        if (distance is not (DistanceFunction.CosineSimilarity or DistanceFunction.CosineDistance))
        {
            throw new NotSupportedException(
                $"Distance function '{distance}' is not supported: NormRetrieval collections search unit vectors by cosine (CosineSimilarity or CosineDistance); the norm is used by opt-in ranking policies instead.");
        }

        if (model.DataProperties.Concat<PropertyModel>([model.KeyProperty, model.VectorProperty]).Any(p => p.StorageName.Contains('"', StringComparison.Ordinal)))
        {
            throw new NotSupportedException("Property storage names must not contain '\"'.");
        }

        return new RecordPipeline(new RecordMapper(model), distance);
    }

    /// <summary>Resolves, validates and splits a batch; the last occurrence of a key wins.</summary>
    public async Task<List<PreparedRecord>> PrepareAsync<TRecord>(IReadOnlyList<TRecord> records, int dimension, CancellationToken cancellationToken)
        where TRecord : class
    {
        // Keys first, so a bad key fails the batch before any embedding is paid for.
        string[] keys = new string[records.Count];
        for (int i = 0; i < records.Count; i++)
        {
            GenerateKeyIfNeeded(records[i]);
            keys[i] = Mapper.Key(records[i]);
        }

        var vectors = await ResolveVectorsAsync(records, cancellationToken).ConfigureAwait(false);
        var byKey = new Dictionary<string, PreparedRecord>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int i = 0; i < records.Count; i++)
        {
            if ((i & 1023) == 1023)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            string key = keys[i];
            var (raw, tokens) = vectors[i];
            var direction = new float[raw.Length];
            float norm = VectorNorm.Split(raw.Span, direction, dimension);
            var prepared = new PreparedRecord(key, Mapper.DataJson(records[i]), direction, norm, tokens is > 0 ? tokens : null);
            if (!byKey.ContainsKey(key))
            {
                order.Add(key);
            }

            byKey[key] = prepared;
        }

        return [.. order.Select(k => byKey[k])];
    }

    /// <summary>
    /// The raw query vector of a search value: vectors are taken as they are; any other value goes to the
    /// embedding generator (text in query mode). The exceptions are the contract's: no generator →
    /// <see cref="NotSupportedException"/>; a generator that cannot take the value's type →
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    public async Task<ReadOnlyMemory<float>> QueryVectorAsync<TInput>(TInput value, CancellationToken cancellationToken)
    {
        var vector = Mapper.VectorProperty;
        switch (value)
        {
            case null:
                throw new ArgumentNullException(nameof(value), "The search value is null.");
            case float[] array:
                return array;
            case ReadOnlyMemory<float> memory:
                return memory;
            case Embedding<float> embedding:
                return embedding.Vector;
            case string text when vector.EmbeddingGenerator is IEmbeddingGenerator<string, Embedding<float>>:
                return (await EmbedAsync([text], "query", cancellationToken).ConfigureAwait(false))[0].Vector;
            case not null when vector.EmbeddingGenerator is IEmbeddingGenerator<TInput, Embedding<float>> generator:
                var generated = await generator.GenerateAsync([value], QueryOptions, cancellationToken).ConfigureAwait(false);
                return generated.Count == 1
                    ? generated[0].Vector
                    : throw new InvalidOperationException($"The embedding generator returned {generated.Count} embeddings for one search value.");
            case not null when vector.EmbeddingGenerator is null:
                throw new NotSupportedException(VectorDataStrings.InvalidSearchInputAndNoEmbeddingGeneratorWasConfigured(value.GetType(), "float[], ReadOnlyMemory<float>, Embedding<float>"));
            default:
                throw new InvalidOperationException(VectorDataStrings.IncompatibleEmbeddingGeneratorWasConfiguredForInputType(typeof(TInput), vector.EmbeddingGenerator!.GetType()));
        }
    }

    /// <summary>Throws when vectors are asked for but the vector property is generated from text.</summary>
    public void CheckIncludeVectors(bool includeVectors)
    {
        if (includeVectors && Mapper.VectorProperty.EmbeddingGenerator is not null && !IsNativeVectorType(Mapper.VectorProperty.Type))
        {
            throw new NotSupportedException(VectorDataStrings.IncludeVectorsNotSupportedWithEmbeddingGeneration);
        }
    }

    /// <summary>
    /// Reranks cosine candidates with a policy and the collection statistics, then applies the threshold
    /// (in the collection's distance meaning), skip and top; also computes the query confidence signal
    /// unless the caller has no use for it (then its fields are NaN).
    /// </summary>
    public (List<NormSearchResult<TRecord>> Results, QueryConfidence Confidence) Rank<TKey, TRecord>(
        IReadOnlyList<RerankCandidate<TKey>> candidates,
        Func<TKey, double, ScoreExplanation, NormSearchResult<TRecord>> materialize,
        float queryNorm,
        NormStatistics statistics,
        NormRankingOptions ranking,
        VectorSearchOptions<TRecord> options,
        int top,
        bool withConfidence = true)
    {
        var context = new NormContext(statistics);
        var query = new QueryFeatures(queryNorm);
        var ranked = NormReranker.Rerank(candidates, query, ranking.Policy, context);
        var results = SearchWindow.Page(ranked, Distance == DistanceFunction.CosineDistance, options.ScoreThreshold, options.Skip, top, materialize);
        return (results, withConfidence ? QueryConfidence.Compute(query, candidates, context) : new QueryConfidence(double.NaN, double.NaN, double.NaN, double.NaN));
    }

    /// <summary>
    /// Ranks fused hybrid candidates (their fused score in [0, 1] in place of the cosine) by a policy and pages them;
    /// fused scores are similarities (higher is better) whatever the collection's distance function.
    /// </summary>
    /// <typeparam name="TKey">The candidate key.</typeparam>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="candidates">Fused candidates.</param>
    /// <param name="materialize">Makes a result.</param>
    /// <param name="queryNorm">The query's raw norm.</param>
    /// <param name="statistics">The collection's norm statistics.</param>
    /// <param name="ranking">The ranking.</param>
    /// <param name="threshold">The caller's threshold on the final score.</param>
    /// <param name="skip">Results to skip.</param>
    /// <param name="top">Results wanted.</param>
    /// <returns>The page.</returns>
    public static List<NormSearchResult<TRecord>> RankFused<TKey, TRecord>(
        IReadOnlyList<RerankCandidate<TKey>> candidates,
        Func<TKey, double, ScoreExplanation, NormSearchResult<TRecord>> materialize,
        float queryNorm,
        NormStatistics statistics,
        NormRankingOptions ranking,
        double? threshold,
        int skip,
        int top)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        var ranked = NormReranker.Rerank(candidates, new QueryFeatures(queryNorm), ranking.Policy, new NormContext(statistics));
        return SearchWindow.Page(ranked, distance: false, threshold, skip, top, materialize);
    }

    /// <summary>The ranking of a search: the query's, else the collection's, else the store's, else cosine.</summary>
    public static NormRankingOptions Ranking<TRecord>(VectorSearchOptions<TRecord> options, NormRankingOptions? collection, NormRankingOptions? store)
    {
        var ranking = (options as NormSearchOptions<TRecord>)?.Ranking ?? collection ?? store ?? new NormRankingOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(ranking.Overfetch, 1, nameof(options));
        return ranking;
    }

    private async Task<(ReadOnlyMemory<float> Raw, int? Tokens)[]> ResolveVectorsAsync<TRecord>(IReadOnlyList<TRecord> records, CancellationToken cancellationToken)
        where TRecord : class
    {
        var result = new (ReadOnlyMemory<float>, int?)[records.Count];
        var toEmbed = new List<(int Index, string Text)>();
        var toGenerate = new List<(int Index, object Value)>();
        for (int i = 0; i < records.Count; i++)
        {
            object? value = Mapper.VectorValue(records[i]);
            switch (value)
            {
                case float[] array:
                    result[i] = (array, null);
                    break;
                case ReadOnlyMemory<float> memory:
                    result[i] = (memory, null);
                    break;
                case Embedding<float> embedding:
                    result[i] = (embedding.Vector, TokensOf(embedding));
                    break;
                case string text when Mapper.VectorProperty.EmbeddingGenerator is not null:
                    toEmbed.Add((i, text));
                    break;
                case not null when Mapper.VectorProperty.EmbeddingGenerationDispatcher is not null:
                    toGenerate.Add((i, value));
                    break;
                case null:
                    throw new ArgumentException($"Record {i} of the batch has no vector in '{Mapper.VectorProperty.ModelName}'.", nameof(records));
                default:
                    throw new NotSupportedException($"Vector property '{Mapper.VectorProperty.ModelName}' holds a {value.GetType().Name}; supported: {NormModelBuilder.SupportedVectorTypes}.");
            }
        }

        if (toEmbed.Count > 0)
        {
            var embeddings = await EmbedAsync([.. toEmbed.Select(t => t.Text)], "document", cancellationToken).ConfigureAwait(false);
            for (int j = 0; j < toEmbed.Count; j++)
            {
                result[toEmbed[j].Index] = (embeddings[j].Vector, TokensOf(embeddings[j]));
            }
        }

        if (toGenerate.Count > 0)
        {
            // Custom input types (e.g. a VectorStoreVectorProperty<Customer> with an
            // IEmbeddingGenerator<Customer, Embedding<float>>): the model's dispatcher calls the generator.
            var generated = await Mapper.VectorProperty.GenerateEmbeddingsAsync(toGenerate.Select(t => t.Value), cancellationToken).ConfigureAwait(false);
            for (int j = 0; j < toGenerate.Count; j++)
            {
                var embedding = generated[j] as Embedding<float> ?? throw new NotSupportedException("The embedding generator must produce Embedding<float>.");
                result[toGenerate[j].Index] = (embedding.Vector, TokensOf(embedding));
            }
        }

        return result;
    }

    /// <summary>
    /// Guid keys are auto-generated (the MEVD default): a record whose key is <see cref="Guid.Empty"/> gets a
    /// new key, written back into the record before anything is stored.
    /// </summary>
    private void GenerateKeyIfNeeded(object record)
    {
        var key = Mapper.Model.KeyProperty;
        if (key.IsAutoGenerated && key.Type == typeof(Guid) && key.GetValueAsObject(record) is null or Guid)
        {
            if (key.GetValueAsObject(record) is Guid existing && existing != Guid.Empty)
            {
                return;
            }

            key.SetValueAsObject(record, Guid.CreateVersion7());
        }
    }

    private async Task<IReadOnlyList<Embedding<float>>> EmbedAsync(IReadOnlyList<string> texts, string mode, CancellationToken cancellationToken)
    {
        var vector = Mapper.VectorProperty;
        if (vector.EmbeddingGenerator is IEmbeddingGenerator<string, Embedding<float>> generator)
        {
            return await generator.GenerateAsync(texts, mode == "query" ? QueryOptions : DocumentOptions, cancellationToken).ConfigureAwait(false);
        }

        if (vector.EmbeddingGenerator is null)
        {
            throw new InvalidOperationException(VectorDataStrings.UnsupportedVectorPropertyWithoutEmbeddingGenerator(vector));
        }

        var generated = await vector.GenerateEmbeddingsAsync(texts, cancellationToken).ConfigureAwait(false);
        return [.. generated.Select(e => e as Embedding<float> ?? throw new NotSupportedException("The embedding generator must produce Embedding<float>."))];
    }

    private static int? TokensOf(Embedding<float> embedding) =>
        embedding.AdditionalProperties?.TryGetValue(EmbeddingPropertyNames.TokenCount, out object? t) == true && t is int tokens ? tokens : null;

    private static bool IsNativeVectorType(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(float[]) || t == typeof(ReadOnlyMemory<float>) || t == typeof(Embedding<float>);
    }
}
