using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Calibration;
using NormRetrieval.VectorData;

namespace NormRetrieval.SemanticKernel.Tests.Persistence;

/// <summary>
/// The embedded store keeps a collection's calibration in its database, checksummed: it survives a reopen, a
/// read-only open reads it, a damaged one is refused by name (never ranked by), and the collection's own options
/// still win over it.
/// </summary>
public sealed class CalibrationStorageTests
{
    private static readonly CollectionCalibrationOptions Fast = new() { Selection = new SafePolicyOptions { Repeats = 1, Iterations = 1000, Families = ["specificity", "magnitude"] } };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_calibration_survives_a_reopen_and_a_read_only_open_uses_it()
    {
        using var temp = new TempStore();
        var (hotels, queries) = CalibrationCorpus.Build(normsHelp: true);
        PolicyCalibration calibration;
        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            calibration = await c.CalibrateAsync(queries, Fast, Ct);
            Assert.False(calibration.IsCosine);
        }

        using (var store = temp.Open(new NormVectorStoreOptions { ReadOnly = true }))
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            Assert.Equal(calibration.ToJson(), (await c.GetCalibrationAsync(Ct))!.ToJson());
            var response = await c.SearchDetailedAsync(queries[0].Query, 10, cancellationToken: Ct);
            Assert.Equal(calibration.Policy, response.Policy);
            Assert.Equal("r0", response.Results[0].Record.Id);
            var refused = await Assert.ThrowsAsync<VectorStoreException>(() => c.SetCalibrationAsync(null, Ct));
            Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);
        }

        // The collection's options choose a ranking: they win over the stored calibration.
        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h", new NormCollectionOptions { Ranking = new NormRankingOptions() });
            Assert.Equal("cosine", (await c.SearchDetailedAsync(queries[0].Query, 1, cancellationToken: Ct)).Policy);
        }
    }

    [Fact]
    public async Task A_damaged_calibration_is_refused_by_name_and_removing_it_repairs_the_collection()
    {
        using var temp = new TempStore();
        var (hotels, queries) = CalibrationCorpus.Build(normsHelp: true);
        using (var store = temp.Open())
        {
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            await c.EnsureCollectionExistsAsync(Ct);
            await c.UpsertAsync(hotels, Ct);
            await c.CalibrateAsync(queries, Fast, Ct);
        }

        // A hand edit that still parses: another policy, same checksum.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE calibrations SET calibration = json_set(calibration, '$.policy', 'magnitude:1');";
            Assert.Equal(1, await command.ExecuteNonQueryAsync(Ct));
        }

        using (var store = temp.Open())
        {
            var verification = await store.VerifyAsync(Ct);
            Assert.Contains(verification.Problems, p => p.StartsWith("h: the stored calibration is damaged", StringComparison.Ordinal));
            var c = (NormCollection<string, Hotel>)store.GetCollection<string, Hotel>("h");
            var search = await Assert.ThrowsAsync<VectorStoreException>(() => c.SearchAsync(queries[0].Query, 1, cancellationToken: Ct).ToListAsync(Ct).AsTask());
            Assert.Contains("calibration stored with collection 'h' is damaged", search.Message, StringComparison.Ordinal);
            Assert.Equal("h", search.CollectionName);
            await Assert.ThrowsAsync<VectorStoreException>(() => c.GetCalibrationAsync(Ct));

            // A query that chooses its ranking does not read the calibration; removing it repairs the collection.
            Assert.Single(await c.SearchAsync(queries[0].Query, 1, new NormSearchOptions<Hotel> { Ranking = new NormRankingOptions() }, Ct).ToListAsync(Ct));
            await c.SetCalibrationAsync(null, Ct);
            Assert.Null(await c.GetCalibrationAsync(Ct));
            Assert.Equal("cosine", (await c.SearchDetailedAsync(queries[0].Query, 1, cancellationToken: Ct)).Policy);
        }
    }
}
