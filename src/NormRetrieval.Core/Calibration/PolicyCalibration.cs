using System.Globalization;
using System.Text.Json;
using NormRetrieval.Scoring;
using NormRetrieval.Serialization;

namespace NormRetrieval.Calibration;

/// <summary>
/// One policy family's cross-validated comparison with cosine: the gain of its out-of-fold choices in mean
/// nDCG, a bootstrap confidence interval at the adjusted level, and a paired randomisation p-value.
/// </summary>
/// <param name="Family">The family, e.g. <c>specificity,residual</c>.</param>
/// <param name="Policy">The family's best parameters on all the judged queries.</param>
/// <param name="Gain">Mean out-of-fold nDCG minus cosine's (averaged over the repeats).</param>
/// <param name="Lower">Lower end of the confidence interval of the gain.</param>
/// <param name="Upper">Upper end of the confidence interval of the gain.</param>
/// <param name="PValue">Two-sided paired randomisation p-value, Bonferroni-adjusted for the families compared (at most 1).</param>
/// <param name="RepeatSpread">Smallest and largest gain over the repeated fold assignments.</param>
public sealed record FamilyEvidence(string Family, string Policy, double Gain, double Lower, double Upper, double PValue, IReadOnlyList<double> RepeatSpread);

/// <summary>
/// A policy chosen for a collection from judged queries, with the evidence behind the choice: a norm
/// policy only when its out-of-fold gain over cosine has a confidence interval above zero (after adjusting
/// for the number of families compared), otherwise <c>cosine</c>. Stored with a collection, searches use
/// it when neither the query nor the collection's options choose a ranking.
/// </summary>
/// <remarks>Immutable; serialises to and from JSON with <see cref="ToJson"/> and <see cref="FromJson"/>.</remarks>
public sealed record PolicyCalibration
{
    /// <summary>The chosen policy string (<c>cosine</c> when no family passed).</summary>
    public required string Policy { get; init; }

    /// <summary>Why: which family passed with what gain, or why none did.</summary>
    public required string Reason { get; init; }

    /// <summary>The family chosen; null when the choice is cosine.</summary>
    public string? Family { get; init; }

    /// <summary>The metric compared, e.g. <c>nDCG@10</c>.</summary>
    public string Metric { get; init; } = "nDCG@10";

    /// <summary>Mean cosine value of the metric over the judged queries.</summary>
    public double CosineMean { get; init; }

    /// <summary>The chosen family's gain over cosine (out-of-fold; 0 when cosine is chosen).</summary>
    public double Gain { get; init; }

    /// <summary>Lower end of the chosen family's confidence interval (NaN when cosine is chosen).</summary>
    public double Lower { get; init; } = double.NaN;

    /// <summary>Upper end of the chosen family's confidence interval (NaN when cosine is chosen).</summary>
    public double Upper { get; init; } = double.NaN;

    /// <summary>The chosen family's adjusted p-value (NaN when cosine is chosen).</summary>
    public double PValue { get; init; } = double.NaN;

    /// <summary>The nominal confidence level (e.g. 0.95); each family's interval is at 1 − (1 − level)/families.</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Judged queries used.</summary>
    public int Queries { get; init; }

    /// <summary>Cosine candidates per wanted result that a search with the policy reranks (default 4).</summary>
    public int Overfetch { get; init; } = 4;

    /// <summary>Cosine candidates per judged query that the comparison reranked.</summary>
    public int Candidates { get; init; }

    /// <summary>Cross-validation folds.</summary>
    public int Folds { get; init; }

    /// <summary>Fold assignments (seeds <see cref="Seed"/> … <see cref="Seed"/> + repeats − 1).</summary>
    public int Repeats { get; init; }

    /// <summary>The first fold seed.</summary>
    public int Seed { get; init; }

    /// <summary>Records in the collection when it was calibrated (0 when unknown).</summary>
    public long Records { get; init; }

    /// <summary>When the calibration was made.</summary>
    public DateTimeOffset Date { get; init; }

    /// <summary>When to answer: a threshold on the query-confidence signal for a target top-result precision (null when not measured).</summary>
    public AbstentionThreshold? Abstention { get; init; }

    /// <summary>Every family compared, in the order given.</summary>
    public IReadOnlyList<FamilyEvidence> Families { get; init; } = [];

    /// <summary>Whether the choice is plain cosine.</summary>
    public bool IsCosine => Family is null;

    /// <summary>The chosen policy, parsed.</summary>
    /// <returns>The policy.</returns>
    public ScoringPolicy ToPolicy() => ScoringPolicy.Parse(Policy);

    /// <summary>One line: the policy and its evidence.</summary>
    /// <returns>The summary.</returns>
    public string Summary() => IsCosine
        ? string.Create(CultureInfo.InvariantCulture, $"cosine (no norm family passed; {Queries} judged queries, {Folds}-fold CV × {Repeats}, {Date:yyyy-MM-dd})")
        : string.Create(CultureInfo.InvariantCulture,
            $"{Policy} ({Family}: {Metric} {Signed(Gain)} [{Signed(Lower)}, {Signed(Upper)}], p {PValue:F3}, over cosine {CosineMean:F4}; {Queries} judged queries, {Folds}-fold CV × {Repeats}, {Date:yyyy-MM-dd})");

    /// <summary>The calibration as JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a calibration written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The calibration.</returns>
    /// <exception cref="FormatException">The text is not a calibration, or its policy does not parse.</exception>
    public static PolicyCalibration FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        PolicyCalibration? calibration;
        try
        {
            calibration = JsonSerializer.Deserialize<PolicyCalibration>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException("Not a policy calibration: " + ex.Message, ex);
        }

        if (calibration is null || !ScoringPolicy.TryParse(calibration.Policy, out _))
        {
            throw new FormatException($"Not a policy calibration: the policy '{calibration?.Policy}' does not parse.");
        }

        return calibration;
    }

    private static string Signed(double value) => value.ToString("+0.0000;-0.0000;+0.0000", CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions JsonOptions = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = StrictJson.Options(camelCase: true);
        options.WriteIndented = false;
        options.RespectRequiredConstructorParameters = true;
        return options;
    }
}
