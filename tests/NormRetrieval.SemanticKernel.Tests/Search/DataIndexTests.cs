using System.Linq.Expressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Search;

/// <summary>
/// Data properties marked <c>IsIndexed</c> get a SQLite expression index, and filters read them with the same
/// expression: a selective filter — equality or an ordering — walks the index instead of parsing every row's JSON.
/// </summary>
public sealed class DataIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Indexed_properties_get_expression_indexes_that_equality_and_range_filters_use()
    {
        using var temp = new TempStore();
        var rows = Enumerable.Range(0, 300).Select(i => new Ranked
        {
            Id = "r" + i,
            Rank = i % 100,
            Level = i % 7 == 0 ? null : i % 10,
            Vector = [1, i / 300f, (i % 7) / 7f, 0.5f],
        }).ToList();
        using (var store = temp.Open(new NormVectorStoreOptions { Engine = "flat" }))
        {
            var c = store.GetCollection<string, Ranked>("r", new NormCollectionOptions());
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(rows, Ct);

            // The answers are the filter's, nulls as in C#.
            var below = await c.SearchAsync(new float[] { 1, 0, 0, 0 }, 300, new() { Filter = r => r.Rank < 3 }, Ct).ToListAsync(Ct);
            Assert.Equal(rows.Where(r => r.Rank < 3).Select(r => r.Id).Order(), below.Select(h => h.Record.Id).Order());
            var notBelow = await c.SearchAsync(new float[] { 1, 0, 0, 0 }, 300, new() { Filter = r => !(r.Level < 5) }, Ct).ToListAsync(Ct);
            Assert.Equal(rows.Where(r => !(r.Level < 5)).Select(r => r.Id).Order(), notBelow.Select(h => h.Record.Id).Order());
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False");
        await connection.OpenAsync(Ct);
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records_1' AND name LIKE 'records_1_d%';";
            Assert.Equal(2L, await list.ExecuteScalarAsync(Ct));
        }

#pragma warning disable NRVD001 // the provider services' model of the record type
        var model = NormRetrieval.VectorData.ProviderServices.RecordPipeline.Create(typeof(Ranked), typeof(string), null, null, dynamic: false).Mapper.Model;
#pragma warning restore NRVD001
        foreach (Expression<Func<Ranked, bool>> filter in new Expression<Func<Ranked, bool>>[] { r => r.Rank == 3, r => r.Rank < 3, r => r.Rank >= 97, r => r.Level == 4, r => r.Level > 6 })
        {
            var (where, parameters) = Storage.SqliteFilterTranslator.Translate(filter, model);
            await using var plan = connection.CreateCommand();
            plan.CommandText = $"EXPLAIN QUERY PLAN SELECT id FROM records_1 WHERE {where};";
            plan.Parameters.AddRange(parameters.Select(p => new SqliteParameter(p.ParameterName, p.Value)));
            await using var reader = await plan.ExecuteReaderAsync(Ct);
            var steps = new List<string>();
            while (await reader.ReadAsync(Ct))
            {
                steps.Add(reader.GetString(3));
            }

            Assert.True(steps.Exists(s => s.Contains("INDEX records_1_d", StringComparison.Ordinal)), $"{filter}: {string.Join("; ", steps)}");
        }
    }

    public sealed class Ranked
    {
        [VectorStoreKey]
        public string Id { get; set; } = string.Empty;

        [VectorStoreData(IsIndexed = true)]
        public int Rank { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public int? Level { get; set; }

        [VectorStoreVector(4)]
        public float[]? Vector { get; set; }
    }
}
