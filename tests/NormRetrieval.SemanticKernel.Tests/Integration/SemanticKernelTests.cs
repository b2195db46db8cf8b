using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Data;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Integration;

public sealed class SemanticKernelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly (string Id, string Text)[] Corpus =
    [
        ("aero-1", "Boundary layer transition on swept wings at high Reynolds numbers."),
        ("aero-2", "Heat transfer to a flat plate in hypersonic flow."),
        ("lib-1", "Cataloguing rules for serial publications in academic libraries."),
        ("lib-2", "Measuring the use of periodicals by graduate students."),
    ];

    private static async Task<(TempStore Temp, NormVectorStore Store, NormCollection<string, Passage> Collection)> SetupAsync()
    {
        var temp = new TempStore();
        var store = temp.Open(new NormVectorStoreOptions { EmbeddingGenerator = Encoders.ArcticXs });
        var collection = store.GetCollection<string, Passage>("passages", new NormCollectionOptions());
        await collection.EnsureCollectionExistsAsync(Ct);
        await collection.UpsertAsync(Corpus.Select(c => new Passage { Id = c.Id, Text = c.Text, Source = c.Id[..3], Embedding = c.Text }), Ct);
        return (temp, store, collection);
    }

    private static VectorStoreTextSearch<Passage> TextSearch(NormCollection<string, Passage> collection) =>
        new(collection, r => ((Passage)r).Text, r => new TextSearchResult(((Passage)r).Text) { Name = ((Passage)r).Id, Link = "doc://" + ((Passage)r).Id });

    [Fact]
    public async Task Vector_store_text_search_finds_passages()
    {
        var (temp, store, collection) = await SetupAsync();
        using var _ = temp;
        using var __ = store;
        var search = TextSearch(collection);
        var results = await ((ITextSearch<Passage>)search).GetTextSearchResultsAsync("hypersonic heating of plates", new TextSearchOptions<Passage> { Top = 2 }, Ct);
        var list = await results.Results.ToListAsync(Ct);
        Assert.Equal("aero-2", list[0].Name);
        Assert.Equal(2, list.Count);
    }

    [Fact]
    public async Task A_kernel_search_plugin_answers_from_the_store()
    {
        var (temp, store, collection) = await SetupAsync();
        using var _ = temp;
        using var __ = store;
        var kernel = new Kernel();
        var plugin = TextSearch(collection).CreateWithSearch("Library", "Searches the passages.");
        kernel.Plugins.Add(plugin);
        var answer = await kernel.InvokeAsync(plugin["Search"], new KernelArguments { ["query"] = "journals read by students", ["count"] = 1 }, Ct);
        var texts = answer.GetValue<List<string>>();
        Assert.Contains("periodicals", Assert.Single(texts!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_text_search_provider_adds_retrieved_context_before_the_model_is_invoked()
    {
        var (temp, store, collection) = await SetupAsync();
        using var _ = temp;
        using var __ = store;
        var provider = new TextSearchProvider(TextSearch(collection), NullLoggerFactory.Instance, new TextSearchProviderOptions { Top = 1 });
        var context = await provider.ModelInvokingAsync([new ChatMessage(ChatRole.User, "What are the rules for cataloguing serials?")], Ct);
        Assert.Contains("Cataloguing rules for serial publications", context.Instructions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_text_search_store_runs_on_dynamic_collections_with_automatic_embedding()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { EmbeddingGenerator = Encoders.ArcticXs });
        using var textStore = new TextSearchStore<string>(store, "chunks", 384, new TextSearchStoreOptions { UseHybridSearch = false });
        await textStore.UpsertTextAsync([.. Corpus.Select(c => c.Text)], Ct);
#pragma warning disable CS0618 // TextSearchStore offers only the non-generic options in Semantic Kernel 1.82
        var results = await textStore.SearchAsync("supersonic flow and heating", new TextSearchOptions { Top = 1 }, Ct);
#pragma warning restore CS0618
        Assert.Contains("hypersonic", await results.Results.SingleAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Norm_aware_reranking_decorates_any_searchable_whose_records_carry_a_norm()
    {
        using var temp = new TempStore();
        using var store = temp.Open();
        var inner = store.GetCollection<string, Document>("docs");
        await inner.EnsureCollectionExistsAsync(Ct);
        var texts = new[] { "delta wing", "delta wing vortex lift at high angles of attack in low speed flow", "wing", "airfoil" };
        var encoded = Encoders.ArcticXs.Encode(texts, Onnx.Models.EncodeMode.Document, Ct);
        await inner.UpsertAsync(texts.Select((t, i) => new Document { Id = "d" + i, Text = t, Norm = encoded[i].Norm, Vector = encoded[i].Vector }), Ct);
        var statistics = ((NormCollection<string, Document>)inner).Statistics;
        var reranking = new NormRerankingSearchable<Document>(inner, d => d.Norm, statistics, NormRankingOptions.Parse("specificity:0.05"));
        var query = Encoders.ArcticXs.Encode("delta wing", Onnx.Models.EncodeMode.Query).Vector;

        var explained = await reranking.SearchWithExplanationsAsync(query, 4, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(4, explained.Count);
        Assert.All(explained, r => Assert.Equal(r.Explanation.Cosine + r.Explanation.Adjustment, r.Score, 10));
        Assert.All(explained, r => Assert.Equal(r.Record.Norm, r.Explanation.Norm, 5));
        Assert.True(explained.Zip(explained.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        var plain = await reranking.SearchAsync(query, 2, new NormSearchOptions<Document> { Ranking = new NormRankingOptions() }, Ct).ToListAsync(Ct);
        var cosineOrder = await inner.SearchAsync(query, 2, cancellationToken: Ct).Select(r => r.Record.Id).ToListAsync(Ct);
        Assert.Equal(cosineOrder, plain.Select(r => r.Record.Id));
        Assert.IsType<NormRerankingSearchable<Document>>(reranking.GetService(typeof(NormRerankingSearchable<Document>)));
    }
}
