using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace NormRetrieval.Experiments;

/// <summary>Writes an experiment's <c>results.json</c>, <c>report.md</c> and PNG plots to a folder.</summary>
public static class ExperimentReport
{
    private static readonly JsonSerializerOptions Json = NormRetrieval.Serialization.StrictJson.Options();

    /// <summary>Writes the files.</summary>
    /// <param name="outcome">The experiment's outcome.</param>
    /// <param name="directory">The output folder (created).</param>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(ExperimentOutcome outcome, string directory)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var r = outcome.Result;
        var written = new List<string>();
        string Save(string name, string content)
        {
            string path = Path.Combine(directory, name);
            File.WriteAllText(path, content);
            written.Add(path);
            return path;
        }

        Save("results.json", JsonSerializer.Serialize(r, Json));
        var plots = new List<(string File, string Title)>
        {
            (Histograms(directory, "norms.png", $"Raw norms ({r.Model}, {r.Dataset})", ("documents", outcome.DocumentNorms), ("queries", outcome.QueryNorms)), "Norms of documents and queries"),
            (Histograms(directory, "relevant-norms.png", "Norms of cosine top-10 documents", ("judged relevant", outcome.RelevantNorms), ("other", outcome.OtherNorms)), "Relevant vs non-relevant retrieved documents"),
        };
        var best = r.Policies.Skip(1).OrderByDescending(p => p.Ndcg10).FirstOrDefault();
        if (best is not null)
        {
            var cosine = r.Policies[0];
            double[] gain = [.. best.PerQueryNdcg.Zip(cosine.PerQueryNdcg, (a, b) => a - b)];
            plots.Add((Scatter(directory, "gain-vs-query-norm.png", $"Per-query nDCG@10 gain of {best.Policy} (out of fold) vs query norm", [.. outcome.QueryNorms], gain), "Per-query gain vs query norm"));
        }

        foreach (var p in r.Policies.Skip(1))
        {
            plots.Add((Curve(directory, p), $"nDCG@10 vs parameters: {p.Policy}"));
        }

        if (r.Confidence.RiskCoverage.Count > 0)
        {
            plots.Add((RiskCoverage(directory, r), "Risk–coverage of the confidence signals"));
        }

        written.AddRange(plots.Select(p => Path.Combine(directory, p.File)));
        Save("report.md", Markdown(r, plots));
        return written;
    }

    /// <summary>
    /// A signed number with a fixed number of decimals: <c>+0.0032</c>, <c>-0.0112</c>, and <c>+0.0000</c> for anything that
    /// rounds to zero (a custom format's negative section would print a negative value that rounds to zero as "-+0.0000").
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="decimals">Decimals (default 4).</param>
    /// <returns>The text.</returns>
    public static string Signed(double value, int decimals = 4)
    {
        double rounded = Math.Round(value, decimals);
        string digits = new('0', decimals);
        return (rounded == 0 ? 0.0 : rounded).ToString($"+0.{digits};-0.{digits}", CultureInfo.InvariantCulture);
    }

    /// <summary>The report as Markdown.</summary>
    internal static string Markdown(ExperimentResult r, IReadOnlyList<(string File, string Title)> plots)
    {
        var md = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine(ci, $"# {r.Dataset} with {r.Model}");
        md.AppendLine();
        md.AppendLine(ci, $"{r.Queries.Count} judged queries of split `{r.Split}`, {r.Documents} documents, first stage {r.Engine} (exact cosine), top {r.Candidates} candidates reranked; parameters chosen by {(r.Calibration == "dev" ? "the dev split" : $"{r.Calibration[3..]}-fold cross-validation over queries, repeated with other fold assignments (each query's out-of-fold metrics averaged over the repeats) — every score below is out of fold")}. Runtime {r.Seconds:F1} s.");
        md.AppendLine();
        md.AppendLine("| policy | nDCG@10 | Δ vs cosine [95% CI] | p | Δ of each CV repeat | Recall@100 | MRR@10 | MAP | chosen |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var p in r.Policies)
        {
            string delta = p.Policy == "cosine" ? "—" : string.Create(ci, $"{Signed(p.DeltaNdcg10)} [{Signed(p.DeltaLower)}, {Signed(p.DeltaUpper)}]");
            string pValue = p.Policy == "cosine" ? "—" : p.PValue.ToString("F3", ci);
            string chosen = p.Chosen.Count == 0 ? "—" : string.Join(", ", p.Chosen.GroupBy(c => c).Select(g => g.Count() > 1 ? $"{g.Key} ×{g.Count()}" : g.Key));
            string repeats = p.RepeatDeltas.Count == 0 ? "—" : string.Join(" ", p.RepeatDeltas.Select(d => Signed(d)));
            md.AppendLine(ci, $"| {p.Policy} | {p.Ndcg10:F4} | {delta} | {pValue} | {repeats} | {p.Recall100:F4} | {p.Mrr10:F4} | {p.Map:F4} | {chosen} |");
        }

        md.AppendLine();
        var significant = r.Policies.Skip(1).Where(p => p.PValue < 0.05).ToList();
        md.AppendLine(significant.Count == 0
            ? "No norm-aware policy differs from cosine at p < 0.05 on this collection."
            : "Different from cosine at p < 0.05: " + string.Join(", ", significant.Select(p => string.Create(ci, $"{p.Policy} ({Signed(p.DeltaNdcg10)})"))) + ".");
        foreach (var family in r.Policies.Where(p => !p.Policy.Contains(',', StringComparison.Ordinal) && p.Policy != "cosine"))
        {
            var residual = r.Policies.FirstOrDefault(p => p.Policy == family.Policy + ",residual");
            var length = r.Policies.FirstOrDefault(p => p.Policy == family.Policy + ",length");
            if (residual is not null && length is not null)
            {
                md.AppendLine(ci, $"How much is length — {family.Policy}: norm {Signed(family.DeltaNdcg10)} (p {family.PValue:F3}), length-residualised norm {Signed(residual.DeltaNdcg10)} (p {residual.PValue:F3}), log token count alone {Signed(length.DeltaNdcg10)} (p {length.PValue:F3}).");
            }
        }

        md.AppendLine("Recall@100 cannot change: the policies reorder the same 100 cosine candidates.");
        md.AppendLine();
        if (r.Stages.Count > 0)
        {
            md.AppendLine(ci, $"First stages (hybrid = {r.Fusion} over the top {r.Candidates} of BM25 and of dense; hybrid+norm: a norm policy on the hybrid list, family and parameters chosen out of fold):");
            md.AppendLine();
            md.AppendLine("| stage | nDCG@10 | Δ [95% CI] | against | p | Recall@100 | MRR@10 | MAP |");
            md.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var p in r.Stages)
            {
                bool self = p.Policy == p.Baseline;
                string delta = self ? "—" : string.Create(ci, $"{Signed(p.DeltaNdcg10)} [{Signed(p.DeltaLower)}, {Signed(p.DeltaUpper)}]");
                md.AppendLine(ci, $"| {p.Policy} | {p.Ndcg10:F4} | {delta} | {(self ? "—" : p.Baseline)} | {(self ? "—" : p.PValue.ToString("F3", ci))} | {p.Recall100:F4} | {p.Mrr10:F4} | {p.Map:F4} |");
            }

            md.AppendLine();
        }

        md.AppendLine(ci, $"Norms: documents ln-norm mean {r.Norms.DocumentMeanLogNorm:F4} (sd {r.Norms.DocumentStdLogNorm:F4}, median norm {r.Norms.DocumentMedianNorm:F3}); slope of ln-norm on ln-tokens {Signed(r.Norms.LengthSlope, 3)}; queries ln-norm mean {r.Norms.QueryMeanLogNorm:F4} (sd {r.Norms.QueryStdLogNorm:F4}).");
        md.AppendLine();
        var c = r.Confidence;
        md.AppendLine(ci, $"Query confidence vs per-query cosine nDCG@10: Spearman ρ {Signed(c.ValueSpearman, 3)}, Kendall τ-b {Signed(c.ValueKendall, 3)} (top cosine alone ρ {Signed(c.TopCosineSpearman, 3)}, gap alone ρ {Signed(c.GapSpearman, 3)}, query norm alone ρ {Signed(c.QueryNormSpearman, 3)}).");
        md.AppendLine();
        if (c.Abstention is { } a)
        {
            md.AppendLine(ci, $"When to answer (is the cosine top result relevant?): risk–coverage area {string.Join(", ", a.Signals.Select(x => string.Create(ci, $"{x.Signal} {x.Aurc:F3}")))} (lower is better). Threshold for top-result precision {a.TargetPrecision:F2}: {a.Summary()}.");
            md.AppendLine();
        }

        foreach (var (file, title) in plots)
        {
            md.AppendLine(ci, $"![{title}]({file})");
            md.AppendLine();
        }

        return md.ToString();
    }

    private static string RiskCoverage(string directory, ExperimentResult r)
    {
        const string File = "risk-coverage.png";
        var plot = new Plot();
        foreach (var (signal, risks) in r.Confidence.RiskCoverage)
        {
            var line = plot.Add.Scatter(Enumerable.Range(1, risks.Count).Select(i => i / (double)risks.Count).ToArray(), risks.ToArray());
            line.LegendText = signal;
        }

        plot.Title($"Risk–coverage: is the cosine top result relevant? ({r.Model}, {r.Dataset})");
        plot.XLabel("coverage (share of queries answered, most confident first)");
        plot.YLabel("risk (top result not relevant)");
        plot.ShowLegend();
        plot.SavePng(Path.Combine(directory, File), 800, 500);
        return File;
    }

    private static string Histograms(string directory, string file, string title, params (string Label, IReadOnlyList<double> Values)[] series)
    {
        var plot = new Plot();
        var all = series.SelectMany(s => s.Values).ToArray();
        double min = all.Length == 0 ? 0 : all.Min(), max = all.Length == 0 ? 1 : all.Max();
        if (max <= min)
        {
            max = min + 1;
        }

        foreach (var (label, values) in series)
        {
            var hist = ScottPlot.Statistics.Histogram.WithBinCount(40, min, max);
            hist.AddRange(values);
            double total = Math.Max(1, values.Count);
            var bars = plot.Add.Bars(hist.Bins, [.. hist.Counts.Select(v => v / total)]);
            bars.LegendText = label;
            foreach (var bar in bars.Bars)
            {
                bar.Size = (max - min) / 40;
            }
        }

        plot.Title(title);
        plot.XLabel("raw norm");
        plot.YLabel("share");
        plot.ShowLegend();
        string path = Path.Combine(directory, file);
        plot.SavePng(path, 800, 450);
        return file;
    }

    private static string Scatter(string directory, string file, string title, double[] x, double[] y)
    {
        var plot = new Plot();
        var scatter = plot.Add.ScatterPoints(x, y);
        scatter.MarkerSize = 5;
        plot.Add.HorizontalLine(0);
        plot.Title(title);
        plot.XLabel("query norm");
        plot.YLabel("Δ nDCG@10");
        plot.SavePng(Path.Combine(directory, file), 800, 450);
        return file;
    }

    private static string Curve(string directory, PolicyResult p)
    {
        var plot = new Plot();

        // Group by everything but the first parameter (gated: one line per β), x = the first parameter.
        var points = p.Curve.Select(c => (c.Policy, Parameters: Parameters(c.Policy), c.Ndcg10)).Where(c => c.Parameters.Length > 0).ToList();
        foreach (var group in points.GroupBy(c => string.Join(",", c.Parameters.Skip(1).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))))
        {
            var sorted = group.OrderBy(c => c.Parameters[0]).ToList();
            var line = plot.Add.Scatter(sorted.Select(c => c.Parameters[0]).ToArray(), sorted.Select(c => c.Ndcg10).ToArray());
            line.LegendText = group.Key.Length == 0 ? p.Policy : "β = " + group.Key;
        }

        plot.Title($"{p.Policy}: mean nDCG@10 on all queries (in sample)");
        plot.XLabel("first parameter (λ, α or λ0)");
        plot.YLabel("nDCG@10");
        plot.ShowLegend();
        string file = "curve-" + p.Policy.Replace(',', '-') + ".png";
        plot.SavePng(Path.Combine(directory, file), 800, 450);
        return file;
    }

    private static double[] Parameters(string policy)
    {
        int colon = policy.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? [] : [.. policy[(colon + 1)..].Split(',')
            .Where(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .Select(s => double.Parse(s, CultureInfo.InvariantCulture))];
    }
}
