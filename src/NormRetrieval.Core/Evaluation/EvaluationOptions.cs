namespace NormRetrieval.Evaluation;

/// <summary>Cut-offs of the reported metrics.</summary>
public sealed record EvaluationOptions
{
    /// <summary>The default: nDCG@10, Recall@100, MRR@10 and MAP.</summary>
    public static EvaluationOptions Default { get; } = new();

    /// <summary>The cut-off of nDCG (default 10).</summary>
    public int NdcgAt { get; init; } = 10;

    /// <summary>The cut-off of recall (default 100).</summary>
    public int RecallAt { get; init; } = 100;

    /// <summary>The cut-off of the reciprocal rank (default 10).</summary>
    public int MrrAt { get; init; } = 10;
}
