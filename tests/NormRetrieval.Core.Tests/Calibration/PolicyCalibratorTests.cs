using NormRetrieval.Calibration;
using NormRetrieval.Ranking;
using NormRetrieval.Scoring;
using NormRetrieval.Statistics;

namespace NormRetrieval.Tests.Calibration;

public sealed class PolicyCalibratorTests
{
    [Fact]
    public void Grid_search_recovers_a_planted_optimum_of_an_objective()
    {
        // Every query's value peaks at λ = -0.02.
        var calibrator = new PolicyCalibrator(30, (policy, queries) =>
        {
            double lambda = ((SpecificityPolicy)policy).Lambda;
            return [.. queries.Select(q => -Math.Pow(lambda + 0.02, 2) + (q * 1e-9))];
        });
        var result = calibrator.GridSearch(PolicyGrid.For("specificity"));
        Assert.Equal(-0.02, ((SpecificityPolicy)result.Best).Lambda, 12);
        Assert.Equal(PolicyGrid.For("specificity").Candidates.Count, result.All.Count);
    }

    [Fact]
    public void Grid_search_on_reranked_queries_recovers_a_planted_lambda_window()
    {
        var benchmark = PlantedBenchmark(queries: 40, lowerLambda: 0.012, upperLambda: 0.022, out _);
        var calibrator = new PolicyCalibrator(benchmark);
        var result = calibrator.GridSearch(PolicyGrid.For("specificity"));
        double chosen = ((SpecificityPolicy)result.Best).Lambda;
        Assert.InRange(chosen, 0.012, 0.022);
        Assert.Equal(1.0, result.BestMean, 12);
        Assert.True(result.All.Single(r => ((SpecificityPolicy)r.Policy).Lambda == 0).Mean < 0.7);
        Assert.Equal(1.0, benchmark.Evaluate(result.Best).Average(m => m.Ndcg), 12);
    }

    [Fact]
    public void Ties_keep_the_most_conservative_setting()
    {
        var calibrator = new PolicyCalibrator(5, (_, queries) => [.. queries.Select(_ => 0.5)]);
        Assert.Equal(0, ((SpecificityPolicy)calibrator.GridSearch(PolicyGrid.For("specificity")).Best).Lambda);
        Assert.Equal(0, ((MagnitudePolicy)calibrator.GridSearch(PolicyGrid.For("magnitude")).Best).Alpha);
    }

    [Fact]
    public void Cross_validation_never_tunes_on_the_fold_it_scores()
    {
        var calls = new List<int[]>();
        var grid = PolicyGrid.For("specificity");
        var calibrator = new PolicyCalibrator(23, (policy, queries) =>
        {
            calls.Add([.. queries]);
            return [.. queries.Select(q => q % 2 == 0 ? ((SpecificityPolicy)policy).Lambda : -((SpecificityPolicy)policy).Lambda)];
        });

        var cv = calibrator.CrossValidate(grid, folds: 5, seed: 1);
        Assert.Equal(5, cv.Folds.Count);

        // The folds partition the queries.
        Assert.Equal(Enumerable.Range(0, 23), cv.Folds.SelectMany(f => f.TestQueries).Order());

        // Each fold: one call per grid candidate on the training queries, then one on the test fold.
        Assert.Equal(5 * (grid.Candidates.Count + 1), calls.Count);
        for (int f = 0; f < 5; f++)
        {
            var test = cv.Folds[f].TestQueries.ToHashSet();
            var trainingCalls = calls.Skip(f * (grid.Candidates.Count + 1)).Take(grid.Candidates.Count).ToList();
            Assert.All(trainingCalls, c => Assert.DoesNotContain(c, test.Contains));
            Assert.All(trainingCalls, c => Assert.Equal(23 - test.Count, c.Length));
            Assert.Equal(test.Order(), calls[(f * (grid.Candidates.Count + 1)) + grid.Candidates.Count].Order());
        }
    }

    [Fact]
    public void Out_of_fold_scores_come_from_the_policy_chosen_without_that_fold()
    {
        var benchmark = PlantedBenchmark(queries: 30, lowerLambda: 0.012, upperLambda: 0.022, out _);
        var calibrator = new PolicyCalibrator(benchmark);
        var cv = calibrator.CrossValidate(PolicyGrid.For("specificity"), folds: 3, seed: 2);
        foreach (var fold in cv.Folds)
        {
            double[] expected = benchmark.Ndcg(fold.Chosen, fold.TestQueries);
            Assert.Equal(expected, fold.TestQueries.Select(q => cv.OutOfFold[q]));
            Assert.InRange(((SpecificityPolicy)fold.Chosen).Lambda, 0.012, 0.022);
        }

        Assert.Equal(1.0, cv.Mean, 12);
    }

    [Fact]
    public void Cross_validation_reports_no_gain_when_the_signal_is_noise()
    {
        // Relevance is unrelated to the norm: tuning on training folds can only overfit, and the
        // out-of-fold mean must not beat cosine by more than noise.
        var rng = new Random(4);
        var stats = new NormStatistics();
        var queries = new List<RerankingQuery>();
        for (int q = 0; q < 60; q++)
        {
            var candidates = new List<RerankCandidate<string>>();
            var judgments = new Dictionary<string, int>();
            for (int d = 0; d < 20; d++)
            {
                double norm = Math.Exp(1 + (0.3 * rng.NextDouble()));
                stats.Add(norm);
                candidates.Add(new($"q{q}d{d}", 0.5 + (0.2 * rng.NextDouble()), norm));
                if (rng.NextDouble() < 0.15)
                {
                    judgments[$"q{q}d{d}"] = 1;
                }
            }

            judgments[$"q{q}d0"] = 1;
            queries.Add(new RerankingQuery($"q{q}", new QueryFeatures(2), [.. candidates.OrderByDescending(c => c.Cosine)], judgments));
        }

        var benchmark = new RerankingBenchmark(queries, new NormContext(stats));
        var all = Enumerable.Range(0, 60).ToArray();
        double cosine = benchmark.Ndcg(ScoringPolicy.Cosine, all).Average();
        var cv = new PolicyCalibrator(benchmark).CrossValidate(PolicyGrid.For("specificity"), 5, 3);
        double inSample = new PolicyCalibrator(benchmark).GridSearch(PolicyGrid.For("specificity")).BestMean;
        Assert.True(inSample >= cosine);
        Assert.True(cv.Mean <= inSample + 1e-12);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var calibrator = new PolicyCalibrator(4, (_, q) => new double[q.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => calibrator.CrossValidate(PolicyGrid.For("magnitude"), folds: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => calibrator.CrossValidate(PolicyGrid.For("magnitude"), folds: 5));
        Assert.Throws<ArgumentException>(() => calibrator.GridSearch(PolicyGrid.Of("empty")));
        Assert.Throws<ArgumentException>(() => PolicyGrid.For("bm25"));
    }

    [Fact]
    public void Every_family_has_a_grid_that_starts_at_or_near_cosine()
    {
        foreach (string family in PolicyGrid.Families)
        {
            var grid = PolicyGrid.For(family);
            Assert.NotEmpty(grid.Candidates);
            var f = new ScoringFeatures(0.8, 3, 1.5, 2, 0.5);
            Assert.Equal(0.8, grid.Candidates[0].Score(f), 12);
        }
    }

    /// <summary>
    /// Each query has one relevant document R and two distractors: D1 is more similar but more general,
    /// D2 less similar but far more specific. R ranks first exactly when lowerLambda &lt; λ &lt; upperLambda.
    /// </summary>
    internal static RerankingBenchmark PlantedBenchmark(int queries, double lowerLambda, double upperLambda, out NormStatistics stats)
    {
        stats = new NormStatistics();
        foreach (double n in new[] { 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 20.0 })
        {
            stats.Add(n);
        }

        double zR = stats.ZScore(4.0), zD1 = stats.ZScore(1.5), zD2 = stats.ZScore(8.0);
        var list = new List<RerankingQuery>();
        for (int q = 0; q < queries; q++)
        {
            double cosR = 0.6 + (q * 0.001);
            double cosD1 = cosR + (lowerLambda * (zR - zD1));
            double cosD2 = cosR - (upperLambda * (zD2 - zR));
            list.Add(new RerankingQuery(
                $"q{q}",
                new QueryFeatures(2),
                [new($"D1-{q}", cosD1, 1.5), new($"R-{q}", cosR, 4.0), new($"D2-{q}", cosD2, 8.0)],
                new Dictionary<string, int> { [$"R-{q}"] = 1 }));
        }

        return new RerankingBenchmark(list, new NormContext(stats));
    }
}
