using NormRetrieval.Statistics;

namespace NormRetrieval.Experiments.Dynamics;

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
