namespace NormRetrieval.Statistics;

/// <summary>
/// A streaming least-squares fit of y = ln(norm) on x = ln(token count): the moments of x and y and their
/// co-moment, with exact removal and merging, so the fit of a collection follows its adds and deletes.
/// </summary>
internal struct LengthFit
{
    public long Count;
    public double MeanX;
    public double MeanY;
    public double M2X;
    public double M2Y;
    public double CoMoment;

    /// <summary>At least three pairs and more than one distinct x.</summary>
    public readonly bool IsUsable => Count >= 3 && M2X > 1e-12;

    public readonly double Slope => IsUsable ? CoMoment / M2X : 0;

    public readonly double Intercept(double fallback) => IsUsable ? MeanY - (Slope * MeanX) : fallback;

    /// <summary>Residual standard deviation (n − 2 degrees of freedom); 0 when unusable.</summary>
    public readonly double ResidualStd => IsUsable ? Math.Sqrt(Math.Max(0, (M2Y - (CoMoment * CoMoment / M2X)) / (Count - 2))) : 0;

    public void Add(double x, double y)
    {
        Count++;
        double dx = x - MeanX;
        double dy = y - MeanY;
        MeanX += dx / Count;
        MeanY += dy / Count;
        M2X += dx * (x - MeanX);
        M2Y += dy * (y - MeanY);
        CoMoment += dx * (y - MeanY);
    }

    public void Remove(double x, double y)
    {
        if (Count == 1)
        {
            this = default;
            return;
        }

        long n = Count;
        double meanXBefore = ((n * MeanX) - x) / (n - 1);
        double meanYBefore = ((n * MeanY) - y) / (n - 1);
        CoMoment -= (x - meanXBefore) * (y - MeanY);
        M2X -= (x - meanXBefore) * (x - MeanX);
        M2Y -= (y - meanYBefore) * (y - MeanY);
        MeanX = meanXBefore;
        MeanY = meanYBefore;
        Count = n - 1;
    }

    public void Merge(in LengthFit other)
    {
        if (other.Count == 0)
        {
            return;
        }

        long n = Count + other.Count;
        double dx = other.MeanX - MeanX;
        double dy = other.MeanY - MeanY;
        double w = (double)Count * other.Count / n;
        CoMoment += other.CoMoment + (dx * dy * w);
        var x = new RunningMoments { Count = Count, Mean = MeanX, M2 = M2X };
        x.Merge(new RunningMoments { Count = other.Count, Mean = other.MeanX, M2 = other.M2X });
        var y = new RunningMoments { Count = Count, Mean = MeanY, M2 = M2Y };
        y.Merge(new RunningMoments { Count = other.Count, Mean = other.MeanY, M2 = other.M2Y });
        (MeanX, M2X, MeanY, M2Y, Count) = (x.Mean, x.M2, y.Mean, y.M2, n);
    }
}
