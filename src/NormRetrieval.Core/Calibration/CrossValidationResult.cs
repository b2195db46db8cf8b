namespace NormRetrieval.Calibration;

/// <summary>The outcome of a cross-validated calibration.</summary>
/// <param name="Family">The policy family.</param>
/// <param name="OutOfFold">Per-query values, each from the policy chosen without that query's fold.</param>
/// <param name="Folds">Each fold's choice.</param>
public sealed record CrossValidationResult(string Family, IReadOnlyList<double> OutOfFold, IReadOnlyList<FoldResult> Folds)
{
    /// <summary>The mean out-of-fold value.</summary>
    public double Mean => OutOfFold.Count == 0 ? 0 : OutOfFold.Average();
}
