using Microsoft.SemanticKernel.Data;
using NormRetrieval.Testing;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Integration;

/// <summary>
/// Departure 10: with arctic-xs (a query prefix), a query must be embedded in query mode whoever asks for
/// it. The documented Semantic Kernel wiring — <c>VectorStoreTextSearch</c> over the collection, with no
/// generator or with <c>encoder.AsQueryGenerator()</c> — must give exactly what <c>SearchAsync(string)</c>
/// gives, on real Cranfield documents and queries.
/// </summary>
public sealed class QueryModeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Departure_10_the_documented_text_search_wiring_gives_the_results_of_SearchAsync_string()
    {
        var cranfield = TestCollection.Get("cranfield", "arctic-xs");
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { EmbeddingGenerator = Encoders.ArcticXs });
        var collection = store.GetCollection<string, Document>("cranfield", new NormCollectionOptions { Engine = "flat" });
        await collection.EnsureCollectionExistsAsync(Ct);
        await collection.UpsertAsync(
            cranfield.DocumentIds.Select((id, i) => new Document { Id = id, Text = cranfield.DocumentTexts[i], Vector = cranfield.DocumentRaw[i] }), Ct);

        static string Name(object r) => ((Document)r).Id;
        var withoutGenerator = new VectorStoreTextSearch<Document>(collection, r => ((Document)r).Text, r => new TextSearchResult(((Document)r).Text) { Name = Name(r) });
        var withQueryGenerator = new VectorStoreTextSearch<Document>(collection, Encoders.ArcticXs.AsQueryGenerator(), r => ((Document)r).Text, r => new TextSearchResult(((Document)r).Text) { Name = Name(r) });
        var withPlainEncoder = new VectorStoreTextSearch<Document>(collection, Encoders.ArcticXs, r => ((Document)r).Text, r => new TextSearchResult(((Document)r).Text) { Name = Name(r) });

        int plainDiffers = 0;
        foreach (string query in cranfield.QueryTexts.Take(6))
        {
            var direct = await collection.SearchAsync(query, 5, cancellationToken: Ct).Select(r => r.Record.Id).ToListAsync(Ct);
            Assert.Equal(direct, await Names(withoutGenerator, query));
            Assert.Equal(direct, await Names(withQueryGenerator, query));
            plainDiffers += direct.SequenceEqual(await Names(withPlainEncoder, query)) ? 0 : 1;
        }

        // The plain encoder, called without a mode, embeds documents: the wiring the README warns against.
        Assert.True(plainDiffers > 0, "document-mode query embeddings gave the same top 5 on every query");
    }

    [Fact]
    public async Task The_query_generator_keeps_a_mode_the_request_names()
    {
        var generator = new Testing.Contract.VectorTextGenerator();
        using var query = generator.AsQueryGenerator();
        await query.GenerateAsync(["[1, 2]"], cancellationToken: Ct);
        await query.GenerateAsync(["[1, 2]"], new Microsoft.Extensions.AI.EmbeddingGenerationOptions { AdditionalProperties = new() { [Vectors.EmbeddingPropertyNames.Mode] = "document" } }, Ct);
        Assert.Equal(["query", "document"], generator.Modes);
    }

    private static async Task<List<string>> Names(ITextSearch<Document> search, string query)
    {
        var results = await search.GetTextSearchResultsAsync(query, new TextSearchOptions<Document> { Top = 5 }, Ct);
        return await results.Results.Select(r => r.Name!).ToListAsync(Ct);
    }
}
