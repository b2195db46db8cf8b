using System.Text.Json;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Testing;

namespace NormRetrieval.Experiments.Tests;

public sealed class RetrievalExperimentTests
{
    /// <summary>A small real collection: the first 300 Cranfield abstracts and the judgments that point into them.</summary>
    private static string Subset(TempDirectory dir)
    {
        string source = FindData();
        string target = Path.Combine(dir.Path, "cranfield-300");
        Directory.CreateDirectory(Path.Combine(target, "qrels"));
        var lines = File.ReadLines(Path.Combine(source, "corpus.jsonl")).Take(300).ToList();
        File.WriteAllLines(Path.Combine(target, "corpus.jsonl"), lines);
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("_id").GetString()!).ToHashSet();
        File.Copy(Path.Combine(source, "queries.jsonl"), Path.Combine(target, "queries.jsonl"));
        var qrels = File.ReadLines(Path.Combine(source, "qrels", "test.tsv")).ToList();
        File.WriteAllLines(Path.Combine(target, "qrels", "test.tsv"), [qrels[0], .. qrels.Skip(1).Where(l => ids.Contains(l.Split('\t')[1]))]);
        return target;
    }

    private static string FindData()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "data", "beir", "cranfield");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("data/beir/cranfield");
    }

    [Fact]
    public void Cosine_ndcg_equals_an_independent_brute_force_computation_and_the_report_is_written()
    {
        using var dir = new TempDirectory();
        string dataset = Subset(dir);
        var outcome = RetrievalExperiment.Run(new RetrievalExperimentOptions
        {
            Dataset = dataset,
            Model = "minilm",
            Policies = ["specificity", "gated"],
            Calibrate = "cv:3",
            Repeats = 2,
            CacheDirectory = Path.Combine(dir.Path, "cache"),
        }, TestContext.Current.CancellationToken);
        var r = outcome.Result;
        Assert.Equal(300, r.Documents);
        Assert.Equal(["cosine", "specificity", "gated"], r.Policies.Select(p => p.Policy));

        // Independent: encode with the encoder directly, score every document in double precision, sort,
        // and compute nDCG@10 with linear gains from the qrels file.
        using var encoder = new OnnxEncoder(EncoderModel.MiniLM);
        var docs = File.ReadLines(Path.Combine(dataset, "corpus.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (Id: e.GetProperty("_id").GetString()!, Text: (e.GetProperty("title").GetString() + " " + e.GetProperty("text").GetString()).Trim())).ToList();
        var docVectors = encoder.Encode([.. docs.Select(d => d.Text)], EncodeMode.Document, TestContext.Current.CancellationToken).Select(e => Unit(e.Vector)).ToList();
        var queries = File.ReadLines(Path.Combine(dataset, "queries.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("_id").GetString()!, e => e.GetProperty("text").GetString()!);
        var judgments = File.ReadLines(Path.Combine(dataset, "qrels", "test.tsv")).Skip(1).Select(l => l.Split('\t'))
            .GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.ToDictionary(f => f[1], f => int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(judgments.Count(j => j.Value.Values.Any(g => g > 0)), r.Queries.Count);
        for (int i = 0; i < r.Queries.Count; i++)
        {
            string qid = r.Queries[i];
            double[] q = Unit(encoder.Encode(queries[qid], EncodeMode.Query).Vector);
            var ranked = docs.Select((d, j) => (d.Id, Score: Dot(q, docVectors[j]))).OrderByDescending(x => x.Score).Take(10).ToList();
            var gains = judgments[qid];
            double dcg = ranked.Select((x, rank) => (gains.TryGetValue(x.Id, out int g) && g > 0 ? g : 0) / Math.Log2(rank + 2)).Sum();
            double idcg = gains.Values.Where(g => g > 0).OrderByDescending(g => g).Take(10).Select((g, rank) => g / Math.Log2(rank + 2)).Sum();
            Assert.Equal(dcg / idcg, r.Policies[0].PerQueryNdcg[i], 5);
        }

        Assert.Equal(r.Policies[0].PerQueryNdcg.Average(), r.Policies[0].Ndcg10, 12);
        Assert.All(r.Policies.Skip(1), p => Assert.Equal(6, p.Chosen.Count)); // 3 folds × 2 repeats
        Assert.All(r.Policies.Skip(1), p => Assert.Equal(2, p.RepeatDeltas.Count));
        Assert.All(r.Policies.Skip(1), p => Assert.Equal(p.RepeatDeltas.Average(), p.DeltaNdcg10, 12)); // each query averaged over the repeats
        Assert.Equal(2, r.Repeats);
        Assert.All(r.Policies, p => Assert.Equal(r.Policies[0].Recall100, p.Recall100, 12)); // reranking keeps the candidate set

        string outDir = Path.Combine(dir.Path, "out");
        var files = ExperimentReport.Write(outcome, outDir);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.Equal(3, json.RootElement.GetProperty("policies").GetArrayLength());
        Assert.Equal(r.Queries.Count, json.RootElement.GetProperty("policies")[1].GetProperty("perQueryNdcg").GetArrayLength());
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("| specificity |", report, StringComparison.Ordinal);
        Assert.Contains("out of fold", report, StringComparison.Ordinal);
        foreach (string png in new[] { "norms.png", "relevant-norms.png", "gain-vs-query-norm.png", "curve-specificity.png", "curve-gated.png" })
        {
            Assert.True(new FileInfo(Path.Combine(outDir, png)).Length > 1000, png);
            Assert.Contains(Path.Combine(outDir, png), files);
        }
    }

    [Fact]
    public void First_stages_match_an_independent_fts5_bm25_and_a_hand_computed_fusion()
    {
        using var dir = new TempDirectory();
        string dataset = Subset(dir);
        var outcome = RetrievalExperiment.Run(new RetrievalExperimentOptions
        {
            Dataset = dataset,
            Policies = ["specificity"],
            Calibrate = "cv:3",
            Repeats = 1,
            Stages = ["all"],
            CacheDirectory = Path.Combine(dir.Path, "cache"),
        }, TestContext.Current.CancellationToken);
        var r = outcome.Result;
        Assert.Equal(["bm25", "dense", "hybrid", "hybrid+norm"], r.Stages.Select(s => s.Policy));
        Assert.Equal(["dense", "dense", "dense", "hybrid"], r.Stages.Select(s => s.Baseline));
        Assert.Equal("rrf:60", r.Fusion);
        Assert.Equal(r.Policies[0].PerQueryNdcg, r.Stages[1].PerQueryNdcg);
        Assert.Equal(3, r.Stages[3].Chosen.Count);

        // Independent BM25: SQLite FTS5 directly (same tokenizer, the query's words OR-ed), nDCG@10 per query.
        var docs = File.ReadLines(Path.Combine(dataset, "corpus.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (Id: e.GetProperty("_id").GetString()!, Text: (e.GetProperty("title").GetString() + " " + e.GetProperty("text").GetString()).Trim())).ToList();
        var queries = File.ReadLines(Path.Combine(dataset, "queries.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("_id").GetString()!, e => e.GetProperty("text").GetString()!);
        var judgments = File.ReadLines(Path.Combine(dataset, "qrels", "test.tsv")).Skip(1).Select(l => l.Split('\t'))
            .GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.ToDictionary(f => f[1], f => int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)));
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2');";
            create.ExecuteNonQuery();
            create.CommandText = "INSERT INTO t (rowid, body) VALUES ($id, $body);";
            var id = create.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Integer);
            var body = create.Parameters.Add("$body", Microsoft.Data.Sqlite.SqliteType.Text);
            for (int i = 0; i < docs.Count; i++)
            {
                (id.Value, body.Value) = (i, docs[i].Text);
                create.ExecuteNonQuery();
            }
        }

        var bm25Lists = new List<List<string>>();
        for (int i = 0; i < r.Queries.Count; i++)
        {
            string[] words = [.. System.Text.RegularExpressions.Regex.Split(queries[r.Queries[i]], @"[^\p{L}\p{N}\p{M}]+").Where(w => w.Length > 0).Distinct()];
            using var search = connection.CreateCommand();
            search.CommandText = "SELECT rowid FROM t WHERE t MATCH $q ORDER BY bm25(t), rowid LIMIT 100;";
            search.Parameters.AddWithValue("$q", string.Join(" OR ", words.Select(w => "\"" + w + "\"")));
            var bm25 = new List<string>();
            using (var reader = search.ExecuteReader())
            {
                while (reader.Read())
                {
                    bm25.Add(docs[reader.GetInt32(0)].Id);
                }
            }

            Assert.Equal(Ndcg10(bm25, judgments[r.Queries[i]]), r.Stages[0].PerQueryNdcg[i], 9);
            bm25Lists.Add(bm25);
        }

        // Hybrid by hand: 1/(60 + dense rank) + 1/(60 + bm25 rank) over the two top-100 lists, dense ranks from an
        // independent double-precision encoding (near-ties may order differently than Faiss's floats: means are compared).
        using var encoder = new OnnxEncoder(EncoderModel.MiniLM);
        var docVectors = encoder.Encode([.. docs.Select(d => d.Text)], EncodeMode.Document, TestContext.Current.CancellationToken).Select(e => Unit(e.Vector)).ToList();
        var hybrid = new double[r.Queries.Count];
        for (int i = 0; i < r.Queries.Count; i++)
        {
            double[] q = Unit(encoder.Encode(queries[r.Queries[i]], EncodeMode.Query).Vector);
            var dense = docs.Select((d, j) => (d.Id, Score: Dot(q, docVectors[j]))).OrderByDescending(x => x.Score).Take(100).Select(x => x.Id).ToList();
            var keyword = bm25Lists[i];
            var fused = dense.Union(keyword)
                .Select(id => (Id: id, Score: (dense.IndexOf(id) is int d && d >= 0 ? 1.0 / (61 + d) : 0) + (keyword.IndexOf(id) is int k && k >= 0 ? 1.0 / (61 + k) : 0)))
                .OrderByDescending(x => x.Score).Select(x => x.Id).ToList();
            hybrid[i] = Ndcg10(fused, judgments[r.Queries[i]]);
        }

        Assert.Equal(hybrid.Average(), r.Stages[2].Ndcg10, 2);
        ExperimentReport.Write(outcome, Path.Combine(dir.Path, "out"));
        Assert.Contains("| hybrid+norm |", File.ReadAllText(Path.Combine(dir.Path, "out", "report.md")), StringComparison.Ordinal);
    }

    private static double Ndcg10(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> gains)
    {
        double dcg = ranking.Take(10).Select((id, rank) => (gains.TryGetValue(id, out int g) && g > 0 ? g : 0) / Math.Log2(rank + 2)).Sum();
        double idcg = gains.Values.Where(g => g > 0).OrderByDescending(g => g).Take(10).Select((g, rank) => g / Math.Log2(rank + 2)).Sum();
        return idcg == 0 ? 0 : dcg / idcg;
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        using var dir = new TempDirectory();
        string subset = Subset(dir);
        Assert.Throws<ArgumentException>(() => RetrievalExperiment.Run(new RetrievalExperimentOptions { Dataset = subset, Calibrate = "cv:1" }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => RetrievalExperiment.Run(new RetrievalExperimentOptions { Dataset = subset, Policies = ["bm25"] }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => RetrievalExperiment.Run(new RetrievalExperimentOptions { Dataset = subset, Stages = ["sparse"] }, TestContext.Current.CancellationToken));
        Assert.Throws<DirectoryNotFoundException>(() => RetrievalExperiment.Run(new RetrievalExperimentOptions { Dataset = Path.Combine(dir.Path, "none") }, TestContext.Current.CancellationToken));
        Assert.Throws<FileNotFoundException>(() => RetrievalExperiment.Run(new RetrievalExperimentOptions { Dataset = subset, Calibrate = "dev" }, TestContext.Current.CancellationToken));
    }

    private static double[] Unit(float[] v)
    {
        double n = Math.Sqrt(v.Sum(x => (double)x * x));
        return [.. v.Select(x => x / n)];
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }
}
