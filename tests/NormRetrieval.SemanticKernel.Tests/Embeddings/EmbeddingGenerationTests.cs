using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Vectors;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Embeddings;

public sealed class EmbeddingGenerationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Passage[] Passages =
    [
        new() { Id = "p1", Text = "Boundary layer transition on swept wings at high Reynolds numbers.", Source = "aero" },
        new() { Id = "p2", Text = "Cataloguing rules for serial publications in academic libraries.", Source = "lib" },
        new() { Id = "p3", Text = "Heat transfer to a flat plate in hypersonic flow.", Source = "aero" },
    ];

    private static Passage[] WithText() => [.. Passages.Select(p => new Passage { Id = p.Id, Text = p.Text, Source = p.Source, Embedding = p.Text })];

    private static async Task AssertNormAwareStoreAsync(VectorStoreCollection<string, Passage> c)
    {
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(WithText(), Ct);
        var hit = await c.SearchAsync("flow over a plate at very high speed", 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal("p3", hit.Record.Id);

        // The stored norms are the encoder's raw norms (documents), and the query was encoded in query mode.
        var n = (NormCollection<string, Passage>)c;
        var expectedNorm = Encoders.ArcticXs.Encode(Passages[2].Text).Norm;
        var detailed = await n.SearchDetailedAsync("flow over a plate at very high speed", 3, cancellationToken: Ct);
        var p3 = detailed.Results.Single(r => r.Record.Id == "p3");
        Assert.Equal(expectedNorm, p3.Explanation.Norm, 3);
        Assert.Equal(Encoders.ArcticXs.Encode("flow over a plate at very high speed", EncodeMode.Query).Norm, detailed.QueryNorm, 3);
        Assert.False(n.NormsAreDegenerate);
        Assert.Equal(3, n.Statistics.LengthFitCount); // token counts travelled with the embeddings
    }

    [Fact]
    public async Task A_store_level_generator_embeds_string_vectors()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { EmbeddingGenerator = Encoders.ArcticXs });
        await AssertNormAwareStoreAsync(store.GetCollection<string, Passage>("p"));
    }

    [Fact]
    public async Task A_collection_level_generator_embeds_string_vectors()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        await AssertNormAwareStoreAsync(store.GetCollection<string, Passage>("p", new NormCollectionOptions { EmbeddingGenerator = Encoders.ArcticXs }));
    }

    [Fact]
    public async Task A_property_level_generator_embeds_string_vectors()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Id", typeof(string)),
                new VectorStoreDataProperty("Text", typeof(string)),
                new VectorStoreDataProperty("Source", typeof(string)),
                new VectorStoreVectorProperty("Embedding", typeof(string), 384) { EmbeddingGenerator = Encoders.ArcticXs },
            ],
        };
        await AssertNormAwareStoreAsync(store.GetCollection<string, Passage>("p", definition));
    }

    [Fact]
    public async Task String_search_without_a_generator_and_vectors_of_generated_properties_fail_clearly()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var c = store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        await Assert.ThrowsAsync<NotSupportedException>(() => c.SearchAsync("text", 1, cancellationToken: Ct).ToListAsync(Ct).AsTask());

        using var temp2 = new TempStore();
        using var store2 = temp2.Open(new NormVectorStoreOptions { EmbeddingGenerator = Encoders.ArcticXs });
        var p = store2.GetCollection<string, Passage>("p");
        await p.EnsureCollectionExistsAsync(Ct);
        await Assert.ThrowsAsync<NotSupportedException>(() => p.GetAsync("p1", new RecordRetrievalOptions { IncludeVectors = true }, Ct));
    }

    [Fact]
    public async Task The_recording_generator_adds_norms_to_any_generator()
    {
        var inner = new FixedGenerator();
        var recording = new NormRecordingEmbeddingGenerator(inner);
        var result = await recording.GenerateAsync(["a", "bb"], cancellationToken: Ct);
        Assert.Equal(5f, (float)result[0].AdditionalProperties![EmbeddingPropertyNames.Norm]!, 5);
        Assert.Equal(10f, (float)result[1].AdditionalProperties![EmbeddingPropertyNames.Norm]!, 5);
    }

    /// <summary>An unnormalised generator standing in for a remote embedding service (which tests cannot reach).</summary>
    private sealed class FixedGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(new float[] { 3 * v.Length, 4 * v.Length }))));

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
