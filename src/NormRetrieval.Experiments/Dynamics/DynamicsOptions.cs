namespace NormRetrieval.Experiments.Dynamics;

/// <summary>How embeddings are updated.</summary>
public enum DynamicsOptimizer
{
    /// <summary>Plain SGD: z ← z − η∇L.</summary>
    Sgd,

    /// <summary>SGD with heavy-ball momentum μ = 0.9.</summary>
    Momentum,

    /// <summary>Adam (β₁ 0.9, β₂ 0.999, ε 1e-8).</summary>
    Adam,
}

/// <summary>The similarity inside the InfoNCE logits.</summary>
public enum DynamicsSimilarity
{
    /// <summary>Cosine: the loss is invariant to each embedding's scale (the paper's setting).</summary>
    Cosine,

    /// <summary>Dot product: not scale-invariant (a control).</summary>
    Dot,
}

/// <summary>One training run of the dynamics lab.</summary>
public sealed record DynamicsOptions
{
    /// <summary>A name for reports.</summary>
    public string Name { get; init; } = "sgd";

    /// <summary>Seed of the corpus, the initial embeddings and the batches.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Embedding dimension.</summary>
    public int Dimension { get; init; } = 16;

    /// <summary>Children per internal concept.</summary>
    public int Branching { get; init; } = 4;

    /// <summary>Depth of the leaves (the root is depth 0).</summary>
    public int Depth { get; init; } = 3;

    /// <summary>Zipf exponent s of the anchor frequencies (rank r drawn with weight r^−s; ranks are shuffled over the concepts, independent of depth).</summary>
    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>Training steps.</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>Pairs per batch (the other pairs' positives are each anchor's negatives).</summary>
    public int Batch { get; init; } = 32;

    /// <summary>InfoNCE temperature τ.</summary>
    public double Temperature { get; init; } = 0.1;

    /// <summary>Learning rate η.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>L2 weight decay λ (added to the gradient: λz).</summary>
    public double WeightDecay { get; init; }

    /// <summary>The optimiser.</summary>
    public DynamicsOptimizer Optimizer { get; init; } = DynamicsOptimizer.Sgd;

    /// <summary>The similarity in the logits.</summary>
    public DynamicsSimilarity Similarity { get; init; } = DynamicsSimilarity.Cosine;

    /// <summary>Standard deviation of the initial coordinates (initial norms ≈ this × √dimension).</summary>
    public double InitScale { get; init; } = 0.1;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Dimension, 2, nameof(Dimension));
        ArgumentOutOfRangeException.ThrowIfLessThan(Branching, 2, nameof(Branching));
        ArgumentOutOfRangeException.ThrowIfLessThan(Depth, 1, nameof(Depth));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Math.Pow(Branching, Depth), 100_000, nameof(Depth));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(Batch, 2, nameof(Batch));
        Positive(Temperature, nameof(Temperature));
        Positive(LearningRate, nameof(LearningRate));
        Positive(InitScale, nameof(InitScale));
        if (!(WeightDecay >= 0) || !double.IsFinite(ZipfExponent) || ZipfExponent < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), "Weight decay and the Zipf exponent must be finite and not negative.");
        }
    }

    private static void Positive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be a finite positive number.");
        }
    }
}
