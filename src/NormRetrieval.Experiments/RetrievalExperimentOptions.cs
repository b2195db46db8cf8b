namespace NormRetrieval.Experiments;

/// <summary>What a <see cref="RetrievalExperiment"/> runs.</summary>
public sealed record RetrievalExperimentOptions
{
    /// <summary>The BEIR folder.</summary>
    public required string Dataset { get; init; }

    /// <summary>The qrels split that is evaluated (default <c>test</c>).</summary>
    public string Split { get; init; } = "test";

    /// <summary>The encoder: <c>minilm</c>, <c>arctic-xs</c> or a model folder (default <c>minilm</c>).</summary>
    public string Model { get; init; } = "minilm";

    /// <summary>Policy families to calibrate (default: every family of <see cref="Calibration.PolicyGrid.Families"/>).</summary>
    public IReadOnlyList<string>? Policies { get; init; }

    /// <summary><c>cv:K</c> (K-fold cross-validation over queries, default <c>cv:5</c>) or <c>dev</c> (tune on the dev split).</summary>
    public string Calibrate { get; init; } = "cv:5";

    /// <summary>The engine of the first-stage cosine retrieval: <c>faiss</c> (Flat, exact) or <c>flat</c> (managed exact).</summary>
    public string Engine { get; init; } = "faiss";

    /// <summary>Cosine candidates per query that policies rerank (default 100).</summary>
    public int Top { get; init; } = 100;

    /// <summary>Where embeddings are cached (default: <c>.normretrieval-cache</c> in the working folder).</summary>
    public string CacheDirectory { get; init; } = ".normretrieval-cache";

    /// <summary>
    /// How many times cross-validation is repeated with other fold assignments (seeds <see cref="Seed"/>,
    /// <see cref="Seed"/> + 1, …; default 5): each query's out-of-fold metrics are averaged over the repeats, and
    /// each repeat's mean difference is reported, so that one fold's borderline choice cannot make a result.
    /// </summary>
    public int Repeats { get; init; } = 5;

    /// <summary>Seed of fold assignment, bootstrap and randomisation tests.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>First stages to compare (<see cref="FirstStages.All"/>, or <c>all</c>; default: dense only).</summary>
    public IReadOnlyList<string>? Stages { get; init; }

    /// <summary>The fusion of the <c>hybrid</c> stages (default reciprocal-rank fusion, k = 60).</summary>
    public Ranking.HybridFusionOptions Fusion { get; init; } = new();

    /// <summary>Receives progress lines (encoding, calibration).</summary>
    public IProgress<string>? Progress { get; init; }
}
