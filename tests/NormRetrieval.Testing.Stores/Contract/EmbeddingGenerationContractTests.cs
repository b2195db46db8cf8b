using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.Testing.Contract;

/// <summary>
/// Embedding generation at store, collection and property level (the most specific wins), from DI, with
/// custom input types, and the exceptions the contract names for what cannot work.
/// </summary>
public abstract class EmbeddingGenerationContractTests(ContractStore fixture) : IAsyncLifetime
{
    private string _name = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // Three records whose texts say which generator a query must have gone through to find them first.
        _name = fixture.NewName("generation");
        var seed = fixture.Store.GetCollection<int, VectorRecord>(_name, VectorDefinition());
        await seed.EnsureCollectionExistsAsync();
        await seed.UpsertAsync(
        [
            new VectorRecord { Key = 1, Text = "Store", Embedding = new float[] { 1, 1, 1 } },
            new VectorRecord { Key = 2, Text = "Collection", Embedding = new float[] { 1, 1, 2 } },
            new VectorRecord { Key = 3, Text = "Property", Embedding = new float[] { 1, 1, 3 } },
        ]);
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData(true, true, true, "Property")]
    [InlineData(true, true, false, "Collection")]
    [InlineData(true, false, false, "Store")]
    [InlineData(false, false, true, "Property")]
    public async Task The_most_specific_generator_embeds_the_query(bool store, bool collection, bool property, string expected)
    {
        var c = TextCollection(store, collection, property);
        var hit = await c.SearchAsync("[1, 1, 0]", 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal(expected, hit.Record.Text);

        var dynamic = fixture.OpenStore(store ? new VectorTextGenerator(1) : null).GetDynamicCollection(_name, TextDefinition(collection, property));
        var dynamicHit = await dynamic.SearchAsync("[1, 1, 0]", 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal(expected, dynamicHit.Record["Text"]);
    }

    [Fact]
    public async Task Upserted_text_is_embedded_in_document_mode_and_queries_in_query_mode()
    {
        var generator = new VectorTextGenerator();
        string name = fixture.NewName("modes");
        var c = fixture.OpenStore(generator).GetCollection<int, TextRecord>(name, TextDefinition(false, false));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync([new TextRecord { Key = 1, Text = "a", Embedding = "[100, 1, 0]" }, new TextRecord { Key = 2, Text = "b", Embedding = "[1, 100, 0]" }], Ct);
        var hit = await c.SearchAsync("[1, 90, 0]", 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal("b", hit.Record.Text);
        Assert.Equal(["document", "query"], generator.Modes);
        Assert.Equal(1.0, (await c.SearchAsync(new ReadOnlyMemory<float>([100, 1, 0]), 1, cancellationToken: Ct).SingleAsync(Ct)).Score!.Value, 4);
    }

    [Fact]
    public async Task Departure_6_text_without_a_generator_throws_NotSupportedException()
    {
        var c = fixture.Store.GetCollection<int, VectorRecord>(_name, VectorDefinition());
        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => c.SearchAsync("foo", 1, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        Assert.StartsWith("A value of type 'string' was passed to 'SearchAsync', but that isn't a supported vector type by your provider and no embedding generator was configured.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Departure_7_an_input_the_generator_cannot_take_throws_InvalidOperationException()
    {
        var c = TextCollection(true, true, true);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => c.SearchAsync(8, 1, cancellationToken: Ct).ToListAsync(Ct).AsTask());
        Assert.Equal($"An input of type 'int' was provided, but an incompatible embedding generator of type '{nameof(VectorTextGenerator)}' was configured.", ex.Message);
    }

    [Fact]
    public async Task Departure_8_custom_input_types_are_embedded_by_their_generator()
    {
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(int)),
                new VectorStoreDataProperty("Text", typeof(string)),
                new VectorStoreVectorProperty<Customer>("Embedding", 3),
            ],
        };
        var c = fixture.OpenStore(new CustomerGenerator([1, 1, 1])).GetCollection<int, CustomerRecord>(_name, definition);
        var hit = await c.SearchAsync(new Customer { Name = "Ada" }, 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal("Store", hit.Record.Text);

        // Upserting a record whose vector property holds a Customer embeds it the same way.
        string name = fixture.NewName("customers");
        var fresh = fixture.OpenStore(new CustomerGenerator([0, 2, 0])).GetCollection<int, CustomerRecord>(name, definition);
        await fresh.EnsureCollectionExistsAsync(Ct);
        await fresh.UpsertAsync(new CustomerRecord { Key = 5, Text = "c", Embedding = new Customer { Name = "Bo" } }, Ct);
        var found = await fresh.SearchAsync(new ReadOnlyMemory<float>([0, 1, 0]), 1, cancellationToken: Ct).SingleAsync(Ct);
        Assert.Equal(5, found.Record.Key);
        Assert.Equal(1.0, found.Score!.Value, 4);
    }

    [Fact]
    public async Task Vectors_of_generated_properties_cannot_be_included()
    {
        var c = TextCollection(true, false, false);
        const string Message = "When an embedding generator is configured, `Include Vectors` cannot be enabled.";
        Assert.Equal(Message, (await Assert.ThrowsAsync<NotSupportedException>(() => c.SearchAsync("[1, 0, 0]", 1, new VectorSearchOptions<TextRecord> { IncludeVectors = true }, Ct).ToListAsync(Ct).AsTask())).Message);
        Assert.Equal(Message, (await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync(1, new RecordRetrievalOptions { IncludeVectors = true }, Ct))).Message);
        Assert.Equal(Message, (await Assert.ThrowsAsync<NotSupportedException>(() => c.GetAsync([1, 2], new RecordRetrievalOptions { IncludeVectors = true }, Ct).ToListAsync(Ct).AsTask())).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Departure_9_a_generator_registered_in_DI_is_found(bool genericOnly)
    {
        foreach (bool registerCollection in new[] { false, true })
        {
            var services = new ServiceCollection();
            if (genericOnly)
            {
                // Only the generic interface, as AddEmbeddingGenerator and most providers register it.
                services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new VectorTextGenerator(1));
            }
            else
            {
                services.AddSingleton<IEmbeddingGenerator>(new VectorTextGenerator(1));
            }

            if (registerCollection)
            {
                fixture.RegisterCollection<int, TextRecordWithAttributes>(services, null, _name, ServiceLifetime.Singleton);
            }
            else
            {
                fixture.RegisterStore(services, null, ServiceLifetime.Singleton);
            }

            await using var provider = services.BuildServiceProvider();
            var c = registerCollection
                ? provider.GetRequiredService<VectorStoreCollection<int, TextRecordWithAttributes>>()
                : provider.GetRequiredService<VectorStore>().GetCollection<int, TextRecordWithAttributes>(_name);
            var hit = await c.SearchAsync("[1, 1, 0]", 1, cancellationToken: Ct).SingleAsync(Ct);
            Assert.Equal("Store", hit.Record.Text);
        }
    }

    private VectorStoreCollection<int, TextRecord> TextCollection(bool store, bool collection, bool property) =>
        fixture.OpenStore(store ? new VectorTextGenerator(1) : null).GetCollection<int, TextRecord>(_name, TextDefinition(collection, property));

    private static VectorStoreCollectionDefinition VectorDefinition() => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", typeof(int)),
            new VectorStoreDataProperty("Text", typeof(string)),
            new VectorStoreVectorProperty("Embedding", typeof(ReadOnlyMemory<float>), 3),
        ],
    };

    private static VectorStoreCollectionDefinition TextDefinition(bool collection, bool property) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", typeof(int)),
            new VectorStoreDataProperty("Text", typeof(string)),
            new VectorStoreVectorProperty("Embedding", typeof(string), 3) { EmbeddingGenerator = property ? new VectorTextGenerator(3) : null },
        ],
        EmbeddingGenerator = collection ? new VectorTextGenerator(2) : null,
    };

    public sealed class VectorRecord
    {
        public int Key { get; set; }

        public string? Text { get; set; }

        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    public sealed class TextRecord
    {
        public int Key { get; set; }

        public string? Text { get; set; }

        public string? Embedding { get; set; }
    }

    public sealed class TextRecordWithAttributes
    {
        [VectorStoreKey]
        public int Key { get; set; }

        [VectorStoreData]
        public string? Text { get; set; }

        [VectorStoreVector(3)]
        public string? Embedding { get; set; }
    }

    public sealed class CustomerRecord
    {
        public int Key { get; set; }

        public string? Text { get; set; }

        public Customer? Embedding { get; set; }
    }
}
