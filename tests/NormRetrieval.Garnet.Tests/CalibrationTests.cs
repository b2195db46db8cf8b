using NormRetrieval.Calibration;
using NormRetrieval.VectorData;

namespace NormRetrieval.Garnet.Tests;

/// <summary>
/// A collection's calibration, the same on the embedded store and on Garnet with one and four shards: the safe
/// choice is measured on the collection's own candidates, stored with it, and used by every vector search that
/// does not choose a ranking itself.
/// </summary>
public sealed class CalibrationTests(GarnetFixture garnet)
{
    private static readonly CollectionCalibrationOptions Fast = new() { Selection = new SafePolicyOptions { Repeats = 2, Iterations = 2000 } };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(ContractTests.Stores), MemberType = typeof(ContractTests))]
    public async Task A_norm_policy_is_stored_where_one_helps_and_every_search_without_a_ranking_uses_it(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        string name = garnet.NewName("calibrated");
        var c = (NormVectorStoreCollection<string, Hotel>)s.Collection<string, Hotel>(name);
        await c.EnsureCollectionExistsAsync(Ct);
        var (hotels, queries) = CalibrationCorpus.Build(normsHelp: true);
        await c.UpsertAsync(hotels, Ct);
        Assert.Null(await c.GetCalibrationAsync(Ct));

        // Before: cosine ranks every relevant hotel below its three distractors.
        var before = await c.SearchAsync(queries[0].Query, 1, cancellationToken: Ct).ToListAsync(Ct);
        Assert.StartsWith("d0-", before[0].Record.Id, StringComparison.Ordinal);

        var calibration = await c.CalibrateAsync(queries, Fast, Ct);
        Assert.False(calibration.IsCosine);
        Assert.True(calibration.Lower > 0, calibration.Summary());
        Assert.True(calibration.Gain > 0.3, calibration.Summary());
        Assert.Equal(30, calibration.Queries);
        Assert.Equal(40, calibration.Candidates);
        Assert.Equal(hotels.Length, calibration.Records);
        Assert.Equal(SafePolicySelector.NormFamilies.Count, calibration.Families.Count);
        Assert.Equal(calibration.Policy, (await c.GetCalibrationAsync(Ct))!.Policy);

        // When to answer: measured on the same queries, with the top result ranked by the chosen policy.
        var abstention = calibration.Abstention!;
        Assert.Equal(30, abstention.Queries);
        Assert.Equal(["confidence", "topCosine", "gap", "queryNorm", "random", "oracle"], abstention.Signals.Select(r => r.Signal));
        Assert.True(abstention.BasePrecision >= 0.8, abstention.Summary());
        Assert.NotNull(abstention.Threshold);

        // After: searches with no ranking of their own use the stored policy, and say so.
        int first = 0;
        foreach (var q in queries)
        {
            // Ten results: the window the calibration measured (overfetch 4 × 10 cosine candidates).
            var detailed = await c.SearchDetailedAsync(q.Query, 10, cancellationToken: Ct);
            Assert.Equal(calibration.Policy, detailed.Policy);
            var plain = await c.SearchAsync(q.Query, 10, cancellationToken: Ct).ToListAsync(Ct);
            Assert.Equal(detailed.Results[0].Record.Id, plain[0].Record.Id);
            Assert.Equal(detailed.Results.Select(r => r.Record.Id), plain.Select(r => r.Record.Id));
            first += q.Judgments.ContainsKey(plain[0].Record.Id) ? 1 : 0;
        }

        Assert.True(first >= 25, $"{first} of 30 relevant hotels ranked first by {calibration.Summary()}");

        // A query's own ranking wins over the stored one.
        var cosine = await c.SearchDetailedAsync(queries[0].Query, 1, new NormSearchOptions<Hotel> { Ranking = new NormRankingOptions() }, Ct);
        Assert.Equal("cosine", cosine.Policy);
        Assert.StartsWith("d0-", cosine.Results[0].Record.Id, StringComparison.Ordinal);

        // Another instance over the same data reads it from the store.
        if (kind != "embedded")
        {
            using var other = StoreUnderTest.Open(kind, garnet);
            var again = (NormVectorStoreCollection<string, Hotel>)other.Collection<string, Hotel>(name);
            Assert.Equal(calibration.ToJson(), (await again.GetCalibrationAsync(Ct))!.ToJson());
            Assert.Equal(calibration.Policy, (await again.SearchDetailedAsync(queries[1].Query, 1, cancellationToken: Ct)).Policy);
        }

        // Removed: cosine again. Deleting the collection deletes its calibration.
        await c.SetCalibrationAsync(null, Ct);
        Assert.Null(await c.GetCalibrationAsync(Ct));
        Assert.Equal("cosine", (await c.SearchDetailedAsync(queries[0].Query, 1, cancellationToken: Ct)).Policy);
        await c.SetCalibrationAsync(calibration, Ct);
        await c.EnsureCollectionDeletedAsync(Ct);
        await c.EnsureCollectionExistsAsync(Ct);
        Assert.Null(await c.GetCalibrationAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(ContractTests.Stores), MemberType = typeof(ContractTests))]
    public async Task Cosine_is_stored_where_no_norm_policy_helps(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        var c = (NormVectorStoreCollection<string, Hotel>)s.Collection<string, Hotel>(garnet.NewName("uncalibrated"));
        await c.EnsureCollectionExistsAsync(Ct);
        var (hotels, queries) = CalibrationCorpus.Build(normsHelp: false);
        await c.UpsertAsync(hotels, Ct);

        var measured = await c.MeasureCalibrationAsync(queries, Fast, Ct);
        Assert.Null(await c.GetCalibrationAsync(Ct));
        Assert.True(measured.IsCosine, measured.Summary());
        Assert.Equal("cosine", measured.Policy);
        Assert.Equal(1.0, measured.CosineMean, 6);
        Assert.All(measured.Families, f => Assert.True(f.Gain <= 0, $"{f.Family} {f.Gain}"));
        Assert.Contains("no norm family", measured.Reason, StringComparison.Ordinal);

        var stored = await c.CalibrateAsync(queries, Fast, Ct);
        Assert.True(stored.IsCosine);
        Assert.Equal("cosine", (await c.SearchDetailedAsync(queries[0].Query, 1, cancellationToken: Ct)).Policy);
    }

    [Theory]
    [MemberData(nameof(ContractTests.Stores), MemberType = typeof(ContractTests))]
    public async Task Calibration_refuses_bad_requests_and_a_collection_that_does_not_exist(string kind)
    {
        using var s = StoreUnderTest.Open(kind, garnet);
        var c = (NormVectorStoreCollection<string, Hotel>)s.Collection<string, Hotel>(garnet.NewName("refused"));
        var (hotels, queries) = CalibrationCorpus.Build(normsHelp: true, queries: 4);
        Assert.Null(await c.GetCalibrationAsync(Ct));
        await Assert.ThrowsAsync<Microsoft.Extensions.VectorData.VectorStoreException>(
            () => c.SetCalibrationAsync(new PolicyCalibration { Policy = "cosine", Reason = "test" }, Ct));
        await c.EnsureCollectionExistsAsync(Ct);
        await c.UpsertAsync(hotels, Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => c.CalibrateAsync(queries, Fast, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => c.CalibrateAsync(queries, new CollectionCalibrationOptions { Selection = new SafePolicyOptions { Folds = 2, Families = ["nonsense"] } }, Ct));
        await Assert.ThrowsAsync<FormatException>(() => c.SetCalibrationAsync(new PolicyCalibration { Policy = "specificity:x", Reason = "test" }, Ct));
        Assert.Null(await c.GetCalibrationAsync(Ct));
    }
}
