using NormRetrieval.Scoring;

namespace NormRetrieval.Calibration;

/// <summary>One fold of a cross-validation.</summary>
/// <param name="Fold">The fold number (0-based).</param>
/// <param name="TestQueries">The query indices the fold scores (never used to choose its policy).</param>
/// <param name="Chosen">The policy chosen on the other folds.</param>
/// <param name="TrainMean">The chosen policy's mean objective on the other folds.</param>
/// <param name="TestMean">Its mean objective on this fold.</param>
public sealed record FoldResult(int Fold, IReadOnlyList<int> TestQueries, ScoringPolicy Chosen, double TrainMean, double TestMean);
