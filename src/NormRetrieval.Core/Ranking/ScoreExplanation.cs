using System.Globalization;

namespace NormRetrieval.Ranking;

/// <summary>Why a result got its score: the inputs of the policy and the adjustment it made to the cosine.</summary>
/// <param name="Policy">The policy string.</param>
/// <param name="Cosine">Cosine similarity c.</param>
/// <param name="Norm">The document's raw norm n_d.</param>
/// <param name="Z">The document's z-score z_d as the policy used it.</param>
/// <param name="QueryNorm">The query's raw norm n_q.</param>
/// <param name="QueryZ">The query's z-score z_q.</param>
/// <param name="Adjustment">score − c: what the norms added (negative when they took away).</param>
/// <param name="Score">The final score.</param>
public sealed record ScoreExplanation(
    string Policy, double Cosine, double Norm, double Z, double QueryNorm, double QueryZ, double Adjustment, double Score)
{
    /// <summary>The document's token count when the store knows it (length-aware policies read it).</summary>
    public int? TokenCount { get; init; }

    /// <summary>A compact one-line form, e.g. <c>specificity:0.05: cos 0.6123 + 0.0412 (norm 7.21, z +0.82) = 0.6535</c>.</summary>
    /// <returns>The explanation as text.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Policy}: cos {Cosine:F4} {(Adjustment < 0 ? "-" : "+")} {Math.Abs(Adjustment):F4} (norm {Norm:F3}, z {Math.Clamp(Z, -3, 3):+0.00;-0.00}{(Math.Abs(Z) > 3 ? string.Create(CultureInfo.InvariantCulture, $", clipped from {Z:+0.00;-0.00}") : string.Empty)}) = {Score:F4}");
}
