using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Search;

/// <summary>
/// Norm-aware searches without a filter rank their overfetched candidates from norms kept in memory and read only
/// the page they return: the answers equal those of the path that reads every candidate from SQLite (a filter
/// that matches everything takes that path), through upserts, replacements, deletes and reopens.
/// </summary>
public sealed class InMemoryNormTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("flat")]
    [InlineData("faiss")]
    public async Task Ranking_from_memory_equals_ranking_from_the_rows(string engine)
    {
        using var temp = new TempStore();
        var options = new NormVectorStoreOptions { Engine = engine };
        var rng = new Random(3);
        var hotels = TempStore.RandomHotels("h", 0, 400, 11);
        foreach (var h in hotels)
        {
            // Raw norms that differ, so that the policy moves results.
            float scale = (float)Math.Exp(1.5 + (0.3 * rng.NextDouble()));
            h.Embedding = [.. h.Embedding!.Select(x => x * scale)];
            h.Rating = 1;
        }

        var ranking = new NormSearchOptions<Hotel> { Ranking = NormRankingOptions.Parse("specificity:0.05") };
        var everything = new NormSearchOptions<Hotel> { Ranking = ranking.Ranking, Filter = h => h.Rating >= 0 };
        using (var store = temp.Open(options))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels.Take(300), Ct);
            await AssertSameAsync(c, ranking, everything);

            // Writes after the norms were loaded: new records, replaced records (new norms), deleted records.
            await c.UpsertAsync(hotels.Skip(300), Ct);
            var replaced = hotels.Take(50).Select(h => TempStore.Hotel(h.Id, [.. h.Embedding!.Select(x => x * 3)])).ToList();
            replaced.ForEach(h => h.Rating = 1);
            await c.UpsertAsync(replaced, Ct);
            await c.DeleteAsync(hotels.Skip(100).Take(50).Select(h => h.Id), Ct);
            await AssertSameAsync(c, ranking, everything);
            var page = await c.SearchAsync(hotels[120].Embedding!, 400, ranking, Ct).Select(r => r.Record.Id).ToListAsync(Ct);
            Assert.DoesNotContain("h120", page);
            Assert.Equal(350, page.Count);
        }

        using (var store = temp.Open(options))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            await AssertSameAsync(c, ranking, everything);
        }
    }

    [Fact]
    public async Task A_damaged_row_in_the_page_is_refused_by_its_key()
    {
        using var temp = new TempStore();
        using var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" });
        var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
        await c.EnsureCollectionExistsAsync(Ct);
        var hotels = TempStore.RandomHotels("h", 0, 30, 5);
        await c.UpsertAsync(hotels, Ct);
        var ranking = new NormSearchOptions<Hotel> { Ranking = NormRankingOptions.Parse("specificity:0.05") };
        Assert.Equal("h7", (await c.SearchAsync(hotels[7].Embedding!, 1, ranking, Ct).SingleAsync(Ct)).Record.Id);

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var edit = connection.CreateCommand();
            edit.CommandText = "UPDATE records_1 SET data = json_set(data, '$.Rating', 42) WHERE key = 'h7';";
            await edit.ExecuteNonQueryAsync(Ct);
        }

        var ex = await Assert.ThrowsAsync<VectorStoreException>(() => c.SearchAsync(hotels[7].Embedding!, 1, ranking, Ct).ToListAsync(Ct).AsTask());
        Assert.Contains("'h7'", ex.Message, StringComparison.Ordinal);
    }

    private static async Task AssertSameAsync(NormCollection<string, Hotel> c, NormSearchOptions<Hotel> ranking, NormSearchOptions<Hotel> everything)
    {
        foreach (int q in new[] { 0, 57, 199, 333 })
        {
            float[] query = [MathF.Sin(q), MathF.Cos(q), 0.3f, -0.2f];
            foreach (int top in new[] { 1, 10, 40 })
            {
                var fromMemory = await c.SearchDetailedAsync(query, top, ranking, Ct);
                var fromRows = await c.SearchDetailedAsync(query, top, everything, Ct);
                Assert.Equal(fromRows.Results.Select(r => r.Record.Id), fromMemory.Results.Select(r => r.Record.Id));
                // Faiss and the exact scan round the same cosine differently in the last float digit.
                Assert.All(fromRows.Results.Zip(fromMemory.Results), p => Assert.InRange(Math.Abs(p.First.Score - p.Second.Score), 0, 1e-5));
                Assert.InRange(Math.Abs(fromRows.Confidence.Value - fromMemory.Confidence.Value), 0, 1e-5);
            }
        }
    }
}
