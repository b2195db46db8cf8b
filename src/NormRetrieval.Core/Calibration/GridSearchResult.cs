using NormRetrieval.Scoring;

namespace NormRetrieval.Calibration;

/// <summary>The outcome of a grid search.</summary>
/// <param name="Best">The best policy.</param>
/// <param name="BestMean">Its mean objective on the tuning queries.</param>
/// <param name="All">Every candidate with its mean, in grid order (for metric-vs-parameter curves).</param>
public sealed record GridSearchResult(ScoringPolicy Best, double BestMean, IReadOnlyList<(ScoringPolicy Policy, double Mean)> All);
