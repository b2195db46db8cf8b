using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace NormRetrieval.Experiments.Dynamics;

/// <summary>Writes the dynamics lab's results: <c>dynamics.json</c>, <c>dynamics.md</c> and three plots.</summary>
public static class DynamicsReport
{
    /// <summary>Writes the report of a lab (the first run is the paper's setting the plots of a single run show).</summary>
    /// <param name="results">The runs.</param>
    /// <param name="directory">The output folder (created).</param>
    /// <param name="command">The command that produced the runs, for the report.</param>
    public static void Write(IReadOnlyList<DynamicsResult> results, string directory, string command)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (results.Count == 0)
        {
            throw new ArgumentException("No runs to report.", nameof(results));
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "dynamics.json"), JsonSerializer.Serialize(results, NormRetrieval.Serialization.StrictJson.Options()));
        var first = results[0];

        var identity = new Plot();
        foreach (var r in results.Take(3))
        {
            var points = identity.Add.ScatterPoints(r.Concepts.Select(c => c.PredictedNorm).ToArray(), r.Concepts.Select(c => c.Norm).ToArray());
            points.LegendText = r.Options.Name;
        }

        double top = results.Take(3).SelectMany(r => r.Concepts).Max(c => Math.Max(c.Norm, c.PredictedNorm));
        var diagonal = identity.Add.Line(0, 0, top, top);
        diagonal.LegendText = "‖z_T‖ = predicted";
        identity.Title("Final norm vs √(‖z₀‖² + η² Σ‖∇L‖²)");
        identity.XLabel("predicted by the identity");
        identity.YLabel("measured ‖z_T‖");
        identity.ShowLegend();
        identity.SavePng(Path.Combine(directory, "identity.png"), 800, 500);

        var growth = new Plot();
        foreach (var r in results)
        {
            var line = growth.Add.Scatter(
                Enumerable.Range(0, r.MeanNormByStep.Count).Select(i => (double)(i * r.TraceEvery)).ToArray(),
                r.MeanNormByStep.Select(x => Math.Log10(x)).ToArray());
            line.LegendText = r.Options.Name;
            line.MarkerSize = 0;
        }

        growth.Title("Mean norm during training");
        growth.XLabel("step");
        growth.YLabel("log10 mean ‖z‖");
        growth.ShowLegend();
        growth.SavePng(Path.Combine(directory, "norm-growth.png"), 800, 500);

        var frequency = new Plot();
        foreach (var depth in first.Concepts.GroupBy(c => c.Depth).OrderBy(g => g.Key))
        {
            var points = frequency.Add.ScatterPoints(depth.Select(c => Math.Log10(c.Frequency)).ToArray(), depth.Select(c => c.Norm).ToArray());
            points.LegendText = "depth " + depth.Key.ToString(CultureInfo.InvariantCulture);
        }

        frequency.Title($"Final norm vs anchor frequency ({first.Options.Name})");
        frequency.XLabel("log10 frequency");
        frequency.YLabel("‖z_T‖");
        frequency.ShowLegend();
        frequency.SavePng(Path.Combine(directory, "norm-vs-frequency.png"), 800, 500);

        File.WriteAllText(Path.Combine(directory, "dynamics.md"), Markdown(results, command));
    }

    /// <summary>The report's text.</summary>
    /// <param name="results">The runs.</param>
    /// <param name="command">The command that produced them.</param>
    /// <returns>Markdown.</returns>
    public static string Markdown(IReadOnlyList<DynamicsResult> results, string command)
    {
        ArgumentNullException.ThrowIfNull(results);
        var ci = CultureInfo.InvariantCulture;
        var o = results[0].Options;
        int concepts = results[0].Concepts.Count;
        var md = new StringBuilder();
        md.AppendLine("# Norm dynamics under a scale-invariant contrastive loss");
        md.AppendLine();
        md.AppendLine(ci, $"`{command}`");
        md.AppendLine();
        md.AppendLine(ci, $"Free {o.Dimension}-dimensional embeddings of the {concepts} concepts of a tree (branching {o.Branching}, depth {o.Depth}); anchors drawn with Zipfian frequencies (s = {o.ZipfExponent}, ranks shuffled over the concepts, so frequency and depth are independent); each anchor's positive is its parent or one of its children; InfoNCE with in-batch negatives (batch {o.Batch}, τ = {o.Temperature}), {o.Steps} steps, seed {o.Seed}, double precision.");
        md.AppendLine();
        md.AppendLine("For a loss of cosines the gradient of each embedding is orthogonal to it, so plain SGD gives ‖z_{t+1}‖² = ‖z_t‖² + η²‖∇L‖²: the norm only grows, by the accumulated squared gradient. *Identity error* is max over concepts of |‖z_T‖² − (‖z₀‖² + η² Σ_t ‖∇L_t‖²)| / ‖z_T‖²; *per step* the same for one step; |cos(z, ∇L)| measures the orthogonality.");
        md.AppendLine();
        md.AppendLine("| run | identity error | per step | max \\|cos(z, ∇L)\\| | norm decreases | loss first → last | mean norm z₀ → z_T | ρ(norm, log freq) | ρ(norm, depth) | partial ρ freq \\| depth | partial ρ depth \\| freq | mean norm by depth |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            md.AppendLine(ci, $"| {r.Options.Name} | {r.MaxRelativeError:E1} | {r.MaxStepRelativeError:E1} | {r.MaxCosineToGradient:E1} | {r.NormDecreases} / {r.Updates} | {r.FirstLoss:F3} → {r.LastLoss:F3} | {r.MeanNormByStep[0]:F3} → {r.MeanNormByStep[^1]:F3} | {Signed(r.SpearmanFrequency)} | {Signed(r.SpearmanDepth)} | {Signed(r.PartialFrequency)} | {Signed(r.PartialDepth)} | {string.Join(" / ", r.MeanNormByDepth.Select(x => x.ToString("F3", ci)))} |");
        }

        md.AppendLine();
        md.AppendLine("![identity](identity.png) ![growth](norm-growth.png) ![frequency](norm-vs-frequency.png)");
        return md.ToString();
    }

    private static string Signed(double value) => double.IsFinite(value) ? value.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "—";
}
