namespace NormRetrieval.Statistics;

/// <summary>
/// A sparse histogram of ln(norm) in bins of <see cref="NormStatistics.LogBinWidth"/>, answering percentiles
/// and percentile ranks (linear within a bin) from a cumulative table built on demand.
/// </summary>
internal sealed class LogHistogram
{
    private readonly Dictionary<int, long> _bins = [];
    private (int Bin, long Cumulative)[]? _cumulative;

    public IReadOnlyDictionary<int, long> Bins => _bins;

    public long Total => _bins.Values.Sum();

    public static int BinOf(double logNorm) => (int)Math.Floor(logNorm / NormStatistics.LogBinWidth);

    public long this[int bin] => _bins.GetValueOrDefault(bin);

    public void Change(int bin, long delta)
    {
        long updated = _bins.GetValueOrDefault(bin) + delta;
        if (updated == 0)
        {
            _bins.Remove(bin);
        }
        else
        {
            _bins[bin] = updated;
        }

        _cumulative = null;
    }

    public void Merge(LogHistogram other)
    {
        foreach (var (bin, c) in other._bins)
        {
            Change(bin, c);
        }
    }

    /// <summary>The norm below which the fraction p of <paramref name="count"/> observations lie.</summary>
    public double Percentile(double p, long count)
    {
        var cumulative = Cumulative();
        double target = p * count;
        long before = 0;
        foreach (var (bin, cum) in cumulative)
        {
            if (cum >= target)
            {
                long inBin = cum - before;
                double frac = inBin == 0 ? 0 : Math.Clamp((target - before) / inBin, 0, 1);
                return Math.Exp((bin + frac) * NormStatistics.LogBinWidth);
            }

            before = cum;
        }

        return Math.Exp((cumulative[^1].Bin + 1) * NormStatistics.LogBinWidth);
    }

    /// <summary>How many observations lie below a norm (linear within its bin).</summary>
    public long CountBelow(double norm)
    {
        double position = Math.Log(norm) / NormStatistics.LogBinWidth;
        int bin = (int)Math.Floor(position);
        double frac = position - bin;
        long below = 0;
        foreach (var (b, cum) in Cumulative())
        {
            long inBin = cum - below;
            if (b < bin)
            {
                below = cum;
                continue;
            }

            if (b == bin)
            {
                below += (long)Math.Round(frac * inBin);
            }

            break;
        }

        return below;
    }

    private (int Bin, long Cumulative)[] Cumulative()
    {
        if (_cumulative is null)
        {
            long run = 0;
            _cumulative = [.. _bins.OrderBy(kv => kv.Key).Select(kv => (kv.Key, run += kv.Value))];
        }

        return _cumulative;
    }
}
