using System.Globalization;
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

    // ln(norm) over every observation; the length fit over those that carry a token count.
    private RunningMoments _logNorm;
    private LengthFit _lengthFit;

    internal LogHistogram Histogram { get; } = new();

    internal DirectionSum Directions { get; } = new();

    internal ref RunningMoments LogNorm => ref _logNorm;

    internal ref LengthFit Fit => ref _lengthFit;

    /// <summary>Number of observed norms.</summary>
    public long Count => _logNorm.Count;

    /// <summary>Dimension of the observed directions, or 0 when no direction was observed.</summary>
    public int Dimension => Directions.Dimension;

    /// <summary>Mean of ln(norm); 0 when empty.</summary>
    public double MeanLogNorm => _logNorm.Count == 0 ? 0 : _logNorm.Mean;

    /// <summary>Sample standard deviation of ln(norm); 0 with fewer than two observations.</summary>
    public double StdLogNorm => Math.Sqrt(_logNorm.Variance);

    /// <summary>Number of observations that carried a token count (those used by the length fit).</summary>
    public long LengthFitCount => _lengthFit.Count;

    /// <summary>
    /// Whether the length fit is usable: at least three observations with token counts and more than one
    /// distinct token count.
    /// </summary>
    public bool HasLengthFit => _lengthFit.IsUsable;

    /// <summary>Slope of ln(norm) on ln(token count); 0 when <see cref="HasLengthFit"/> is false.</summary>
    public double LengthSlope => _lengthFit.Slope;

    /// <summary>Intercept of ln(norm) on ln(token count); the mean log-norm when <see cref="HasLengthFit"/> is false.</summary>
    public double LengthIntercept => _lengthFit.Intercept(MeanLogNorm);

    /// <summary>Standard deviation of the residuals of the length fit (n − 2 degrees of freedom); 0 when unavailable.</summary>
    public double LengthResidualStd => _lengthFit.ResidualStd;

    /// <summary>
    /// True when every norm is within 0.1% of 1: the embeddings were normalised before they reached
    /// the store, so norm-aware ranking has nothing to work with.
    /// </summary>
    public bool AllNormsNearOne => Count > 0 && Math.Abs(_logNorm.Mean) < 1e-3 && StdLogNorm < 1e-3 &&
        Histogram.Bins.Keys.All(b => Math.Abs((b + 0.5) * LogBinWidth) < 2e-3);

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

    /// <summary>
    /// The z-score of a text's log token count among the recorded ones: what a length-only baseline ranks by in place
    /// of the norm (0 when the count is unknown or the recorded lengths do not vary).
    /// </summary>
    /// <param name="tokenCount">The number of tokens the encoder saw.</param>
    /// <returns>The length z-score.</returns>
    public double LengthZScore(int? tokenCount)
    {
        double sd = _lengthFit.Count > 1 ? Math.Sqrt(_lengthFit.M2X / (_lengthFit.Count - 1)) : 0;
        return tokenCount is int t && t >= 1 && sd > 1e-12 ? (Math.Log(t) - _lengthFit.MeanX) / sd : 0;
    }

    /// <summary>The norm below which the fraction <paramref name="p"/> of observed norms lie.</summary>
    /// <param name="p">A fraction in [0, 1].</param>
    /// <returns>The norm at that percentile, or NaN when empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public double Percentile(double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
        return Count == 0 ? double.NaN : Histogram.Percentile(p, Count);
    }

    /// <summary>
    /// The fraction of observed norms below <paramref name="norm"/> (linear within its histogram bin), in [0, 1].
    /// </summary>
    /// <param name="norm">A raw norm.</param>
    /// <returns>The percentile rank, or NaN when empty.</returns>
    public double PercentileRank(double norm) =>
        Count == 0 ? double.NaN : !(norm > 0) ? 0 : (double)Histogram.CountBelow(norm) / Count;

    /// <summary>
    /// The mean of the observed unit directions (not normalised), or an empty array when no direction was observed.
    /// </summary>
    /// <returns>A new array.</returns>
    public float[] MeanDirection() => Directions.Mean();

    /// <summary>Adds everything <paramref name="other"/> has observed to this instance.</summary>
    /// <param name="other">Statistics of disjoint observations (e.g. another shard).</param>
    /// <exception cref="InvalidVectorException">The two have observed directions of different dimensions.</exception>
    public void Merge(NormStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Directions.Merge(other.Directions);
        _logNorm.Merge(other._logNorm);
        _lengthFit.Merge(other._lengthFit);
        Histogram.Merge(other.Histogram);
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
    public string ToJson() => NormStatisticsJson.Write(this);

    /// <summary>Reads statistics written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="FormatException">The text is not valid statistics JSON.</exception>
    public static NormStatistics FromJson(string json) => NormStatisticsJson.Read(json);

    /// <summary>A one-line summary for logs.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"n={Count} mean(ln norm)={MeanLogNorm:F4} sd={StdLogNorm:F4} p50={Percentile50()} slope(ln norm~ln tokens)={LengthSlope:F3}");

    private string Percentile50() => Count == 0 ? "-" : Percentile(0.5).ToString("F4", CultureInfo.InvariantCulture);

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
        int bin = LogHistogram.BinOf(y);
        if (sign < 0 && (Count == 0 || Histogram[bin] == 0 || (tokenCount is not null && _lengthFit.Count == 0)))
        {
            throw new InvalidOperationException("Cannot remove an observation that was never added.");
        }

        if (!direction.IsEmpty)
        {
            Directions.Change(direction, sign);
        }

        if (sign > 0)
        {
            _logNorm.Add(y);
        }
        else
        {
            _logNorm.Remove(y);
        }

        if (tokenCount is int t)
        {
            if (sign > 0)
            {
                _lengthFit.Add(Math.Log(t), y);
            }
            else
            {
                _lengthFit.Remove(Math.Log(t), y);
            }
        }

        Histogram.Change(bin, sign);
    }
}
