using System.Globalization;
using System.Text.Json;

namespace NormRetrieval.Statistics;

/// <summary>The versioned JSON form of <see cref="NormStatistics"/>: every sufficient statistic by name.</summary>
internal static class NormStatisticsJson
{
    private const int FormatVersion = 1;

    public static string Write(NormStatistics statistics)
    {
        ref var moments = ref statistics.LogNorm;
        ref var fit = ref statistics.Fit;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("version", FormatVersion);
            w.WriteNumber("count", moments.Count);
            w.WriteNumber("meanLogNorm", moments.Mean);
            w.WriteNumber("m2LogNorm", moments.M2);
            w.WriteStartObject("lengthFit");
            w.WriteNumber("count", fit.Count);
            w.WriteNumber("meanLogTokens", fit.MeanX);
            w.WriteNumber("meanLogNorm", fit.MeanY);
            w.WriteNumber("m2LogTokens", fit.M2X);
            w.WriteNumber("m2LogNorm", fit.M2Y);
            w.WriteNumber("coMoment", fit.CoMoment);
            w.WriteEndObject();
            w.WriteNumber("logBinWidth", NormStatistics.LogBinWidth);
            w.WriteStartObject("histogram");
            foreach (var (bin, c) in statistics.Histogram.Bins.OrderBy(kv => kv.Key))
            {
                w.WriteNumber(bin.ToString(CultureInfo.InvariantCulture), c);
            }

            w.WriteEndObject();
            w.WriteNumber("directionCount", statistics.Directions.Count);
            w.WriteStartArray("directionSum");
            foreach (double v in statistics.Directions.Sum ?? [])
            {
                w.WriteNumberValue(v);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static NormStatistics Read(string json)
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

            if (root.GetProperty("logBinWidth").GetDouble() != NormStatistics.LogBinWidth)
            {
                throw new FormatException("The norm statistics were written with a different histogram bin width.");
            }

            var s = new NormStatistics();
            s.LogNorm = new RunningMoments
            {
                Count = root.GetProperty("count").GetInt64(),
                Mean = root.GetProperty("meanLogNorm").GetDouble(),
                M2 = root.GetProperty("m2LogNorm").GetDouble(),
            };
            var fit = root.GetProperty("lengthFit");
            s.Fit = new LengthFit
            {
                Count = fit.GetProperty("count").GetInt64(),
                MeanX = fit.GetProperty("meanLogTokens").GetDouble(),
                MeanY = fit.GetProperty("meanLogNorm").GetDouble(),
                M2X = fit.GetProperty("m2LogTokens").GetDouble(),
                M2Y = fit.GetProperty("m2LogNorm").GetDouble(),
                CoMoment = fit.GetProperty("coMoment").GetDouble(),
            };
            foreach (var p in root.GetProperty("histogram").EnumerateObject())
            {
                s.Histogram.Change(int.Parse(p.Name, NumberStyles.Integer, CultureInfo.InvariantCulture), p.Value.GetInt64());
            }

            s.Directions.Count = root.GetProperty("directionCount").GetInt64();
            var sum = root.GetProperty("directionSum");
            if (sum.GetArrayLength() > 0)
            {
                s.Directions.Sum = [.. sum.EnumerateArray().Select(e => e.GetDouble())];
            }

            if (s.Count < 0 || s.LengthFitCount < 0 || s.LengthFitCount > s.Count || s.Histogram.Total != s.Count)
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
}
