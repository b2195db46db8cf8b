using System.Globalization;
using System.Text.Json;
using NormRetrieval.Vectors;

namespace NormRetrieval.Statistics;

/// <summary>
/// Streaming statistics of the raw norms of a collection: count, mean and standard deviation of the
/// log-norm, percentiles, the mean unit direction, and a least-squares fit of log-norm on log token
/// count (mean pooling ties the norm to text length; the fit lets a policy use the residual instead).
/// </summary>
/// <remarks>
/// <para>
/// Everything is kept as exact, order-independent sufficient statistics (Welford/Chan moments, sums and
/// a sparse histogram), so observations can be added, removed again, and two instances — for instance
/// two shards of one collection — merged with <see cref="Merge"/>, giving the same result as one
/// instance that saw everything.
/// </para>
/// <para>
/// Percentiles come from a histogram of ln(norm) with bins of width <see cref="LogBinWidth"/> (0.1% of
/// the norm): exact to that resolution, linearly interpolated within a bin.
/// </para>
/// <para>Instances are not thread-safe: callers that share one across threads must lock.</para>
/// </remarks>
public sealed class NormStatistics
{
    /// <summary>The width of a percentile histogram bin, in units of ln(norm).</summary>
    public const double LogBinWidth = 0.001;

    private const int FormatVersion = 1;

    private readonly Dictionary<int, long> _histogram = [];
    private double[]? _directionSum;
    private long _directionCount;
    private long _count;
    private double _meanLog;
    private double _m2Log;

    // Length fit: x = ln(token count), y = ln(norm), over observations that carry a token count.
    private long _pairCount;
    private double _meanX;
    private double _meanY;
    private double _m2X;
    private double _m2Y;
    private double _cXY;

    private (int Bin, long Cumulative)[]? _cumulative;

    /// <summary>Number of observed norms.</summary>
    public long Count => _count;

    /// <summary>Dimension of the observed directions, or 0 when no direction was observed.</summary>
    public int Dimension => _directionSum?.Length ?? 0;

    /// <summary>Mean of ln(norm); 0 when empty.</summary>
    public double MeanLogNorm => _count == 0 ? 0 : _meanLog;

    /// <summary>Sample standard deviation of ln(norm); 0 with fewer than two observations.</summary>
    public double StdLogNorm => _count < 2 ? 0 : Math.Sqrt(Math.Max(0, _m2Log / (_count - 1)));

    /// <summary>Number of observations that carried a token count (those used by the length fit).</summary>
    public long LengthFitCount => _pairCount;

    /// <summary>
    /// Whether the length fit is usable: at least three observations with token counts and more than one
    /// distinct token count.
    /// </summary>
    public bool HasLengthFit => _pairCount >= 3 && _m2X > 1e-12;

    /// <summary>Slope of ln(norm) on ln(token count); 0 when <see cref="HasLengthFit"/> is false.</summary>
    public double LengthSlope => HasLengthFit ? _cXY / _m2X : 0;

    /// <summary>Intercept of ln(norm) on ln(token count); the mean log-norm when <see cref="HasLengthFit"/> is false.</summary>
    public double LengthIntercept => HasLengthFit ? _meanY - (LengthSlope * _meanX) : MeanLogNorm;

    /// <summary>Standard deviation of the residuals of the length fit (n − 2 degrees of freedom); 0 when unavailable.</summary>
    public double LengthResidualStd
    {
        get
        {
            if (!HasLengthFit)
            {
                return 0;
            }

            double sse = _m2Y - (_cXY * _cXY / _m2X);
            return Math.Sqrt(Math.Max(0, sse / (_pairCount - 2)));
        }
    }

    /// <summary>
    /// True when every norm is within 0.1% of 1: the embeddings were normalised before they reached
    /// the store, so norm-aware ranking has nothing to work with.
    /// </summary>
    public bool AllNormsNearOne => _count > 0 && Math.Abs(_meanLog) < 1e-3 && StdLogNorm < 1e-3 &&
        _histogram.Keys.All(b => Math.Abs((b + 0.5) * LogBinWidth) < 2e-3);

    /// <summary>Records one raw norm.</summary>
    /// <param name="norm">The raw norm; finite and strictly positive.</param>
    /// <param name="tokenCount">The number of tokens the encoder saw, when known.</param>
    /// <exception cref="ArgumentOutOfRangeException">The norm is not finite and positive, or the token count is below 1.</exception>
    public void Add(double norm, int? tokenCount = null) => Apply(norm, tokenCount, default, +1);

    /// <summary>Records one raw norm and the unit direction it belongs to (for the mean direction).</summary>
    /// <param name="norm">The raw norm; finite and strictly positive.</param>
    /// <param name="direction">The unit direction.</param>
    /// <param name="tokenCount">The number of tokens the encoder saw, when known.</param>
    /// <exception cref="ArgumentOutOfRangeException">The norm is not finite and positive, or the token count is below 1.</exception>
    /// <exception cref="InvalidVectorException">The direction's dimension differs from earlier ones.</exception>
    public void Add(double norm, ReadOnlySpan<float> direction, int? tokenCount = null) => Apply(norm, tokenCount, direction, +1);

    /// <summary>Removes an observation made earlier with the same arguments.</summary>
    /// <param name="norm">The raw norm that was added.</param>
    /// <param name="tokenCount">The token count that was added with it.</param>
    /// <exception cref="InvalidOperationException">Nothing is left to remove.</exception>
    public void Remove(double norm, int? tokenCount = null) => Apply(norm, tokenCount, default, -1);

    /// <summary>Removes an observation made earlier with the same arguments.</summary>
    /// <param name="norm">The raw norm that was added.</param>
    /// <param name="direction">The direction that was added with it.</param>
    /// <param name="tokenCount">The token count that was added with it.</param>
    /// <exception cref="InvalidOperationException">Nothing is left to remove.</exception>
    public void Remove(double norm, ReadOnlySpan<float> direction, int? tokenCount = null) => Apply(norm, tokenCount, direction, -1);

    /// <summary>
    /// Standardised log-norm: <c>z = (ln n − mean) / std</c> over the collection; 0 when the spread is zero.
    /// </summary>
    /// <param name="norm">A raw norm.</param>
    /// <returns>The z-score.</returns>
    public double ZScore(double norm)
    {
        double std = StdLogNorm;
        return std <= 0 || norm <= 0 ? 0 : (Math.Log(norm) - MeanLogNorm) / std;
    }

    /// <summary>
    /// Length-residualised z-score: <c>(ln n − (a + b·ln t)) / s</c> with the fitted intercept a, slope b
    /// and residual spread s. Falls back to <see cref="ZScore"/> when the fit or the token count is missing.
    /// </summary>
    /// <param name="norm">A raw norm.</param>
    /// <param name="tokenCount">The number of tokens the encoder saw.</param>
    /// <returns>The residual z-score.</returns>
    public double ResidualZScore(double norm, int? tokenCount)
    {
        double s = LengthResidualStd;
        if (tokenCount is not int t || t < 1 || s <= 0 || norm <= 0)
        {
            return ZScore(norm);
        }

        return (Math.Log(norm) - (LengthIntercept + (LengthSlope * Math.Log(t)))) / s;
    }

    /// <summary>The norm below which the fraction <paramref name="p"/> of observed norms lie.</summary>
    /// <param name="p">A fraction in [0, 1].</param>
    /// <returns>The norm at that percentile, or NaN when empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public double Percentile(double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
        if (_count == 0)
        {
            return double.NaN;
        }

        var cumulative = Cumulative();
        double target = p * _count;
        long before = 0;
        foreach (var (bin, cum) in cumulative)
        {
            if (cum >= target)
            {
                long inBin = cum - before;
                double frac = inBin == 0 ? 0 : Math.Clamp((target - before) / inBin, 0, 1);
                return Math.Exp((bin + frac) * LogBinWidth);
            }

            before = cum;
        }

        return Math.Exp((cumulative[^1].Bin + 1) * LogBinWidth);
    }

    /// <summary>
    /// The fraction of observed norms below <paramref name="norm"/> (linear within its histogram bin), in [0, 1].
    /// </summary>
    /// <param name="norm">A raw norm.</param>
    /// <returns>The percentile rank, or NaN when empty.</returns>
    public double PercentileRank(double norm)
    {
        if (_count == 0)
        {
            return double.NaN;
        }

        if (!(norm > 0))
        {
            return 0;
        }

        double position = Math.Log(norm) / LogBinWidth;
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

        return (double)below / _count;
    }

    /// <summary>
    /// The mean of the observed unit directions (not normalised), or an empty array when no direction was observed.
    /// </summary>
    /// <returns>A new array.</returns>
    public float[] MeanDirection()
    {
        if (_directionSum is null || _directionCount == 0)
        {
            return [];
        }

        var mean = new float[_directionSum.Length];
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = (float)(_directionSum[i] / _directionCount);
        }

        return mean;
    }

    /// <summary>Adds everything <paramref name="other"/> has observed to this instance.</summary>
    /// <param name="other">Statistics of disjoint observations (e.g. another shard).</param>
    /// <exception cref="InvalidVectorException">The two have observed directions of different dimensions.</exception>
    public void Merge(NormStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._directionSum is not null)
        {
            EnsureDimension(other._directionSum.Length);
            for (int i = 0; i < _directionSum!.Length; i++)
            {
                _directionSum[i] += other._directionSum[i];
            }

            _directionCount += other._directionCount;
        }

        (_count, _meanLog, _m2Log) = MergeMoments(_count, _meanLog, _m2Log, other._count, other._meanLog, other._m2Log);

        if (other._pairCount > 0)
        {
            long n = _pairCount + other._pairCount;
            double dx = other._meanX - _meanX;
            double dy = other._meanY - _meanY;
            double w = (double)_pairCount * other._pairCount / n;
            _cXY += other._cXY + (dx * dy * w);
            (_, _meanX, _m2X) = MergeMoments(_pairCount, _meanX, _m2X, other._pairCount, other._meanX, other._m2X);
            (_, _meanY, _m2Y) = MergeMoments(_pairCount, _meanY, _m2Y, other._pairCount, other._meanY, other._m2Y);
            _pairCount = n;
        }

        foreach (var (bin, c) in other._histogram)
        {
            _histogram[bin] = _histogram.GetValueOrDefault(bin) + c;
        }

        _cumulative = null;
    }

    /// <summary>Creates an independent copy.</summary>
    /// <returns>The copy.</returns>
    public NormStatistics Clone()
    {
        var copy = new NormStatistics();
        copy.Merge(this);
        return copy;
    }

    /// <summary>Serialises the statistics to JSON (a versioned, documented-by-name format).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("version", FormatVersion);
            w.WriteNumber("count", _count);
            w.WriteNumber("meanLogNorm", _meanLog);
            w.WriteNumber("m2LogNorm", _m2Log);
            w.WriteStartObject("lengthFit");
            w.WriteNumber("count", _pairCount);
            w.WriteNumber("meanLogTokens", _meanX);
            w.WriteNumber("meanLogNorm", _meanY);
            w.WriteNumber("m2LogTokens", _m2X);
            w.WriteNumber("m2LogNorm", _m2Y);
            w.WriteNumber("coMoment", _cXY);
            w.WriteEndObject();
            w.WriteNumber("logBinWidth", LogBinWidth);
            w.WriteStartObject("histogram");
            foreach (var (bin, c) in _histogram.OrderBy(kv => kv.Key))
            {
                w.WriteNumber(bin.ToString(CultureInfo.InvariantCulture), c);
            }

            w.WriteEndObject();
            w.WriteNumber("directionCount", _directionCount);
            w.WriteStartArray("directionSum");
            foreach (double v in _directionSum ?? [])
            {
                w.WriteNumberValue(v);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads statistics written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="FormatException">The text is not valid statistics JSON.</exception>
    public static NormStatistics FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version != FormatVersion)
            {
                throw new FormatException($"Unsupported norm statistics format version {version}.");
            }

            if (root.GetProperty("logBinWidth").GetDouble() != LogBinWidth)
            {
                throw new FormatException("The norm statistics were written with a different histogram bin width.");
            }

            var s = new NormStatistics
            {
                _count = root.GetProperty("count").GetInt64(),
                _meanLog = root.GetProperty("meanLogNorm").GetDouble(),
                _m2Log = root.GetProperty("m2LogNorm").GetDouble(),
            };
            var fit = root.GetProperty("lengthFit");
            s._pairCount = fit.GetProperty("count").GetInt64();
            s._meanX = fit.GetProperty("meanLogTokens").GetDouble();
            s._meanY = fit.GetProperty("meanLogNorm").GetDouble();
            s._m2X = fit.GetProperty("m2LogTokens").GetDouble();
            s._m2Y = fit.GetProperty("m2LogNorm").GetDouble();
            s._cXY = fit.GetProperty("coMoment").GetDouble();
            foreach (var p in root.GetProperty("histogram").EnumerateObject())
            {
                s._histogram[int.Parse(p.Name, NumberStyles.Integer, CultureInfo.InvariantCulture)] = p.Value.GetInt64();
            }

            s._directionCount = root.GetProperty("directionCount").GetInt64();
            var sum = root.GetProperty("directionSum");
            if (sum.GetArrayLength() > 0)
            {
                s._directionSum = [.. sum.EnumerateArray().Select(e => e.GetDouble())];
            }

            if (s._count < 0 || s._pairCount < 0 || s._pairCount > s._count || s._histogram.Values.Sum() != s._count)
            {
                throw new FormatException("The norm statistics are inconsistent (counts do not agree).");
            }

            return s;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"The text is not valid norm statistics JSON: {ex.Message}", ex);
        }
    }

    /// <summary>A one-line summary for logs.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"n={_count} mean(ln norm)={MeanLogNorm:F4} sd={StdLogNorm:F4} p50={Percentile50()} slope(ln norm~ln tokens)={LengthSlope:F3}");

    private string Percentile50() => _count == 0 ? "-" : Percentile(0.5).ToString("F4", CultureInfo.InvariantCulture);

    private void Apply(double norm, int? tokenCount, ReadOnlySpan<float> direction, int sign)
    {
        if (!double.IsFinite(norm) || norm <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(norm), norm, "A norm must be finite and strictly positive.");
        }

        if (tokenCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, "A token count must be at least 1.");
        }

        double y = Math.Log(norm);
        int bin = (int)Math.Floor(y / LogBinWidth);
        if (sign < 0)
        {
            if (_count == 0 || _histogram.GetValueOrDefault(bin) == 0 || (tokenCount is not null && _pairCount == 0))
            {
                throw new InvalidOperationException("Cannot remove an observation that was never added.");
            }
        }

        if (!direction.IsEmpty)
        {
            EnsureDimension(direction.Length);
            if (sign < 0 && _directionCount == 0)
            {
                throw new InvalidOperationException("Cannot remove a direction that was never added.");
            }

            for (int i = 0; i < direction.Length; i++)
            {
                _directionSum![i] += sign * direction[i];
            }

            _directionCount += sign;
        }

        (_count, _meanLog, _m2Log) = Step(_count, _meanLog, _m2Log, y, sign);

        if (tokenCount is int t)
        {
            double x = Math.Log(t);
            if (sign > 0)
            {
                _pairCount++;
                double dx = x - _meanX;
                double dy = y - _meanY;
                _meanX += dx / _pairCount;
                _meanY += dy / _pairCount;
                _m2X += dx * (x - _meanX);
                _m2Y += dy * (y - _meanY);
                _cXY += dx * (y - _meanY);
            }
            else if (_pairCount == 1)
            {
                _pairCount = 0;
                _meanX = _meanY = _m2X = _m2Y = _cXY = 0;
            }
            else
            {
                long n = _pairCount;
                double meanXBefore = ((n * _meanX) - x) / (n - 1);
                double meanYBefore = ((n * _meanY) - y) / (n - 1);
                _cXY -= (x - meanXBefore) * (y - _meanY);
                _m2X -= (x - meanXBefore) * (x - _meanX);
                _m2Y -= (y - meanYBefore) * (y - _meanY);
                _meanX = meanXBefore;
                _meanY = meanYBefore;
                _pairCount = n - 1;
            }
        }

        long updated = _histogram.GetValueOrDefault(bin) + sign;
        if (updated == 0)
        {
            _histogram.Remove(bin);
        }
        else
        {
            _histogram[bin] = updated;
        }

        _cumulative = null;
    }

    private static (long Count, double Mean, double M2) Step(long n, double mean, double m2, double x, int sign)
    {
        if (sign > 0)
        {
            n++;
            double delta = x - mean;
            mean += delta / n;
            m2 += delta * (x - mean);
            return (n, mean, m2);
        }

        if (n == 1)
        {
            return (0, 0, 0);
        }

        double before = ((n * mean) - x) / (n - 1);
        m2 -= (x - before) * (x - mean);
        return (n - 1, before, Math.Max(0, m2));
    }

    private static (long Count, double Mean, double M2) MergeMoments(long na, double ma, double m2a, long nb, double mb, double m2b)
    {
        if (nb == 0)
        {
            return (na, ma, m2a);
        }

        if (na == 0)
        {
            return (nb, mb, m2b);
        }

        long n = na + nb;
        double delta = mb - ma;
        return (n, ma + (delta * nb / n), m2a + m2b + (delta * delta * na * nb / n));
    }

    private void EnsureDimension(int dimension)
    {
        if (_directionSum is null)
        {
            _directionSum = new double[dimension];
        }
        else if (_directionSum.Length != dimension)
        {
            throw new InvalidVectorException(
                VectorProblem.DimensionMismatch,
                $"The direction has {dimension} components but earlier ones had {_directionSum.Length}.")
            {
                ExpectedDimension = _directionSum.Length,
                ActualDimension = dimension,
            };
        }
    }

    private (int Bin, long Cumulative)[] Cumulative()
    {
        if (_cumulative is null)
        {
            long run = 0;
            _cumulative = [.. _histogram.OrderBy(kv => kv.Key).Select(kv => (kv.Key, run += kv.Value))];
        }

        return _cumulative;
    }
}
