using System.Diagnostics;
using System.Globalization;

namespace NormRetrieval.Cli.Infrastructure;

/// <summary>Writes a progress line to standard error at most every two seconds, and a final one.</summary>
internal sealed class ProgressReporter(TextWriter error, string label, long? total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;

    public void Report(long done, bool final = false)
    {
        var now = _clock.Elapsed;
        if (!final && now - _last < TimeSpan.FromSeconds(2))
        {
            return;
        }

        _last = now;
        double rate = done / Math.Max(now.TotalSeconds, 1e-9);
        string of = total is long t ? string.Create(CultureInfo.InvariantCulture, $"/{t} ({100.0 * done / Math.Max(t, 1):F0}%)") : string.Empty;
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {done}{of}, {rate:F0}/s, {now.TotalSeconds:F1}s"));
    }
}
