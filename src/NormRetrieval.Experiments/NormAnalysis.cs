using System.Globalization;
using System.Text;
using System.Text.Json;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Statistics;
using ScottPlot;

namespace NormRetrieval.Experiments;

/// <summary>
/// Specificity analysis: do an encoder's norms follow a numeric label such as a taxonomy depth? Reports
/// Spearman ρ and Kendall τ-b of norm vs label, the partial ρ controlling for token count (mean pooling
/// ties norms to length), and, for general/specific pairs, the share where the specific text has the
/// larger norm.
/// </summary>
public static class NormAnalysis
{
    /// <summary>Runs the analysis.</summary>
    /// <param name="model">The encoder (<c>minilm</c>, <c>arctic-xs</c> or a folder).</param>
    /// <param name="input">JSON lines with a string <c>text</c> and a numeric <c>label</c>.</param>
    /// <param name="pairs">Optional TSV of <c>general&lt;TAB&gt;specific</c> lines.</param>
    /// <param name="cacheDirectory">The embedding cache folder.</param>
    /// <param name="singleToken">Keep only texts (and pairs of texts) that are one word piece ([CLS] w [SEP]), which removes the length confound.</param>
    /// <param name="cancellationToken">Cancels encoding between chunks.</param>
    /// <returns>The result.</returns>
    /// <exception cref="FormatException">A line of the input or pairs file is malformed (the message names file and line).</exception>
    public static NormAnalysisResult Run(
        string model, string input, string? pairs = null, string cacheDirectory = ".normretrieval-cache", bool singleToken = false, CancellationToken cancellationToken = default)
    {
        var items = ReadLabelled(input);
        var pairList = pairs is null ? [] : ReadPairs(pairs);
        using var encoder = new OnnxEncoder(EncoderModel.Resolve(model));
        var cache = new EmbeddingCache(cacheDirectory);
        var encoded = cache.GetOrEncode(encoder, [.. items.Select(i => i.Text)], EncodeMode.Document, null, cancellationToken);
        if (singleToken)
        {
            var keep = Enumerable.Range(0, items.Count).Where(i => encoded[i].TokenCount == 3).ToList();
            items = [.. keep.Select(i => items[i])];
            encoded = [.. keep.Select(i => encoded[i])];
        }

        double[] norms = [.. encoded.Select(e => (double)e.Norm)];
        double[] labels = [.. items.Select(i => i.Label)];
        double[] tokens = [.. encoded.Select(e => (double)e.TokenCount)];
        int larger = 0, ties = 0;
        if (pairList.Count > 0)
        {
            var general = cache.GetOrEncode(encoder, [.. pairList.Select(p => p.General)], EncodeMode.Document, null, cancellationToken);
            var specific = cache.GetOrEncode(encoder, [.. pairList.Select(p => p.Specific)], EncodeMode.Document, null, cancellationToken);
            if (singleToken)
            {
                var keep = Enumerable.Range(0, pairList.Count).Where(i => general[i].TokenCount == 3 && specific[i].TokenCount == 3).ToList();
                pairList = [.. keep.Select(i => pairList[i])];
                general = [.. keep.Select(i => general[i])];
                specific = [.. keep.Select(i => specific[i])];
            }

            for (int i = 0; i < pairList.Count; i++)
            {
                larger += specific[i].Norm > general[i].Norm ? 1 : 0;
                ties += specific[i].Norm == general[i].Norm ? 1 : 0;
            }
        }

        var byLabel = items.Select((item, i) => (item.Label, Norm: norms[i])).GroupBy(x => x.Label).OrderBy(g => g.Key)
            .Select(g => new LabelMean(g.Key, g.Count(), g.Average(x => x.Norm))).ToList();
        return new NormAnalysisResult(
            encoder.Model.Name,
            Path.GetFileName(input) + (singleToken ? " (single word pieces)" : string.Empty),
            items.Count,
            RankCorrelation.Spearman(norms, labels),
            RankCorrelation.KendallTauB(norms, labels),
            RankCorrelation.PartialSpearman(norms, labels, tokens),
            RankCorrelation.Spearman(norms, tokens),
            pairList.Count,
            pairList.Count == 0 ? double.NaN : (double)larger / pairList.Count,
            ties,
            byLabel);
    }

    /// <summary>Writes <c>norms.json</c>, <c>norms.md</c> and <c>norms-by-label.png</c>.</summary>
    /// <param name="result">The result.</param>
    /// <param name="directory">The output folder.</param>
    public static void Write(NormAnalysisResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "norms.json"), JsonSerializer.Serialize(result, NormRetrieval.Serialization.StrictJson.Options()));
        var plot = new Plot();
        var line = plot.Add.Scatter(result.ByLabel.Select(b => b.Label).ToArray(), result.ByLabel.Select(b => b.MeanNorm).ToArray());
        line.LegendText = result.Model;
        plot.Title($"Mean raw norm by label ({result.Model}, {result.Input})");
        plot.XLabel("label (e.g. taxonomy depth)");
        plot.YLabel("mean norm");
        plot.SavePng(Path.Combine(directory, "norms-by-label.png"), 800, 450);
        var md = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine(ci, $"# Norm vs label: {result.Input} with {result.Model}");
        md.AppendLine();
        static string Signed(double v) => double.IsFinite(v) ? v.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) : "—";
        md.AppendLine(ci, $"{result.Count} texts: Spearman ρ(norm, label) {Signed(result.Spearman)}, Kendall τ-b {Signed(result.Kendall)}; partial ρ controlling for token count {Signed(result.PartialSpearman)} (ρ of norm and token count {Signed(result.TokenSpearman)}).");
        if (result.Pairs > 0)
        {
            md.AppendLine(ci, $"{result.Pairs} general/specific pairs: the specific text has the larger norm in {result.SpecificLargerShare:P1} ({result.PairTies} ties).");
        }

        md.AppendLine();
        md.AppendLine("![Mean norm by label](norms-by-label.png)");
        File.WriteAllText(Path.Combine(directory, "norms.md"), md.ToString());
    }

    private static List<(string Text, double Label)> ReadLabelled(string path)
    {
        var items = new List<(string, double)>();
        long n = 0;
        foreach (string line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                string text = root.GetProperty("text").GetString() ?? throw new FormatException("'text' is null");
                items.Add((text, root.GetProperty("label").GetDouble()));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new FormatException($"{path}:{n}: each line needs a string 'text' and a numeric 'label' ({ex.Message})", ex);
            }
        }

        return items;
    }

    private static List<(string General, string Specific)> ReadPairs(string path)
    {
        var pairs = new List<(string, string)>();
        long n = 0;
        foreach (string line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] f = line.Split('\t');
            if (f.Length != 2 || f[0].Length == 0 || f[1].Length == 0)
            {
                throw new FormatException($"{path}:{n}: expected 'general<TAB>specific'");
            }

            pairs.Add((f[0], f[1]));
        }

        return pairs;
    }
}

/// <summary>The outcome of <see cref="NormAnalysis"/>.</summary>
/// <param name="Model">The encoder.</param>
/// <param name="Input">The input file name.</param>
/// <param name="Count">Labelled texts.</param>
/// <param name="Spearman">Spearman ρ of norm and label.</param>
/// <param name="Kendall">Kendall τ-b of norm and label.</param>
/// <param name="PartialSpearman">Partial Spearman ρ of norm and label controlling for token count.</param>
/// <param name="TokenSpearman">Spearman ρ of norm and token count.</param>
/// <param name="Pairs">General/specific pairs.</param>
/// <param name="SpecificLargerShare">Share of pairs whose specific text has the larger norm (NaN without pairs).</param>
/// <param name="PairTies">Pairs with equal norms.</param>
/// <param name="ByLabel">Mean norm per label.</param>
public sealed record NormAnalysisResult(
    string Model, string Input, int Count, double Spearman, double Kendall, double PartialSpearman, double TokenSpearman,
    int Pairs, double SpecificLargerShare, int PairTies, IReadOnlyList<LabelMean> ByLabel);

/// <summary>The mean norm of the texts with one label.</summary>
/// <param name="Label">The label.</param>
/// <param name="Count">Texts with it.</param>
/// <param name="MeanNorm">Their mean raw norm.</param>
public sealed record LabelMean(double Label, int Count, double MeanNorm);
