using System.Globalization;
using NormRetrieval.Evaluation;
using NormRetrieval.Scoring;

namespace NormRetrieval.Calibration;

/// <summary>Options of <see cref="SafePolicySelector"/>.</summary>
public sealed record SafePolicyOptions
{
    /// <summary>The norm policy families compared with cosine (default <see cref="SafePolicySelector.NormFamilies"/>).</summary>
    public IReadOnlyList<string> Families { get; init; } = SafePolicySelector.NormFamilies;

    /// <summary>Cross-validation folds (default 5; at most the number of queries).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Fold assignments, each with its own seed (default 5).</summary>
    public int Repeats { get; init; } = 5;

    /// <summary>The first fold seed (default 42).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>The family-wise confidence level (default 0.95).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Bootstrap and randomisation iterations (default 10,000).</summary>
    public int Iterations { get; init; } = 10_000;

    /// <summary>The clock that dates the calibration (default the system's).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range or a family is unknown.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Families);
        ArgumentOutOfRangeException.ThrowIfLessThan(Folds, 2, nameof(Folds));
        ArgumentOutOfRangeException.ThrowIfLessThan(Repeats, 1, nameof(Repeats));
        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 100, nameof(Iterations));
        if (!(Confidence > 0.5 && Confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "The confidence level must lie in (0.5, 1).");
        }

        if (Families.Count == 0)
        {
            throw new ArgumentException("At least one policy family is needed.", nameof(Families));
        }

        foreach (string family in Families)
        {
            _ = PolicyGrid.For(family);
        }
    }
}

/// <summary>
/// Chooses a ranking policy that does not hurt: each norm policy family is compared with cosine by repeated
/// K-fold cross-validation over the judged queries (parameters chosen on the other folds only, each query's
/// out-of-fold value averaged over the fold assignments), and a family is chosen only when its gain's
/// bootstrap confidence interval lies above zero at the Bonferroni-adjusted level 1 − (1 − confidence)/families.
/// Of the families that pass, the largest gain wins and its parameters are tuned on all queries; when none
/// passes, the choice is cosine.
/// </summary>
/// <remarks>Deterministic for given options and data; holds no state.</remarks>
public static class SafePolicySelector
{
    /// <summary>The families driven by the norm (length-only baselines are not norm policies; name them to compare them).</summary>
    public static IReadOnlyList<string> NormFamilies { get; } =
        [.. PolicyGrid.Families.Where(f => !f.EndsWith(",length", StringComparison.Ordinal))];

    /// <summary>Compares the families with cosine on a benchmark and chooses.</summary>
    /// <param name="benchmark">The judged queries with their cosine candidates and the collection's statistics.</param>
    /// <param name="options">The comparison's options (defaults when null).</param>
    /// <returns>The choice and its evidence (<see cref="PolicyCalibration.Records"/> is 0: the caller knows the collection).</returns>
    /// <exception cref="ArgumentException">An option is invalid, or there are fewer queries than folds.</exception>
    public static PolicyCalibration Select(RerankingBenchmark benchmark, SafePolicyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        options ??= new SafePolicyOptions();
        options.Validate();
        int n = benchmark.Queries.Count;
        if (n < options.Folds)
        {
            throw new ArgumentException($"Calibration needs at least as many judged queries as folds ({options.Folds}); it has {n}.", nameof(benchmark));
        }

        int[] everyQuery = [.. Enumerable.Range(0, n)];
        double[] cosine = benchmark.Ndcg(ScoringPolicy.Cosine, everyQuery);
        double cosineMean = cosine.Average();
        int m = options.Families.Count;
        double adjusted = 1 - ((1 - options.Confidence) / m);
        var calibrator = new PolicyCalibrator(benchmark);
        var evidence = new List<FamilyEvidence>(m);
        foreach (string family in options.Families)
        {
            var grid = PolicyGrid.For(family);
            var outOfFold = new double[n];
            var repeatGains = new double[options.Repeats];
            for (int r = 0; r < options.Repeats; r++)
            {
                var cv = calibrator.CrossValidate(grid, options.Folds, options.Seed + r);
                for (int q = 0; q < n; q++)
                {
                    outOfFold[q] += cv.OutOfFold[q] / options.Repeats;
                }

                repeatGains[r] = cv.Mean - cosineMean;
            }

            var difference = PairedDifference.Compute(cosine, outOfFold, options.Iterations, options.Seed, adjusted);
            var best = calibrator.GridSearch(grid, everyQuery).Best;
            evidence.Add(new FamilyEvidence(
                grid.Family, best.ToString(), difference.Mean, difference.Lower, difference.Upper,
                Math.Min(1, difference.PValue * m), [repeatGains.Min(), repeatGains.Max()]));
        }

        var passed = evidence.Where(e => e.Lower > 0 && e.Gain > 0).OrderByDescending(e => e.Gain).FirstOrDefault();
        var calibration = new PolicyCalibration
        {
            Policy = passed?.Policy ?? ScoringPolicy.Cosine.ToString(),
            Family = passed?.Family,
            Reason = passed is not null
                ? string.Create(CultureInfo.InvariantCulture, $"{passed.Family} gains with its {adjusted:P1} interval above zero ({m} families compared)")
                : Why(evidence, adjusted),
            CosineMean = cosineMean,
            Gain = passed?.Gain ?? 0,
            Lower = passed?.Lower ?? double.NaN,
            Upper = passed?.Upper ?? double.NaN,
            PValue = passed?.PValue ?? double.NaN,
            Confidence = options.Confidence,
            Queries = n,
            Candidates = benchmark.Queries.Count == 0 ? 0 : (int)Math.Round(benchmark.Queries.Average(q => q.Candidates.Count)),
            Folds = options.Folds,
            Repeats = options.Repeats,
            Seed = options.Seed,
            Date = options.Time.GetUtcNow(),
            Families = evidence,
        };
        return calibration;
    }

    private static string Why(IReadOnlyList<FamilyEvidence> evidence, double level)
    {
        var best = evidence.OrderByDescending(e => e.Lower).First();
        return string.Create(CultureInfo.InvariantCulture,
            $"no norm family's {level:P1} interval lies above zero (best: {best.Family} {best.Gain:+0.0000;-0.0000;+0.0000} [{best.Lower:+0.0000;-0.0000;+0.0000}, {best.Upper:+0.0000;-0.0000;+0.0000}])");
    }
}
