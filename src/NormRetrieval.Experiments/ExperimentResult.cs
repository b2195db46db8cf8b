namespace NormRetrieval.Experiments;

/// <summary>
/// The outcome of a retrieval experiment; serialised as <c>results.json</c>. Schema: the fields below, in
/// camelCase; every metric is a mean over evaluated queries; <c>perQueryNdcg</c> is aligned with <c>queries</c>.
/// </summary>
/// <param name="Dataset">The dataset folder name.</param>
/// <param name="Split">The evaluated split.</param>
/// <param name="Model">The encoder.</param>
/// <param name="Engine">The first-stage engine description.</param>
/// <param name="Calibration">How parameters were chosen (e.g. <c>cv:5</c>).</param>
/// <param name="Documents">Number of documents.</param>
/// <param name="Queries">Evaluated query ids (judged, with a relevant document).</param>
/// <param name="Candidates">Cosine candidates per query.</param>
/// <param name="Norms">Norm statistics of documents and queries.</param>
/// <param name="Policies">Cosine first, then each calibrated policy family.</param>
/// <param name="Confidence">How well the query confidence signal predicts per-query nDCG@10 under cosine.</param>
/// <param name="Seconds">Wall time of the run.</param>
public sealed record ExperimentResult(
    string Dataset, string Split, string Model, string Engine, string Calibration, int Documents, IReadOnlyList<string> Queries, int Candidates,
    NormSummary Norms, IReadOnlyList<PolicyResult> Policies, ConfidenceResult Confidence, double Seconds)
{
    /// <summary>
    /// First stages compared (empty unless asked for): <c>bm25</c>, <c>dense</c>, <c>hybrid</c> with their difference from
    /// dense, and <c>hybrid+norm</c> with its difference from hybrid (see <see cref="PolicyResult.Baseline"/>).
    /// </summary>
    public IReadOnlyList<PolicyResult> Stages { get; init; } = [];

    /// <summary>Cross-validation repeats (fold assignments) averaged; 0 when calibrated on a dev split.</summary>
    public int Repeats { get; init; }

    /// <summary>The fusion of the hybrid stages (e.g. <c>rrf:60</c>); null when none ran.</summary>
    public string? Fusion { get; init; }
}

/// <summary>Norm statistics of a run.</summary>
/// <param name="DocumentMeanLogNorm">Mean ln-norm of documents.</param>
/// <param name="DocumentStdLogNorm">Standard deviation of documents' ln-norm.</param>
/// <param name="DocumentMedianNorm">Median document norm.</param>
/// <param name="LengthSlope">Slope of ln-norm on ln-tokens over documents.</param>
/// <param name="QueryMeanLogNorm">Mean ln-norm of queries.</param>
/// <param name="QueryStdLogNorm">Standard deviation of queries' ln-norm.</param>
public sealed record NormSummary(double DocumentMeanLogNorm, double DocumentStdLogNorm, double DocumentMedianNorm, double LengthSlope, double QueryMeanLogNorm, double QueryStdLogNorm);

/// <summary>One policy family's out-of-sample result.</summary>
/// <param name="Policy">The family (<c>cosine</c> for the baseline).</param>
/// <param name="Ndcg10">Mean nDCG@10.</param>
/// <param name="Recall100">Mean Recall@100.</param>
/// <param name="Mrr10">Mean MRR@10.</param>
/// <param name="Map">Mean average precision (over the reranked candidates).</param>
/// <param name="DeltaNdcg10">nDCG@10 minus cosine's.</param>
/// <param name="DeltaLower">Lower end of the 95% bootstrap interval of the difference.</param>
/// <param name="DeltaUpper">Upper end of the interval.</param>
/// <param name="PValue">Two-sided paired randomisation p-value of the difference.</param>
/// <param name="Chosen">The policy chosen for each fold (or on the dev split).</param>
/// <param name="InSampleBest">The best policy on all evaluated queries (for reference only; never reported as a score).</param>
/// <param name="Curve">Mean nDCG@10 of every grid setting on all evaluated queries (the metric-vs-parameter curve).</param>
/// <param name="PerQueryNdcg">nDCG@10 per query, aligned with <see cref="ExperimentResult.Queries"/>.</param>
public sealed record PolicyResult(
    string Policy, double Ndcg10, double Recall100, double Mrr10, double Map, double DeltaNdcg10, double DeltaLower, double DeltaUpper, double PValue,
    IReadOnlyList<string> Chosen, string? InSampleBest, IReadOnlyList<CurvePoint> Curve, IReadOnlyList<double> PerQueryNdcg)
{
    /// <summary>What <see cref="DeltaNdcg10"/> is measured against: <c>cosine</c> for policies, <c>dense</c> or <c>hybrid</c> for first stages.</summary>
    public string Baseline { get; init; } = "cosine";

    /// <summary>
    /// The mean nDCG@10 difference of each cross-validation repeat (one fold assignment each); the reported metrics
    /// average every query's out-of-fold result over them. Empty when nothing was calibrated by cross-validation.
    /// </summary>
    public IReadOnlyList<double> RepeatDeltas { get; init; } = [];

    /// <summary>The standard deviation of <see cref="RepeatDeltas"/> (0 with fewer than two repeats).</summary>
    public double RepeatSpread => RepeatDeltas.Count < 2 ? 0 : Math.Sqrt(RepeatDeltas.Sum(d => Math.Pow(d - RepeatDeltas.Average(), 2)) / (RepeatDeltas.Count - 1));
}

/// <summary>A point of a metric-vs-parameter curve.</summary>
/// <param name="Policy">The policy string.</param>
/// <param name="Ndcg10">Its mean nDCG@10.</param>
public sealed record CurvePoint(string Policy, double Ndcg10);

/// <summary>Rank correlations of a per-query signal with per-query nDCG@10 (cosine ranking).</summary>
/// <param name="ValueSpearman">Spearman ρ of the combined confidence value.</param>
/// <param name="ValueKendall">Kendall τ-b of the combined confidence value.</param>
/// <param name="TopCosineSpearman">Spearman ρ of the top-1 cosine alone.</param>
/// <param name="GapSpearman">Spearman ρ of the top-1/top-2 gap alone.</param>
/// <param name="QueryNormSpearman">Spearman ρ of the query norm alone.</param>
public sealed record ConfidenceResult(double ValueSpearman, double ValueKendall, double TopCosineSpearman, double GapSpearman, double QueryNormSpearman)
{
    /// <summary>
    /// When to answer: the abstention threshold for top-result precision 0.5 on the best signal, cross-validated, and
    /// the risk–coverage area of every signal (cosine ranking; risk = the top result is not relevant).
    /// </summary>
    public NormRetrieval.Calibration.AbstentionThreshold? Abstention { get; init; }

    /// <summary>Risk–coverage curves: per signal, the risk at coverage 5 %, 10 %, … 100 %.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> RiskCoverage { get; init; } = new Dictionary<string, IReadOnlyList<double>>();
}
