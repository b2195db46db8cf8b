namespace NormRetrieval.Statistics;

/// <summary>Correlation coefficients for paired samples: Pearson, Spearman (ties averaged) and Kendall's τ-b.</summary>
/// <remarks>Pure functions; thread-safe. All return NaN for fewer than two pairs or a constant series.</remarks>
public static class RankCorrelation
{
    /// <summary>Pearson's product-moment correlation.</summary>
    /// <param name="x">The first series.</param>
    /// <param name="y">The second series, paired with <paramref name="x"/>.</param>
    /// <returns>r in [−1, 1].</returns>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n = x.Count;
        if (n < 2)
        {
            return double.NaN;
        }

        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Spearman's ρ: Pearson's r of the ranks, tied values sharing their mean rank.</summary>
    /// <param name="x">The first series.</param>
    /// <param name="y">The second series.</param>
    /// <returns>ρ in [−1, 1].</returns>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>Kendall's τ-b, which corrects for ties in either series.</summary>
    /// <param name="x">The first series.</param>
    /// <param name="y">The second series.</param>
    /// <returns>τ-b in [−1, 1].</returns>
    public static double KendallTauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
        for (int i = 0; i < x.Count; i++)
        {
            for (int j = i + 1; j < x.Count; j++)
            {
                int sx = Math.Sign(x[i] - x[j]), sy = Math.Sign(y[i] - y[j]);
                if (sx == 0 && sy == 0)
                {
                    continue;
                }

                if (sx == 0)
                {
                    tiesX++;
                }
                else if (sy == 0)
                {
                    tiesY++;
                }
                else if (sx == sy)
                {
                    concordant++;
                }
                else
                {
                    discordant++;
                }
            }
        }

        double denominator = Math.Sqrt((double)(concordant + discordant + tiesX) * (concordant + discordant + tiesY));
        return denominator == 0 ? double.NaN : (concordant - discordant) / denominator;
    }

    /// <summary>
    /// Spearman partial correlation of x and y controlling for z: the correlation of the ranks of x and y
    /// after removing from each the linear effect of the ranks of z.
    /// </summary>
    /// <param name="x">The first series.</param>
    /// <param name="y">The second series.</param>
    /// <param name="z">The control series.</param>
    /// <returns>The partial ρ in [−1, 1].</returns>
    public static double PartialSpearman(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> z)
    {
        Check(x, y);
        Check(x, z);
        var rx = Ranks(x);
        var ry = Ranks(y);
        var rz = Ranks(z);
        double rxy = Pearson(rx, ry), rxz = Pearson(rx, rz), ryz = Pearson(ry, rz);
        double denominator = Math.Sqrt((1 - (rxz * rxz)) * (1 - (ryz * ryz)));
        return denominator == 0 ? double.NaN : (rxy - (rxz * ryz)) / denominator;
    }

    /// <summary>Ranks from 1, ties sharing their mean rank.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The ranks, in input order.</returns>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int[] order = [.. Enumerable.Range(0, values.Count).OrderBy(i => values[i])];
        var ranks = new double[values.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]])
            {
                j++;
            }

            double rank = ((i + j) / 2.0) + 1;
            for (int k = i; k <= j; k++)
            {
                ranks[order[k]] = rank;
            }

            i = j + 1;
        }

        return ranks;
    }

    private static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"The paired series have {x.Count} and {y.Count} values.", nameof(y));
        }
    }
}
