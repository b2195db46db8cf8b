using NormRetrieval.VectorData;

namespace NormRetrieval.Testing;

/// <summary>
/// Judged synthetic collections of <see cref="Hotel"/>s (4 dimensions) for calibration tests. Each query has one
/// relevant hotel and three distractors around it. In the collection built so that norms help, the relevant hotel
/// is slightly further from the query (cosine 0.95) than its distractors (0.96–0.98), which are four times shorter
/// (vague): cosine ranks it fourth, a policy that rewards a long norm ranks it first (unless a relevant hotel of
/// another query lies even closer: 4 dimensions are crowded). In the collection where nothing helps, the
/// relevant hotel is the closest and the norms are noise: cosine ranks it first already.
/// </summary>
public static class CalibrationCorpus
{
    /// <summary>Builds a corpus.</summary>
    /// <param name="normsHelp">True for the collection where a norm policy helps.</param>
    /// <param name="queries">The number of judged queries.</param>
    /// <param name="seed">The seed of the directions.</param>
    /// <returns>The hotels to upsert, the judged queries (raw vectors), and each query's relevant key.</returns>
    public static (Hotel[] Hotels, IReadOnlyList<JudgedQuery<float[]>> Queries) Build(bool normsHelp, int queries = 30, int seed = 7)
    {
        var random = new Random(seed);
        var hotels = new List<Hotel>();
        var judged = new List<JudgedQuery<float[]>>();
        for (int i = 0; i < queries; i++)
        {
            float[] q = Unit(random);
            string relevant = $"r{i}";
            hotels.Add(Hotel.Sample(relevant, Around(q, normsHelp ? 0.95 : 0.99, normsHelp ? 1 : 0.5 + random.NextDouble(), random)));
            double[] cosines = normsHelp ? [0.96, 0.97, 0.98] : [0.93, 0.94, 0.95];
            for (int d = 0; d < cosines.Length; d++)
            {
                hotels.Add(Hotel.Sample($"d{i}-{d}", Around(q, cosines[d], normsHelp ? 0.25 : 0.5 + random.NextDouble(), random)));
            }

            judged.Add(new JudgedQuery<float[]>($"q{i}", [.. q.Select(x => x * 3)], new Dictionary<string, int> { [relevant] = 1 }));
        }

        return ([.. hotels], judged);
    }

    private static float[] Unit(Random random)
    {
        var v = new double[4];
        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            v[i] = Gaussian(random);
            sum += v[i] * v[i];
        }

        return [.. v.Select(x => (float)(x / Math.Sqrt(sum)))];
    }

    /// <summary>A vector of the given norm whose cosine with the unit vector <paramref name="q"/> is <paramref name="cosine"/>.</summary>
    private static float[] Around(float[] q, double cosine, double norm, Random random)
    {
        // A random unit vector orthogonal to q (Gram–Schmidt), mixed with q.
        float[] u = Unit(random);
        double dot = u.Zip(q, (a, b) => (double)a * b).Sum();
        double[] orthogonal = [.. u.Zip(q, (a, b) => a - (dot * b))];
        double length = Math.Sqrt(orthogonal.Sum(x => x * x));
        double sine = Math.Sqrt(1 - (cosine * cosine));
        return [.. q.Select((x, i) => (float)(norm * ((cosine * x) + (sine * orthogonal[i] / length))))];
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
