using NormRetrieval.Ranking;

namespace NormRetrieval.Tests.Ranking;

/// <summary>Fusion arithmetic on cases computed by hand.</summary>
public sealed class HybridFusionTests
{
    [Fact]
    public void Reciprocal_rank_fusion_sums_one_over_k_plus_rank_scaled_by_the_best_possible_sum()
    {
        // dense: a, b, c   keyword: c, d   (k = 60)
        // a: 1/61            = 0.016393   b: 1/62 = 0.016129
        // c: 1/63 + 1/61     = 0.032266   d: 1/62 = 0.016129
        // scaled by 2/61:    a 0.5, b 0.491935, c 0.984127, d 0.491935
        var fused = HybridFusion.Fuse<string>([("a", 0.9), ("b", 0.8), ("c", 0.7)], [("c", 12.0), ("d", 3.0)], new HybridFusionOptions());
        Assert.Equal(["c", "a", "b", "d"], fused.Select(f => f.Key));
        Assert.Equal((1.0 / 63 + 1.0 / 61) * 61 / 2, fused[0].Score, 12);
        Assert.Equal(0.5, fused[1].Score, 12);
        Assert.Equal(61.0 / 124, fused[2].Score, 12);
        Assert.Equal(61.0 / 124, fused[3].Score, 12);
        Assert.Equal((3, 1), (fused[0].DenseRank!.Value, fused[0].KeywordRank!.Value));
        Assert.Null(fused[3].DenseRank);
        Assert.Null(fused[1].KeywordRank);
    }

    [Fact]
    public void The_rank_constant_changes_how_much_the_first_places_count()
    {
        // k = 1: a (dense 1st only) = 1/2; c (dense 3rd, keyword 1st) = 1/4 + 1/2 = 3/4; best = 2/2 = 1.
        var fused = HybridFusion.Fuse<string>([("a", 0.9), ("b", 0.8), ("c", 0.7)], [("c", 12.0)], HybridFusionOptions.Parse("rrf:1"));
        Assert.Equal(["c", "a", "b"], fused.Select(f => f.Key));
        Assert.Equal(0.75, fused[0].Score, 12);
        Assert.Equal(0.5, fused[1].Score, 12);
        Assert.Equal(1.0 / 3, fused[2].Score, 12);
    }

    [Fact]
    public void Weighted_fusion_scales_from_the_theoretical_minimum_to_the_best_score_and_mixes()
    {
        // dense (floor −1): 0.9, 0.7, 0.5 → 1.9/1.9, 1.7/1.9, 1.5/1.9;  keyword (floor 0): 10, 4 → 1, 0.4.
        // w = 0.25: a = 0.25; b = 0.25·1.7/1.9 + 0.75 = 0.9736842; c = 0.25·1.5/1.9 = 0.1973684; d = 0.75·0.4 = 0.3.
        var fused = HybridFusion.Fuse<string>([("a", 0.9), ("b", 0.7), ("c", 0.5)], [("b", 10.0), ("d", 4.0)], HybridFusionOptions.Parse("weighted:0.25"));
        Assert.Equal(["b", "d", "a", "c"], fused.Select(f => f.Key));
        Assert.Equal((0.25 * 1.7 / 1.9) + 0.75, fused[0].Score, 12);
        Assert.Equal(0.3, fused[1].Score, 12);
        Assert.Equal(0.25, fused[2].Score, 12);
        Assert.Equal(0.25 * 1.5 / 1.9, fused[3].Score, 12);
    }

    [Fact]
    public void Weight_zero_is_the_keyword_ranking_and_weight_one_the_dense_ranking()
    {
        (string, double)[] dense = [("a", 0.9), ("b", 0.8), ("c", 0.1)];
        (string, double)[] keyword = [("c", 7.0), ("b", 5.0), ("a", 1.0)];
        Assert.Equal(["c", "b", "a"], HybridFusion.Fuse<string>(dense, keyword, HybridFusionOptions.Parse("weighted:0")).Select(f => f.Key));
        Assert.Equal(["a", "b", "c"], HybridFusion.Fuse<string>(dense, keyword, HybridFusionOptions.Parse("weighted:1")).Select(f => f.Key));
    }

    [Fact]
    public void Ties_keep_the_dense_order_then_the_keyword_order_and_empty_rankings_are_fine()
    {
        var fused = HybridFusion.Fuse<int>([(1, 0.5), (2, 0.5)], [(3, 2.0), (4, 2.0)], new HybridFusionOptions());
        Assert.Equal([1, 3, 2, 4], fused.Select(f => f.Key));
        Assert.Empty(HybridFusion.Fuse<int>([], [], new HybridFusionOptions()));
        Assert.Equal([7], HybridFusion.Fuse<int>([], [(7, 1.0)], new HybridFusionOptions()).Select(f => f.Key));
    }

    [Theory]
    [InlineData("rrf:0")]
    [InlineData("rrf:-3")]
    [InlineData("weighted:1.5")]
    [InlineData("weighted:x")]
    [InlineData("sum")]
    public void Bad_fusion_strings_are_refused(string text) =>
        Assert.ThrowsAny<Exception>(() => HybridFusionOptions.Parse(text));

    [Fact]
    public void Fusion_strings_round_trip()
    {
        Assert.Equal("rrf:60", new HybridFusionOptions().ToString());
        Assert.Equal("weighted:0.3", HybridFusionOptions.Parse("weighted:0.3").ToString());
        Assert.Equal("rrf:20", HybridFusionOptions.Parse("RRF:20").ToString());
    }
}
