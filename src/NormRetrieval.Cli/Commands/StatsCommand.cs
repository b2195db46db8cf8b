using System.Globalization;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.SemanticKernel;
using Spectre.Console.Cli;

namespace NormRetrieval.Cli.Commands;

/// <summary><c>normretrieval stats --store DIR|garnet:HOST:PORT,... --collection NAME [--json]</c>: size, engine and norm statistics.</summary>
internal sealed class StatsCommand(CliOutput output) : AsyncCommand<StoreSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        using var store = await CliStore.OpenAsync(settings.Store!, output, readOnly: true).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(settings.Collection!).ConfigureAwait(false);
        var collection = store.Collection(settings.Collection!, manifest.Dimension);
        long count = await collection.CountAsync(cancellationToken).ConfigureAwait(false);
        var s = await collection.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
        NormRetrieval.Calibration.PolicyCalibration? calibration = null;
        string? calibrationDamage = null;
        try
        {
            calibration = await collection.GetCalibrationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Microsoft.Extensions.VectorData.VectorStoreException ex) when (ex.OperationName is "ReadCalibration" or "GetCalibration")
        {
            // stats reports the damage; a search refuses to rank by it.
            calibrationDamage = ex.Message;
        }

        var report = new
        {
            collection = settings.Collection,
            count,
            dimension = manifest.Dimension,
            model = manifest.Model,
            engine = await collection.DescribeAsync(cancellationToken).ConfigureAwait(false),
            degenerate = s.AllNormsNearOne,
            norms = new
            {
                meanLogNorm = s.MeanLogNorm,
                stdLogNorm = s.StdLogNorm,
                p05 = s.Percentile(0.05),
                p50 = s.Percentile(0.5),
                p95 = s.Percentile(0.95),
                lengthSlope = s.LengthSlope,
                lengthIntercept = s.LengthIntercept,
                lengthResidualStd = s.LengthResidualStd,
            },
            ranking = calibration?.Policy ?? (calibrationDamage is null ? "cosine" : null),
            calibration,
            calibrationDamage,
        };
        if (settings.Json)
        {
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(report, NormRetrieval.Serialization.StrictJson.Options(camelCase: true))).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await output.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            collection {report.collection}: {count} records, dimension {report.dimension}, model {report.model}, engine {report.engine}
            norms: median {report.norms.p50:F3} (5% {report.norms.p05:F3}, 95% {report.norms.p95:F3}); ln-norm mean {s.MeanLogNorm:F4} sd {s.StdLogNorm:F4}
            length fit: ln norm = {s.LengthIntercept:F3} {(s.LengthSlope < 0 ? "-" : "+")} {Math.Abs(s.LengthSlope):F3} ln tokens (residual sd {s.LengthResidualStd:F4})
            degenerate (all norms ≈ 1): {(report.degenerate ? "yes — norm-aware ranking has no signal" : "no")}
            ranking: {RankingLine(calibration, calibrationDamage, count)}
            """)).ConfigureAwait(false);
        if (calibration is not null)
        {
            await output.Out.WriteLineAsync("  why: " + calibration.Reason).ConfigureAwait(false);
            if (calibration.Abstention is { } a)
            {
                await output.Out.WriteLineAsync("  when to answer: " + a.Summary()).ConfigureAwait(false);
            }
        }

        return ExitCodes.Success;
    }

    private static string RankingLine(NormRetrieval.Calibration.PolicyCalibration? calibration, string? damage, long count) =>
        damage is not null ? "DAMAGED calibration — " + damage
        : calibration is null ? "cosine (not calibrated: normretrieval calibrate --judged DIR chooses a policy from judged queries)"
        : "calibrated " + calibration.Summary() + (calibration.Records != count
            ? string.Create(CultureInfo.InvariantCulture, $"; calibrated on {calibration.Records} records, {count} now")
            : string.Empty);
}
