using Microsoft.Extensions.VectorData;

namespace NormRetrieval.Garnet.Tests;

/// <summary>
/// Garnet has no full-text index (vector sets filter on attributes; there is no FT.* module), so its collections do
/// not offer <see cref="IKeywordHybridSearchable{TRecord}"/>, as MEVD asks of stores without keyword search; a
/// definition that marks a property full-text indexed is still accepted, and the property stored and filtered.
/// </summary>
public sealed class HybridSearchTests(GarnetFixture garnet)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Garnet_collections_do_not_offer_hybrid_search_and_keep_full_text_properties_as_data()
    {
        using var store = new GarnetVectorStore(garnet.Connection);
        var c = store.GetCollection<string, Note>(garnet.NewName("notes"));
        Assert.IsNotAssignableFrom<IKeywordHybridSearchable<Note>>(c);
        Assert.Null(c.GetService(typeof(IKeywordHybridSearchable<Note>)));

        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync([new Note { Id = "a", Text = "apples", Vector = new float[] { 1, 0, 0 } }, new Note { Id = "b", Text = "pears", Vector = new float[] { 0, 1, 0 } }], Ct);
        var found = await c.SearchAsync(new float[] { 1, 1, 0 }, 2, new VectorSearchOptions<Note> { Filter = n => n.Text == "pears" }, Ct).SingleAsync(Ct);
        Assert.Equal("b", found.Record.Id);
    }

    public sealed class Note
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true, IsIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }
}
