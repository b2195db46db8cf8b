using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace NormRetrieval.Scoring;

/// <summary>
/// Turns the cosine similarity of a query–document pair, and the norms of both, into a ranking score.
/// Each concrete policy documents its formula. Policies are immutable and thread-safe.
/// </summary>
/// <remarks>
/// Policy strings (<see cref="Parse"/>, <see cref="ToString"/>) have the form <c>name[:p1[,p2…]][,residual]</c>:
/// <c>cosine</c>, <c>magnitude:0.5</c>, <c>specificity:0.05</c>, <c>specificity:0.05,residual</c>,
/// <c>gated:0.3,0.8</c>, <c>adaptive:0.05</c>. The flag <c>residual</c> makes z_d the length-residualised
/// z-score (see <see cref="Statistics.NormStatistics.ResidualZScore"/>), which mean-pooling encoders need.
/// </remarks>
public abstract class ScoringPolicy
{
    /// <summary>The bound applied to z-scores: z is clipped to [−ZClip, ZClip].</summary>
    public const double ZClip = 3.0;

    /// <summary>Plain cosine similarity, the default.</summary>
    public static ScoringPolicy Cosine { get; } = new CosinePolicy();

    /// <summary>The family name used in policy strings (e.g. <c>specificity</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Whether the score depends on anything but the cosine.</summary>
    public virtual bool UsesNorms => true;

    /// <summary>Whether z_d should be the length-residualised z-score.</summary>
    public virtual bool UsesLengthResidual => false;

    /// <summary>
    /// Whether z_d is the z-score of the document's log token count instead of its norm: the length-only baseline of
    /// the family (<see cref="LengthOnly"/>), which says how much of a norm policy's gain length alone gives.
    /// </summary>
    public virtual bool UsesLengthOnly => false;

    /// <summary>The numeric parameters, in policy-string order.</summary>
    public abstract IReadOnlyList<double> Parameters { get; }

    /// <summary>Scores one query–document pair. Larger is better.</summary>
    /// <param name="features">Cosine and norms of the pair.</param>
    /// <returns>The score.</returns>
    public abstract double Score(in ScoringFeatures features);

    /// <summary>The canonical policy string; <see cref="Parse"/> reads it back.</summary>
    /// <returns>The policy string.</returns>
    public override string ToString()
    {
        // 12 significant digits: a grid value such as 3 × 0.05 prints as 0.15, not 0.15000000000000002.
        string args = string.Join(",", Parameters.Select(p => p.ToString("G12", CultureInfo.InvariantCulture)));
        if (UsesLengthResidual || UsesLengthOnly)
        {
            string flag = UsesLengthOnly ? "length" : "residual";
            args = args.Length == 0 ? flag : args + "," + flag;
        }

        return args.Length == 0 ? Name : Name + ":" + args;
    }

    /// <summary>Parses a policy string such as <c>specificity:0.05</c>.</summary>
    /// <param name="text">The policy string.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="FormatException">The string names no known policy, or its parameters are wrong.</exception>
    public static ScoringPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var policy, out string? error) ? policy : throw new FormatException(error);
    }

    /// <summary>Tries to parse a policy string.</summary>
    /// <param name="text">The policy string.</param>
    /// <param name="policy">The policy, when parsing succeeded.</param>
    /// <returns>Whether parsing succeeded.</returns>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ScoringPolicy? policy) => TryParse(text, out policy, out _);

    /// <summary>The same policy driven by the document's log token count instead of its norm (see <see cref="UsesLengthOnly"/>).</summary>
    /// <param name="policy">A policy that uses z_d (specificity, gated, adaptive), without <c>residual</c>.</param>
    /// <returns>The length-only policy.</returns>
    /// <exception cref="ArgumentException">The policy is cosine, magnitude (which reads the raw norm) or residual.</exception>
    public static ScoringPolicy LengthOnly(ScoringPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy is CosinePolicy or MagnitudePolicy || policy.UsesLengthResidual || policy.UsesLengthOnly
            ? throw new ArgumentException($"Policy '{policy}' has no length-only form (it must use z_d and not be residual).", nameof(policy))
            : new LengthOnlyPolicy(policy);
    }

    /// <summary>Clips a z-score to [−<see cref="ZClip"/>, <see cref="ZClip"/>].</summary>
    /// <param name="z">The z-score.</param>
    /// <returns>The clipped value.</returns>
    protected static double Clip(double z) => Math.Clamp(z, -ZClip, ZClip);

    private static bool TryParse(string? text, [NotNullWhen(true)] out ScoringPolicy? policy, out string? error)
    {
        policy = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "The policy string is empty.";
            return false;
        }

        string trimmed = text.Trim();
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        string name = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToLowerInvariant();
        string[] parts = colon < 0 ? [] : trimmed[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries);
        bool residual = false, length = false;
        var numbers = new List<double>();
        foreach (string part in parts)
        {
            if (part.Equals("residual", StringComparison.OrdinalIgnoreCase))
            {
                residual = true;
            }
            else if (part.Equals("length", StringComparison.OrdinalIgnoreCase))
            {
                length = true;
            }
            else if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
            {
                numbers.Add(value);
            }
            else
            {
                error = $"'{part}' in policy '{trimmed}' is not a number.";
                return false;
            }
        }

        try
        {
            policy = name switch
            {
                "cosine" when numbers.Count == 0 && !residual => Cosine,
                "magnitude" when numbers.Count == 1 && !residual => new MagnitudePolicy(numbers[0]),
                "specificity" when numbers.Count == 1 => new SpecificityPolicy(numbers[0], residual),
                "gated" when numbers.Count == 2 => new QualityGatedPolicy(numbers[0], numbers[1], residual),
                "adaptive" or "query-adaptive" when numbers.Count == 1 => new QueryAdaptivePolicy(numbers[0], residual),
                "cosine" or "magnitude" or "specificity" or "gated" or "adaptive" or "query-adaptive" => null,
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException ex)
        {
            error = $"Policy '{trimmed}': {ex.Message.Split(Environment.NewLine)[0]}";
            return false;
        }

        if (length && policy is not null)
        {
            if (residual || policy is CosinePolicy or MagnitudePolicy)
            {
                error = $"Policy '{trimmed}': 'length' applies to specificity, gated and adaptive, without 'residual'.";
                policy = null;
                return false;
            }

            policy = new LengthOnlyPolicy(policy);
        }

        if (policy is null)
        {
            error = name switch
            {
                "cosine" => "Policy 'cosine' takes no parameters.",
                "magnitude" => "Policy 'magnitude' takes one parameter α in [0, 1], e.g. 'magnitude:0.5'.",
                "specificity" => "Policy 'specificity' takes one parameter λ, e.g. 'specificity:0.05' or 'specificity:0.05,residual'.",
                "gated" => "Policy 'gated' takes two parameters α and β, e.g. 'gated:0.3,0.8'.",
                "adaptive" or "query-adaptive" => "Policy 'adaptive' takes one parameter λ0, e.g. 'adaptive:0.05'.",
                _ => $"Unknown policy '{name}'. Known policies: cosine, magnitude:α, specificity:λ[,residual], gated:α,β[,residual], adaptive:λ0[,residual].",
            };
            return false;
        }

        return true;
    }
}
