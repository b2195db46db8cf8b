using System.Globalization;
using NormRetrieval.Statistics;

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

/// <summary>A concept of the synthetic corpus after training.</summary>
/// <param name="Id">Breadth-first index (0 is the root).</param>
/// <param name="Depth">Depth in the hierarchy.</param>
/// <param name="Frequency">Probability of being drawn as an anchor.</param>
/// <param name="Updates">Steps in which it received a gradient.</param>
/// <param name="InitialNorm">‖z₀‖.</param>
/// <param name="Norm">‖z_T‖.</param>
/// <param name="PredictedNorm">√(‖z₀‖² + η² Σ_t ‖∇L_t‖²): what the identity predicts.</param>
public sealed record DynamicsConcept(int Id, int Depth, double Frequency, int Updates, double InitialNorm, double Norm, double PredictedNorm);

/// <summary>What a run measured.</summary>
/// <param name="Options">The run's options.</param>
/// <param name="Concepts">Every concept.</param>
/// <param name="MaxRelativeError">max over concepts of |‖z_T‖² − predicted²| / ‖z_T‖² (the norm-growth identity).</param>
/// <param name="MaxStepRelativeError">max over steps and updated concepts of |‖z_{t+1}‖² − ‖z_t‖² − η²‖∇L‖²| / ‖z_{t+1}‖².</param>
/// <param name="MaxCosineToGradient">max over steps and updated concepts of |cos(z_t, ∇L_t)| (0 when the gradient is orthogonal).</param>
/// <param name="NormDecreases">Concept updates after which the norm was smaller than before.</param>
/// <param name="Updates">Concept updates in all.</param>
/// <param name="FirstLoss">Mean loss of the first 1% of steps.</param>
/// <param name="LastLoss">Mean loss of the last 1% of steps.</param>
/// <param name="SpearmanFrequency">Spearman ρ of final norm and log frequency.</param>
/// <param name="SpearmanDepth">Spearman ρ of final norm and depth.</param>
/// <param name="PartialFrequency">ρ of norm and log frequency, controlling for depth.</param>
/// <param name="PartialDepth">ρ of norm and depth, controlling for log frequency.</param>
/// <param name="MeanNormByStep">Mean norm over concepts every <see cref="TraceEvery"/> steps (first: step 0).</param>
/// <param name="TraceEvery">Steps between the points of <paramref name="MeanNormByStep"/>.</param>
public sealed record DynamicsResult(
    DynamicsOptions Options,
    IReadOnlyList<DynamicsConcept> Concepts,
    double MaxRelativeError,
    double MaxStepRelativeError,
    double MaxCosineToGradient,
    long NormDecreases,
    long Updates,
    double FirstLoss,
    double LastLoss,
    double SpearmanFrequency,
    double SpearmanDepth,
    double PartialFrequency,
    double PartialDepth,
    IReadOnlyList<double> MeanNormByStep,
    int TraceEvery)
{
    /// <summary>Mean final norm by depth.</summary>
    public IReadOnlyList<double> MeanNormByDepth =>
        [.. Concepts.GroupBy(c => c.Depth).OrderBy(g => g.Key).Select(g => g.Average(c => c.Norm))];

    /// <summary>One line for reports.</summary>
    /// <returns>The summary.</returns>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Options.Name}: identity rel. error {MaxRelativeError:E2} (per step {MaxStepRelativeError:E2}), max |cos(z, ∇L)| {MaxCosineToGradient:E2}, norm decreases {NormDecreases}/{Updates}, loss {FirstLoss:F3} → {LastLoss:F3}, ρ(norm, log freq) {Signed(SpearmanFrequency)}, ρ(norm, depth) {Signed(SpearmanDepth)}");

    private static string Signed(double value) => double.IsFinite(value) ? value.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "—";
}

/// <summary>
/// The paper's mechanism, reproduced: free embeddings of the concepts of a synthetic hierarchy (a tree with Zipfian
/// anchor frequencies) trained by InfoNCE over cosine similarity. A scale-invariant loss has a gradient orthogonal to
/// each embedding, so under plain SGD ‖z_{t+1}‖² = ‖z_t‖² + η²‖∇L‖² exactly: norms only grow, by the accumulated
/// squared gradient. The run measures that identity, the orthogonality behind it, and how the final norms follow
/// frequency and depth; weight decay, momentum, Adam and a dot-product loss show where it stops holding.
/// </summary>
/// <remarks>
/// Positive pairs join a concept to a neighbour in the tree (its parent or a child), so general concepts have many
/// different positives and leaves one. Everything is computed in double precision, deterministically for a seed.
/// </remarks>
public static class ContrastiveDynamics
{
    /// <summary>Trains and measures one run.</summary>
    /// <param name="options">The run.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The measurements.</returns>
    public static DynamicsResult Run(DynamicsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var random = new Random(options.Seed);
        var (depths, parents, children) = Tree(options.Branching, options.Depth);
        int n = depths.Length, d = options.Dimension, batch = options.Batch;
        double[] frequency = Zipf(n, options.ZipfExponent, random);
        double[] cumulative = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            total += frequency[i];
            cumulative[i] = total;
        }

        var z = new double[n * d];
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = options.InitScale * Gaussian(random);
        }

        double[] initialSquared = [.. Enumerable.Range(0, n).Select(i => SquaredNorm(z, i, d))];
        double[] predictedSquared = (double[])initialSquared.Clone();
        var updates = new int[n];
        var grad = new double[n * d];
        var touched = new bool[n];
        var m = options.Optimizer == DynamicsOptimizer.Sgd ? null : new double[n * d];
        var v = options.Optimizer == DynamicsOptimizer.Adam ? new double[n * d] : null;
        int traceEvery = Math.Max(1, options.Steps / 200);
        var trace = new List<double> { Enumerable.Range(0, n).Average(i => Math.Sqrt(initialSquared[i])) };
        var losses = new double[options.Steps];
        double maxStepError = 0, maxCos = 0;
        long decreases = 0, updateCount = 0;
        var anchors = new int[batch];
        var positives = new int[batch];
        var logits = new double[batch * batch];
        var norms = new double[n];
        double eta = options.LearningRate, tau = options.Temperature;
        for (int step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int b = 0; b < batch; b++)
            {
                int a = Draw(cumulative, random);
                int degree = children[a].Length + (parents[a] >= 0 ? 1 : 0);
                int k = random.Next(degree);
                anchors[b] = a;
                positives[b] = k < children[a].Length ? children[a][k] : parents[a];
            }

            Array.Clear(grad);
            Array.Clear(touched);
            for (int b = 0; b < batch; b++)
            {
                norms[anchors[b]] = Math.Sqrt(SquaredNorm(z, anchors[b], d));
                norms[positives[b]] = Math.Sqrt(SquaredNorm(z, positives[b], d));
            }

            bool cosine = options.Similarity == DynamicsSimilarity.Cosine;
            double loss = 0;
            for (int i = 0; i < batch; i++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < batch; j++)
                {
                    double dot = Dot(z, anchors[i], z, positives[j], d);
                    double s = (cosine ? dot / (norms[anchors[i]] * norms[positives[j]]) : dot) / tau;
                    logits[(i * batch) + j] = s;
                    max = Math.Max(max, s);
                }

                double sum = 0;
                for (int j = 0; j < batch; j++)
                {
                    sum += Math.Exp(logits[(i * batch) + j] - max);
                }

                loss += -(logits[(i * batch) + i] - max - Math.Log(sum));
                for (int j = 0; j < batch; j++)
                {
                    double p = Math.Exp(logits[(i * batch) + j] - max) / sum;
                    double weight = (p - (i == j ? 1 : 0)) / (batch * tau);
                    AccumulateSimilarityGradient(z, grad, anchors[i], positives[j], norms, d, weight, cosine);
                    touched[anchors[i]] = true;
                    touched[positives[j]] = true;
                }
            }

            losses[step] = loss / batch;

            // The update, with the identity's bookkeeping on the loss gradient alone.
            for (int c = 0; c < n; c++)
            {
                if (!touched[c] && options.Optimizer == DynamicsOptimizer.Sgd && options.WeightDecay == 0)
                {
                    continue;
                }

                double before = SquaredNorm(z, c, d);
                double g2 = SquaredNorm(grad, c, d);
                if (touched[c])
                {
                    double zg = Dot(z, c, grad, c, d);
                    if (g2 > 0)
                    {
                        maxCos = Math.Max(maxCos, Math.Abs(zg) / Math.Sqrt(before * g2));
                    }

                    predictedSquared[c] += eta * eta * g2;
                    updates[c]++;
                    updateCount++;
                }

                Update(z, grad, m, v, c, d, options, step + 1);
                double after = SquaredNorm(z, c, d);
                if (touched[c])
                {
                    maxStepError = Math.Max(maxStepError, Math.Abs(after - before - (eta * eta * g2)) / after);
                    decreases += after < before ? 1 : 0;
                }
            }

            if ((step + 1) % traceEvery == 0)
            {
                trace.Add(Enumerable.Range(0, n).Average(i => Math.Sqrt(SquaredNorm(z, i, d))));
            }
        }

        var concepts = new DynamicsConcept[n];
        double maxError = 0;
        for (int c = 0; c < n; c++)
        {
            double finalSquared = SquaredNorm(z, c, d);
            maxError = Math.Max(maxError, Math.Abs(finalSquared - predictedSquared[c]) / finalSquared);
            concepts[c] = new DynamicsConcept(c, depths[c], frequency[c] / total, updates[c], Math.Sqrt(initialSquared[c]), Math.Sqrt(finalSquared), Math.Sqrt(predictedSquared[c]));
        }

        double[] norm = [.. concepts.Select(c => c.Norm)];
        double[] logFrequency = [.. concepts.Select(c => Math.Log(c.Frequency))];
        double[] depth = [.. concepts.Select(c => (double)c.Depth)];
        int window = Math.Max(1, options.Steps / 100);
        return new DynamicsResult(
            options,
            concepts,
            maxError,
            maxStepError,
            maxCos,
            decreases,
            updateCount,
            losses.Take(window).Average(),
            losses.Skip(options.Steps - window).Average(),
            RankCorrelation.Spearman(norm, logFrequency),
            RankCorrelation.Spearman(norm, depth),
            RankCorrelation.PartialSpearman(norm, logFrequency, depth),
            RankCorrelation.PartialSpearman(norm, depth, logFrequency),
            trace,
            traceEvery);
    }

    /// <summary>The runs of the lab: the paper's setting at a small step, then each thing that breaks the identity.</summary>
    /// <param name="steps">Training steps per run.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The runs' options.</returns>
    public static IReadOnlyList<DynamicsOptions> Lab(int steps = 2000, int seed = 42) =>
    [
        new() { Name = "sgd η=0.05", Steps = steps, Seed = seed },
        new() { Name = "sgd η=2 (large)", Steps = steps, Seed = seed, LearningRate = 2 },
        new() { Name = "sgd + weight decay 1e-2", Steps = steps, Seed = seed, WeightDecay = 1e-2 },
        new() { Name = "momentum 0.9", Steps = steps, Seed = seed, Optimizer = DynamicsOptimizer.Momentum },
        new() { Name = "adam η=0.01", Steps = steps, Seed = seed, Optimizer = DynamicsOptimizer.Adam, LearningRate = 0.01 },
        new() { Name = "sgd, dot-product logits", Steps = steps, Seed = seed, Similarity = DynamicsSimilarity.Dot },
    ];

    private static void AccumulateSimilarityGradient(double[] z, double[] grad, int a, int p, double[] norms, int d, double weight, bool cosine)
    {
        if (!cosine)
        {
            for (int k = 0; k < d; k++)
            {
                grad[(a * d) + k] += weight * z[(p * d) + k];
                grad[(p * d) + k] += weight * z[(a * d) + k];
            }

            return;
        }

        // ∂cos(u, v)/∂u = (v̂ − cos·û)/‖u‖: orthogonal to u by construction.
        double nu = norms[a], nv = norms[p];
        double cos = Dot(z, a, z, p, d) / (nu * nv);
        for (int k = 0; k < d; k++)
        {
            double uk = z[(a * d) + k] / nu, vk = z[(p * d) + k] / nv;
            grad[(a * d) + k] += weight * (vk - (cos * uk)) / nu;
            grad[(p * d) + k] += weight * (uk - (cos * vk)) / nv;
        }
    }

    private static void Update(double[] z, double[] grad, double[]? m, double[]? v, int c, int d, DynamicsOptions options, int t)
    {
        double eta = options.LearningRate, wd = options.WeightDecay;
        for (int k = 0; k < d; k++)
        {
            int i = (c * d) + k;
            double g = grad[i] + (wd * z[i]);
            switch (options.Optimizer)
            {
                case DynamicsOptimizer.Sgd:
                    z[i] -= eta * g;
                    break;
                case DynamicsOptimizer.Momentum:
                    m![i] = (0.9 * m[i]) + g;
                    z[i] -= eta * m[i];
                    break;
                default:
                    m![i] = (0.9 * m[i]) + (0.1 * g);
                    v![i] = (0.999 * v[i]) + (0.001 * g * g);
                    double mHat = m[i] / (1 - Math.Pow(0.9, t)), vHat = v[i] / (1 - Math.Pow(0.999, t));
                    z[i] -= eta * mHat / (Math.Sqrt(vHat) + 1e-8);
                    break;
            }
        }
    }

    /// <summary>A complete tree in breadth-first order: each concept's depth, parent (−1 for the root) and children.</summary>
    private static (int[] Depths, int[] Parents, int[][] Children) Tree(int branching, int depth)
    {
        var depths = new List<int> { 0 };
        var parents = new List<int> { -1 };
        var children = new List<List<int>> { new() };
        int levelStart = 0, levelCount = 1;
        for (int level = 1; level <= depth; level++)
        {
            int next = depths.Count;
            for (int p = levelStart; p < levelStart + levelCount; p++)
            {
                for (int b = 0; b < branching; b++)
                {
                    children[p].Add(depths.Count);
                    depths.Add(level);
                    parents.Add(p);
                    children.Add([]);
                }
            }

            levelStart = next;
            levelCount *= branching;
        }

        return ([.. depths], [.. parents], [.. children.Select(c => c.ToArray())]);
    }

    private static double[] Zipf(int n, double exponent, Random random)
    {
        int[] ranks = [.. Enumerable.Range(1, n)];
        random.Shuffle(ranks);
        return [.. ranks.Select(r => Math.Pow(r, -exponent))];
    }

    private static int Draw(double[] cumulative, Random random)
    {
        double u = random.NextDouble() * cumulative[^1];
        int index = Array.BinarySearch(cumulative, u);
        return Math.Min(index < 0 ? ~index : index, cumulative.Length - 1);
    }

    private static double Dot(double[] x, int i, double[] y, int j, int d)
    {
        double sum = 0;
        for (int k = 0; k < d; k++)
        {
            sum += x[(i * d) + k] * y[(j * d) + k];
        }

        return sum;
    }

    private static double SquaredNorm(double[] x, int i, int d) => Dot(x, i, x, i, d);

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
