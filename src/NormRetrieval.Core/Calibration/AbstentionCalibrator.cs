using System.Globalization;

namespace NormRetrieval.Calibration;

/// <summary>How well one per-query signal orders queries from right to wrong: its risk–coverage curve summarised.</summary>
/// <param name="Signal">The signal's name (e.g. <c>confidence</c>, <c>topCosine</c>, <c>queryNorm</c>).</param>
/// <param name="Aurc">Area under the risk–coverage curve: the mean, over k = 1 … n, of the error rate among the k queries the signal trusts most (lower is better).</param>
public sealed record SignalRisk(string Signal, double Aurc);

/// <summary>
/// A threshold on the query-confidence signal below which an application should not answer (abstain, ask back, or
/// say the evidence is weak), chosen from judged queries so that the top result is relevant at least as often as a
/// target precision among the queries it accepts; with the evidence to judge it by.
/// </summary>
public sealed record AbstentionThreshold
{
    /// <summary>
    /// The signal thresholded, the one with the smallest risk–coverage area on the judged queries: <c>confidence</c>
    /// (<see cref="Ranking.QueryConfidence.Value"/>, top cosine + gap), <c>topCosine</c>, <c>gap</c> or <c>queryNorm</c>.
    /// </summary>
    public string Signal { get; init; } = "confidence";

    /// <summary>The value of <see cref="Signal"/> for a search.</summary>
    /// <param name="confidence">The search's confidence signal.</param>
    /// <param name="queryNorm">The query's raw norm.</param>
    /// <returns>The value compared with <see cref="Threshold"/>.</returns>
    /// <exception cref="InvalidOperationException">The signal's name is not one of the four.</exception>
    public double SignalOf(Ranking.QueryConfidence confidence, double queryNorm)
    {
        ArgumentNullException.ThrowIfNull(confidence);
        return Signal switch
        {
            "confidence" => confidence.Value,
            "topCosine" => confidence.TopCosine,
            "gap" => confidence.Gap,
            "queryNorm" => queryNorm,
            _ => throw new InvalidOperationException($"Unknown confidence signal '{Signal}'."),
        };
    }

    /// <summary>The precision of the top result wanted among accepted queries.</summary>
    public double TargetPrecision { get; init; }

    /// <summary>Accept a query when its signal is at least this; null when no threshold reaches the target on enough queries.</summary>
    public double? Threshold { get; init; }

    /// <summary>Top-result precision over every judged query (what answering everything gives).</summary>
    public double BasePrecision { get; init; }

    /// <summary>Top-result precision among the queries the threshold accepts (on the queries it was chosen on; NaN when unreachable).</summary>
    public double Precision { get; init; } = double.NaN;

    /// <summary>Share of queries the threshold accepts (on the queries it was chosen on; 0 when unreachable).</summary>
    public double Coverage { get; init; }

    /// <summary>The same precision, cross-validated: each fold's queries judged by a threshold chosen on the other folds (NaN when nothing was accepted).</summary>
    public double OutOfFoldPrecision { get; init; } = double.NaN;

    /// <summary>The share of queries accepted, cross-validated.</summary>
    public double OutOfFoldCoverage { get; init; }

    /// <summary>Judged queries used.</summary>
    public int Queries { get; init; }

    /// <summary>The risk–coverage area of each signal compared, with <c>random</c> (1 − base precision) and <c>oracle</c> bounds.</summary>
    public IReadOnlyList<SignalRisk> Signals { get; init; } = [];

    /// <summary>Whether the threshold met the target on queries it was not chosen on (cross-validated precision ≥ target − 0.05).</summary>
    public bool Generalises => Threshold is not null && OutOfFoldPrecision >= TargetPrecision - 0.05;

    /// <summary>Whether a query with this signal value clears the threshold (false when there is no threshold).</summary>
    /// <param name="value">The query's signal.</param>
    /// <returns>True when the query is accepted.</returns>
    public bool Accepts(double value) => Threshold is double t && value >= t;

    /// <summary>One line for reports.</summary>
    /// <returns>The summary.</returns>
    public string Summary() => Threshold is double t
        ? string.Create(CultureInfo.InvariantCulture,
            $"answer when {Signal} ≥ {t:F4}: top-result precision {Precision:F2} at {Coverage:P0} coverage (cross-validated {OutOfFoldPrecision:F2} at {OutOfFoldCoverage:P0}; target {TargetPrecision:F2}, all queries {BasePrecision:F2}){(Generalises ? string.Empty : "; the cross-validated precision misses the target: too few judged queries to trust this threshold")}")
        : string.Create(CultureInfo.InvariantCulture,
            $"no {Signal} threshold reaches top-result precision {TargetPrecision:F2} (all queries {BasePrecision:F2}; {Queries} judged)");
}

/// <summary>
/// Chooses abstention thresholds and measures risk–coverage from judged queries: per query a signal (higher: more
/// confident) and an outcome in [0, 1] (1: the top result is relevant).
/// </summary>
/// <remarks>Deterministic; holds no state.</remarks>
public static class AbstentionCalibrator
{
    /// <summary>The risk–coverage curve of a signal: for k = 1 … n, the error rate (1 − mean outcome) of the k queries with the highest signal.</summary>
    /// <param name="signal">Per-query signal values (NaN counts as the least confident).</param>
    /// <param name="outcome">Per-query outcomes in [0, 1].</param>
    /// <returns>The risks, index k − 1 for coverage k/n.</returns>
    public static double[] RiskCurve(IReadOnlyList<double> signal, IReadOnlyList<double> outcome)
    {
        Check(signal, outcome);
        int[] order = Order(signal);
        var risks = new double[order.Length];
        double sum = 0;
        for (int k = 0; k < order.Length; k++)
        {
            sum += outcome[order[k]];
            risks[k] = 1 - (sum / (k + 1));
        }

        return risks;
    }

    /// <summary>The area under the risk–coverage curve (lower is better; a signal no better than chance scores ≈ 1 − mean outcome).</summary>
    /// <param name="signal">Per-query signal values.</param>
    /// <param name="outcome">Per-query outcomes in [0, 1].</param>
    /// <returns>The area; NaN without queries.</returns>
    public static double Aurc(IReadOnlyList<double> signal, IReadOnlyList<double> outcome)
    {
        double[] risks = RiskCurve(signal, outcome);
        return risks.Length == 0 ? double.NaN : risks.Average();
    }

    /// <summary>
    /// Picks the signal with the smallest risk–coverage area and chooses the lowest threshold on it (the largest coverage) whose accepted queries — at least <paramref name="minimumAccepted"/>
    /// of them — reach the target precision; estimates its precision and coverage by cross-validation; and compares the
    /// risk–coverage areas of the signals.
    /// </summary>
    /// <param name="signals">Signals by name (higher: more confident); the one with the smallest risk–coverage area is thresholded (the first on a tie).</param>
    /// <param name="outcome">Per-query outcomes in [0, 1].</param>
    /// <param name="targetPrecision">The wanted mean outcome among accepted queries, in (0, 1].</param>
    /// <param name="minimumAccepted">The fewest queries a threshold may accept (default 10).</param>
    /// <param name="folds">Folds of the cross-validated estimate (default 5; fewer when there are fewer queries).</param>
    /// <param name="seed">Shuffle seed of the folds.</param>
    /// <returns>The threshold and its evidence.</returns>
    /// <exception cref="ArgumentException">No signal, lengths differ, or an argument is out of range.</exception>
    public static AbstentionThreshold Choose(
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> signals, IReadOnlyList<double> outcome, double targetPrecision, int minimumAccepted = 10, int folds = 5, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(outcome);
        if (signals.Count == 0)
        {
            throw new ArgumentException("At least one signal is needed.", nameof(signals));
        }

        if (!(targetPrecision > 0 && targetPrecision <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetPrecision), targetPrecision, "The target precision must lie in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minimumAccepted, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        int n = outcome.Count;
        foreach (var (_, values) in signals)
        {
            Check(values, outcome);
        }

        // The signal thresholded is the one whose risk–coverage area is smallest on the queries at hand.
        int[] all = [.. Enumerable.Range(0, n)];
        int chosen = Best(signals, outcome, all);
        var primary = signals[chosen].Values;
        double? threshold = Threshold(primary, outcome, all, targetPrecision, minimumAccepted);
        var accepted = threshold is double t ? all.Where(i => primary[i] >= t).ToList() : [];

        // Cross-validated: each fold judged by the signal and threshold chosen on the other folds.
        int k = Math.Min(folds, n);
        int[] shuffled = [.. all];
        new Random(seed).Shuffle(shuffled);
        int acceptedOut = 0;
        double relevantOut = 0;
        for (int f = 0; k >= 2 && f < k; f++)
        {
            var test = shuffled.Where((_, i) => i % k == f).ToList();
            var testSet = test.ToHashSet();
            int[] train = [.. all.Where(i => !testSet.Contains(i))];
            var values = signals[Best(signals, outcome, train)].Values;
            if (Threshold(values, outcome, train, targetPrecision, Math.Max(1, minimumAccepted * (k - 1) / k)) is double ft)
            {
                foreach (int i in test.Where(i => values[i] >= ft))
                {
                    acceptedOut++;
                    relevantOut += outcome[i];
                }
            }
        }

        var risks = new List<SignalRisk>(signals.Count + 2);
        foreach (var (name, values) in signals)
        {
            risks.Add(new SignalRisk(name, Aurc(values, outcome)));
        }

        double basePrecision = n == 0 ? double.NaN : outcome.Average();
        risks.Add(new SignalRisk("random", 1 - basePrecision));
        risks.Add(new SignalRisk("oracle", Aurc(outcome, outcome)));
        return new AbstentionThreshold
        {
            Signal = signals[chosen].Name,
            TargetPrecision = targetPrecision,
            Threshold = threshold,
            BasePrecision = basePrecision,
            Precision = accepted.Count == 0 ? double.NaN : accepted.Average(i => outcome[i]),
            Coverage = n == 0 ? 0 : (double)accepted.Count / n,
            OutOfFoldPrecision = acceptedOut == 0 ? double.NaN : relevantOut / acceptedOut,
            OutOfFoldCoverage = n == 0 ? 0 : (double)acceptedOut / n,
            Queries = n,
            Signals = risks,
        };
    }

    /// <summary>The lowest signal value t such that the queries with signal ≥ t (at least <paramref name="minimum"/>) reach the target.</summary>
    private static double? Threshold(IReadOnlyList<double> signal, IReadOnlyList<double> outcome, IReadOnlyList<int> queries, double target, int minimum)
    {
        var sorted = queries.Where(i => !double.IsNaN(signal[i])).OrderByDescending(i => signal[i]).ToList();
        double? best = null;
        double sum = 0;
        for (int k = 0; k < sorted.Count; k++)
        {
            sum += outcome[sorted[k]];

            // Thresholds sit between distinct values: a tie is accepted or refused as a whole.
            bool boundary = k == sorted.Count - 1 || signal[sorted[k + 1]] < signal[sorted[k]];
            if (boundary && k + 1 >= minimum && sum / (k + 1) >= target)
            {
                best = signal[sorted[k]];
            }
        }

        return best;
    }

    private static int Best(IReadOnlyList<(string Name, IReadOnlyList<double> Values)> signals, IReadOnlyList<double> outcome, int[] queries)
    {
        int best = 0;
        double bestArea = double.PositiveInfinity;
        double[] subset = [.. queries.Select(i => outcome[i])];
        for (int s = 0; s < signals.Count; s++)
        {
            double area = Aurc([.. queries.Select(i => signals[s].Values[i])], subset);
            if (area < bestArea)
            {
                (best, bestArea) = (s, area);
            }
        }

        return best;
    }

    private static int[] Order(IReadOnlyList<double> signal)
    {
        int[] order = [.. Enumerable.Range(0, signal.Count)];
        Array.Sort(order, (a, b) =>
        {
            double x = double.IsNaN(signal[a]) ? double.NegativeInfinity : signal[a];
            double y = double.IsNaN(signal[b]) ? double.NegativeInfinity : signal[b];
            int cmp = y.CompareTo(x);
            return cmp != 0 ? cmp : a.CompareTo(b);
        });
        return order;
    }

    private static void Check(IReadOnlyList<double> signal, IReadOnlyList<double> outcome)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(outcome);
        if (signal.Count != outcome.Count)
        {
            throw new ArgumentException($"{signal.Count} signal values for {outcome.Count} outcomes.", nameof(signal));
        }
    }
}
