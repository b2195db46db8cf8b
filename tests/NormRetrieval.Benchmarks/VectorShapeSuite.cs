using System.Globalization;
using System.Numerics.Tensors;
using System.Text;

namespace NormRetrieval.Benchmarks;

/// <summary>
/// How real-like the synthetic benchmark vectors are, by local intrinsic dimensionality (LID, the Levina–Bickel
/// maximum-likelihood estimate over the k nearest neighbours): the quantity that governs how hard approximate
/// nearest-neighbour search is on a set (Aumüller and Ceccarello, "The role of local intrinsic dimensionality in
/// benchmarking nearest neighbor search", 2019). The real Cranfield and CISI document embeddings are compared
/// with synthetic sets of the same size drawn by each generator of <see cref="RealLikeVectors"/>, for the real
/// queries against each set and for points of the set itself.
/// </summary>
/// <remarks><c>vector-shape [--k 20] [--rows 100000,300000] [--passages] [--out FILE]</c>: <c>--rows</c> adds the scale suite's sets at those sizes, <c>--passages</c> the real sentences of <c>scale --vectors passages</c>.</remarks>
internal static class VectorShapeSuite
{
    public static int Run(string[] args)
    {
        int k = args.SkipWhile(a => a != "--k").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(20);
        string? output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
        var (docs, queries, dim) = RealLikeVectors.RealEmbeddings();
        int n = docs.Length / dim;
        int[] larger = [.. args.SkipWhile(a => a != "--rows").Skip(1).Take(1).SelectMany(a => a.Split(',')).Select(a => int.Parse(a, CultureInfo.InvariantCulture))];
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Local intrinsic dimensionality (MLE over the {k} nearest neighbours, Euclidean distance of unit vectors), sets of {n:N0} vectors × {dim} unless named; query LID: the {queries.Length / dim} real queries against the set; set LID: 500 of its own points against the rest. {DateTime.UtcNow:yyyy-MM-dd}.");
        report.AppendLine();
        report.AppendLine("| set | query LID (mean) | query LID (median) | set LID (mean) | set LID (median) | mean cosine of a query's 10th neighbour |");
        report.AppendLine("|---|---|---|---|---|---|");
        var sets = new List<(string, Func<float[]>)>
        {
            ("real documents (Cranfield + CISI, MiniLM)", () => docs),
            ("synthetic, isotropic noise (noise norm 0.6)", () => RealLikeVectors.Synthetic(docs, dim, n, VectorShape.Isotropic, seed: 3)),
            ("synthetic, neighbour mixtures (noise norm 0.1)", () => RealLikeVectors.Synthetic(docs, dim, n, VectorShape.Mixture, seed: 3)),
        };
        foreach (int rows in larger)
        {
            // The scale suite's sets at a larger size: the real documents plus synthetic rows around them.
            sets.Add((string.Create(CultureInfo.InvariantCulture, $"scale suite's set at {rows:N0}, isotropic"), () => RealLikeVectors.Create(rows, 1).Rows));
            sets.Add((string.Create(CultureInfo.InvariantCulture, $"scale suite's set at {rows:N0}, mixtures"), () => RealLikeVectors.Create(rows, 1, shape: VectorShape.Mixture).Rows));
        }

        if (args.Contains("--passages"))
        {
            // Real sentences only (the scale suite's --vectors passages), against the same real queries as the rest.
            sets.Add(("real sentences of the four corpora (71,974, MiniLM)", () => RealLikeVectors.Passages(null, 1).Rows));
        }

        foreach (var (name, make) in sets)
        {
            var set = make();
            int size = set.Length / dim;
            var (queryLid, tenth) = Lid(set, queries, dim, k, excludeSelf: false);
            var sample = new float[500 * dim];
            var rng = new Random(1);
            for (int i = 0; i < 500; i++)
            {
                set.AsSpan(rng.Next(size) * dim, dim).CopyTo(sample.AsSpan(i * dim, dim));
            }

            var (setLid, _) = Lid(set, sample, dim, k, excludeSelf: true);
            string line = string.Create(CultureInfo.InvariantCulture, $"| {name} | {queryLid.Average():F1} | {Median(queryLid):F1} | {setLid.Average():F1} | {Median(setLid):F1} | {tenth:F3} |");
            report.AppendLine(line);
            Console.Error.WriteLine(line);
        }

        Console.WriteLine(report);
        if (output is not null)
        {
            File.WriteAllText(output, report.ToString());
        }

        return 0;
    }

    /// <summary>LID of each query against the set, and the mean cosine of its 10th neighbour.</summary>
    private static (List<double> Lids, double Tenth) Lid(float[] set, float[] queries, int dim, int k, bool excludeSelf)
    {
        int n = set.Length / dim;
        var lids = new List<double>();
        double tenth = 0;
        var distances = new double[n];
        for (int q = 0; q < queries.Length / dim; q++)
        {
            var query = queries.AsSpan(q * dim, dim);
            for (int i = 0; i < n; i++)
            {
                distances[i] = Math.Sqrt(Math.Max(0, 2 - (2 * TensorPrimitives.Dot(query, set.AsSpan(i * dim, dim)))));
            }

            // Duplicates (and the point itself) are at distance 0: the estimate needs distinct neighbours.
            double[] nearest = [.. distances.Where(d => d > (excludeSelf ? 1e-6 : 0)).Order().Take(k)];
            tenth += 1 - (nearest[9] * nearest[9] / 2);
            double sum = 0;
            for (int j = 0; j < k - 1; j++)
            {
                sum += Math.Log(nearest[k - 1] / nearest[j]);
            }

            lids.Add((k - 1) / sum);
        }

        return (lids, tenth / (queries.Length / dim));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
