using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NormRetrieval.Benchmarks;

/// <summary>Per-call latencies (after a warm-up of up to 20 calls), their percentiles and report rows against a same-run baseline.</summary>
internal static class Latency
{
    public static double[] Times(int n, Action<int> action)
    {
        for (int i = 0; i < Math.Min(20, n); i++)
        {
            action(i);
        }

        var times = new double[n];
        for (int i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            action(i);
            times[i] = sw.Elapsed.TotalMilliseconds;
        }

        return times;
    }

    public static async Task<double[]> TimesAsync(int n, Func<int, Task> action)
    {
        for (int i = 0; i < Math.Min(20, n); i++)
        {
            await action(i);
        }

        var times = new double[n];
        for (int i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            await action(i);
            times[i] = sw.Elapsed.TotalMilliseconds;
        }

        return times;
    }

    public static void AddRow(StringBuilder report, string name, double[] times, double[] baseline) =>
        report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Percentile(times, 0.5):F3} | {Percentile(times, 0.95):F3} | {Percentile(times, 0.5) / Percentile(baseline, 0.5):F2}× |");

    public static double Percentile(double[] values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[(int)Math.Round(p * (sorted.Length - 1))];
    }

}
