using System.Diagnostics;
using System.Text.Json;
using NormRetrieval.Testing;


namespace NormRetrieval.Samples.Tests;

/// <summary>Runs every sample as its own process and checks the exit code and the shape of its output.</summary>
public sealed class SampleTests
{
    private static Task<(int Code, string Out, string Error)> RunAsync(string sample, params string[] args) => RunAsync(sample, new Dictionary<string, string>(), args);

    private static async Task<(int Code, string Out, string Error)> RunAsync(string sample, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, sample + ".dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("OPENAI_API_KEY");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Data(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "data", "beir", name);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(name);
    }

    [Fact]
    public async Task QuickStart_searches_with_and_without_norm_aware_ranking()
    {
        using var dir = new TempDirectory();
        var (code, stdout, stderr) = await RunAsync("QuickStart", dir.File("store"));
        Assert.True(code == 0, stderr);
        Assert.Contains("9 notes", stdout, StringComparison.Ordinal);
        Assert.Contains("cosine — query norm", stdout, StringComparison.Ordinal);
        Assert.Contains("specificity:0.02 — query norm", stdout, StringComparison.Ordinal);
        Assert.Equal(6, stdout.Split('\n').Count(l => l.Contains("(norm ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ScaleOut_runs_the_quickstart_on_a_three_node_garnet_cluster()
    {
        using var cluster = new GarnetCluster(3, "sample-password");
        await cluster.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["NORMRETRIEVAL_GARNET"] = string.Join(",", cluster.Ports.Select(p => "127.0.0.1:" + p)),
            ["NORMRETRIEVAL_GARNET_PASSWORD"] = cluster.Password,
        };
        var (code, stdout, stderr) = await RunAsync("ScaleOut", environment);
        Assert.True(code == 0, stderr);
        Assert.Contains("collection 'notes' in shards {notes-s0", stdout, StringComparison.Ordinal);
        Assert.Contains("9 notes", stdout, StringComparison.Ordinal);
        Assert.Contains("cosine — query norm", stdout, StringComparison.Ordinal);
        Assert.Contains("specificity:0.02 — query norm", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.Contains("all shards answered", StringComparison.Ordinal)));
        Assert.Equal(6, stdout.Split('\n').Count(l => l.Contains("(norm ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RagAgent_runs_retrieval_only_without_a_chat_endpoint()
    {
        using var tmp = new TempDirectory();
        var (code, stdout, stderr) = await RunAsync("RagAgent", new Dictionary<string, string> { ["TMPDIR"] = tmp.Path, ["RAG_TARGET_PRECISION"] = "0.6" }, Data("cranfield"), "80", "heat transfer to blunt bodies", "wings");
        Assert.True(code == 0, stderr);

        // Its throw-away store is gone when it exits.
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path, "normretrieval-rag-*"));
        Assert.Contains("indexed 80 passages", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.StartsWith("Q: ", StringComparison.Ordinal)));
        Assert.Contains("retrieval only", stdout, StringComparison.Ordinal);
        Assert.Contains("SourceDocLink: doc:", stdout, StringComparison.Ordinal);
        Assert.Contains("plugin Corpus.Search →", stdout, StringComparison.Ordinal);
        Assert.Contains("confidence", stdout, StringComparison.Ordinal);

        // Calibrated on the judged queries of the indexed passages; the specific question is answered, the vague one declined.
        Assert.Contains("calibrated on 65 judged queries: ranking cosine; answer when ", stdout, StringComparison.Ordinal);
        string[] lines = stdout.Split('\n');
        int wings = Array.FindIndex(lines, l => l.StartsWith("Q: wings", StringComparison.Ordinal));
        Assert.Contains(lines.Take(wings), l => l.Contains("   answering: ", StringComparison.Ordinal));
        Assert.Contains(lines.Skip(wings), l => l.Contains("   declined: weak evidence (", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetrievalExperiment_writes_a_report()
    {
        using var dir = new TempDirectory();

        // A small real collection: the first 200 Cranfield abstracts and the judgments that point into them.
        string source = Data("cranfield");
        string subset = Path.Combine(dir.Path, "cranfield-200");
        Directory.CreateDirectory(Path.Combine(subset, "qrels"));
        var lines = File.ReadLines(Path.Combine(source, "corpus.jsonl")).Take(200).ToList();
        File.WriteAllLines(Path.Combine(subset, "corpus.jsonl"), lines);
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("_id").GetString()!).ToHashSet();
        File.Copy(Path.Combine(source, "queries.jsonl"), Path.Combine(subset, "queries.jsonl"));
        var qrels = File.ReadLines(Path.Combine(source, "qrels", "test.tsv")).ToList();
        File.WriteAllLines(Path.Combine(subset, "qrels", "test.tsv"), [qrels[0], .. qrels.Skip(1).Where(l => ids.Contains(l.Split('\t')[1]))]);

        var (code, stdout, stderr) = await RunAsync("RetrievalExperiment", subset, "minilm", dir.File("out"));
        Assert.True(code == 0, stderr);
        Assert.Contains("cranfield-200:", stdout, StringComparison.Ordinal);
        Assert.Equal(4, stdout.Split('\n').Count(l => l.Contains(" Δ ", StringComparison.Ordinal)));
        Assert.True(File.Exists(Path.Combine(dir.File("out"), "report.md")));
        Assert.True(File.Exists(Path.Combine(dir.File("out"), "norms.png")));
    }

    [Fact]
    public async Task NormDynamics_shows_the_identity_holding_under_sgd_and_breaking_under_weight_decay()
    {
        var (code, stdout, stderr) = await RunAsync("NormDynamics", "300");
        Assert.True(code == 0, stderr);
        var summaries = stdout.Split('\n').Where(l => l.Contains("identity rel. error", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.StartsWith("plain SGD: identity rel. error ", summaries[0], StringComparison.Ordinal);
        double Error(string line) => double.Parse(line.Split("identity rel. error ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Error(summaries[0]) < 1e-9, summaries[0]);
        Assert.True(Error(summaries[1]) > 1e-2, summaries[1]);
        Assert.Equal(12, stdout.Split('\n').Count(l => l.Contains("identity predicts", StringComparison.Ordinal)));
    }
}
