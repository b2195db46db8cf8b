using NormRetrieval.Scoring;

namespace NormRetrieval.Calibration;

/// <summary>
/// Chooses a policy's parameters by grid search on judged queries, and measures the choice honestly
/// with k-fold cross-validation over queries: each fold's queries are scored by parameters chosen on
/// the other folds only.
/// </summary>
/// <remarks>
/// The objective is any function giving per-query values of a policy on a set of query indices
/// (e.g. <see cref="RerankingBenchmark.Ndcg"/>); the calibrator maximises their mean. Deterministic
/// for a given seed; thread-safe if the objective is.
/// </remarks>
/// <param name="queryCount">The number of queries the objective knows (indices 0 … count−1).</param>
/// <param name="objective">Per-query values of a policy on the given query indices.</param>
public sealed class PolicyCalibrator(int queryCount, Func<ScoringPolicy, IReadOnlyList<int>, double[]> objective)
{
    private readonly Func<ScoringPolicy, IReadOnlyList<int>, double[]> _objective = objective ?? throw new ArgumentNullException(nameof(objective));

    /// <summary>Creates a calibrator that maximises mean nDCG on a benchmark.</summary>
    /// <param name="benchmark">The judged queries.</param>
    public PolicyCalibrator(RerankingBenchmark benchmark)
        : this((benchmark ?? throw new ArgumentNullException(nameof(benchmark))).Queries.Count, benchmark.Ndcg)
    {
    }

    /// <summary>The number of queries.</summary>
    public int QueryCount { get; } = queryCount >= 0 ? queryCount : throw new ArgumentOutOfRangeException(nameof(queryCount));

    /// <summary>Finds the candidate with the highest mean objective on the given queries (the first on a tie).</summary>
    /// <param name="grid">The candidates.</param>
    /// <param name="queryIndices">The queries to tune on (all when null).</param>
    /// <returns>The best candidate and every candidate's mean.</returns>
    /// <exception cref="ArgumentException">The grid is empty.</exception>
    public GridSearchResult GridSearch(PolicyGrid grid, IReadOnlyList<int>? queryIndices = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.Candidates.Count == 0)
        {
            throw new ArgumentException("The grid has no candidates.", nameof(grid));
        }

        queryIndices ??= [.. Enumerable.Range(0, QueryCount)];
        var means = new List<(ScoringPolicy Policy, double Mean)>(grid.Candidates.Count);
        int best = 0;
        for (int i = 0; i < grid.Candidates.Count; i++)
        {
            double[] values = _objective(grid.Candidates[i], queryIndices);
            double mean = values.Length == 0 ? 0 : values.Average();
            means.Add((grid.Candidates[i], mean));
            if (mean > means[best].Mean)
            {
                best = i;
            }
        }

        return new GridSearchResult(means[best].Policy, means[best].Mean, means);
    }

    /// <summary>
    /// K-fold cross-validation over queries: queries are shuffled with <paramref name="seed"/> and dealt
    /// into <paramref name="folds"/> folds; for each fold the grid is searched on the other folds and the
    /// chosen policy scores the fold.
    /// </summary>
    /// <param name="grid">The candidates.</param>
    /// <param name="folds">The number of folds (2 … query count).</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <returns>Out-of-fold values for every query, and each fold's choice.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="folds"/> is below 2 or above the query count.</exception>
    public CrossValidationResult CrossValidate(PolicyGrid grid, int folds = 5, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(folds, QueryCount);
        int[] shuffled = [.. Enumerable.Range(0, QueryCount)];
        new Random(seed).Shuffle(shuffled);
        var outOfFold = new double[QueryCount];
        var results = new List<FoldResult>(folds);
        for (int f = 0; f < folds; f++)
        {
            int[] test = [.. shuffled.Where((_, i) => i % folds == f).Order()];
            var testSet = new HashSet<int>(test);
            int[] train = [.. Enumerable.Range(0, QueryCount).Where(i => !testSet.Contains(i))];
            var search = GridSearch(grid, train);
            double[] testValues = _objective(search.Best, test);
            for (int i = 0; i < test.Length; i++)
            {
                outOfFold[test[i]] = testValues[i];
            }

            results.Add(new FoldResult(f, test, search.Best, search.BestMean, testValues.Length == 0 ? 0 : testValues.Average()));
        }

        return new CrossValidationResult(grid.Family, outOfFold, results);
    }
}
