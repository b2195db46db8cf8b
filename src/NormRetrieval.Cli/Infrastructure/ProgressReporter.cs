using System.Diagnostics;
using System.Globalization;

namespace NormRetrieval.Cli.Infrastructure;

/// <summary>
/// Progress on standard error about once a second, with the rate and, when the total is known, the share
/// done and the time left: on a terminal one bar redrawn in place, in a pipe or a log plain lines.
/// </summary>
internal sealed class ProgressReporter(CliOutput output, string label, long? total)
{
    private const int BarWidth = 30;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;
    private bool _drawn;

    /// <summary>Reports how much is done; lines are written at most once per interval, and always for the final report.</summary>
    public void Report(long done, bool final = false)
    {
        var now = _clock.Elapsed;
        if (!final && now - _last < Interval)
        {
            return;
        }

        _last = now;
        double rate = done / Math.Max(now.TotalSeconds, 1e-9);
        string line = Describe(done, rate, now);
        if (output.ErrorIsTerminal)
        {
            output.Error.Write("\r" + line + "\u001b[K");
            _drawn = true;
            if (final)
            {
                output.Error.WriteLine();
                _drawn = false;
            }
        }
        else
        {
            output.Error.WriteLine(line);
        }
    }

    /// <summary>Ends a bar left on the line (when the work stopped before its final report).</summary>
    public void Finish()
    {
        if (_drawn)
        {
            output.Error.WriteLine();
            _drawn = false;
        }
    }

    private string Describe(long done, double rate, TimeSpan elapsed)
    {
        var ci = CultureInfo.InvariantCulture;
        if (total is not long t || t <= 0)
        {
            return string.Create(ci, $"{label}: {done} done, {rate:F0}/s, {Clock(elapsed)} elapsed");
        }

        double share = Math.Clamp((double)done / t, 0, 1);
        string eta = rate > 0 && done < t ? Clock(TimeSpan.FromSeconds((t - done) / rate)) : "0:00";
        string text = string.Create(ci, $"{done}/{t} ({share:P0}), {rate:F0}/s, {Clock(elapsed)} elapsed, ETA {eta}");
        if (!output.ErrorIsTerminal)
        {
            return $"{label}: {text}";
        }

        int filled = (int)Math.Round(share * BarWidth);
        return $"{label} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {text}";
    }

    private static string Clock(TimeSpan span) => span.TotalHours >= 1
        ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
