namespace NormRetrieval.Statistics;

/// <summary>
/// Count, mean and sum of squared deviations of a stream of values (Welford), with exact removal of a value
/// added before and merging of disjoint streams (Chan et al.).
/// </summary>
internal struct RunningMoments
{
    public long Count;
    public double Mean;
    public double M2;

    /// <summary>Sample variance; 0 with fewer than two values.</summary>
    public readonly double Variance => Count < 2 ? 0 : Math.Max(0, M2 / (Count - 1));

    public void Add(double x)
    {
        Count++;
        double delta = x - Mean;
        Mean += delta / Count;
        M2 += delta * (x - Mean);
    }

    public void Remove(double x)
    {
        if (Count == 1)
        {
            this = default;
            return;
        }

        double before = ((Count * Mean) - x) / (Count - 1);
        M2 = Math.Max(0, M2 - ((x - before) * (x - Mean)));
        Mean = before;
        Count--;
    }

    public void Merge(in RunningMoments other)
    {
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            this = other;
            return;
        }

        long n = Count + other.Count;
        double delta = other.Mean - Mean;
        M2 += other.M2 + (delta * delta * Count * other.Count / n);
        Mean += delta * other.Count / n;
        Count = n;
    }
}
