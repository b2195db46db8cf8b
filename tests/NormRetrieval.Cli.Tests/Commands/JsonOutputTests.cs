using System.Globalization;
using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

/// <summary>
/// Every command that prints JSON prints strict JSON: it parses, numbers are numbers, an undefined value is
/// null (never the string "NaN"), and text is not needlessly escaped.
/// </summary>
public sealed class JsonOutputTests
{
    private static readonly HashSet<string> TextualNumbers = new(StringComparer.OrdinalIgnoreCase) { "id", "key", "version", "ids" };

    [Fact]
    public async Task Every_json_output_is_strict_json()
    {
        using var dir = new TempDirectory();
        string notes = Path.Combine(RepoData(), "examples", "notes.jsonl");
        string store = dir.File("store");
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("index", "--store", store, "--collection", "notes", "--input", notes)).ExitCode);

        string beir = TinyBeir(dir, notes);
        var labelled = dir.File("labelled.jsonl");
        await File.WriteAllLinesAsync(labelled, ["{\"text\":\"wing\",\"label\":1}", "{\"text\":\"swept wing\",\"label\":2}", "{\"text\":\"library\",\"label\":1}", "{\"text\":\"university library\",\"label\":2}"], TestContext.Current.CancellationToken);

        string[][] commands =
        [
            ["info", "--json"],
            ["search", "--store", store, "--collection", "notes", "--query", "swept wing + flutter", "--policy", "magnitude:0.15", "--json"],
            ["stats", "--store", store, "--collection", "notes", "--json"],
            ["norms", "--input", labelled, "--out", dir.File("norms"), "--cache", dir.File("cache"), "--json"],
            ["eval", "--dataset", beir, "--calibrate", "cv:2", "--top", "10", "--policies", "specificity", "--engine", "flat", "--out", dir.File("eval"), "--cache", dir.File("cache"), "--json"],
        ];
        foreach (var command in commands)
        {
            var (code, stdout, stderr) = await CliRunner.RunAsync(command);
            Assert.True(code == ExitCodes.Success, $"{command[0]} exited {code}: {stderr}");
            using var doc = JsonDocument.Parse(stdout);
            AssertStrict(doc.RootElement, command[0]);
            Assert.DoesNotContain("\\u002B", stdout, StringComparison.Ordinal);
        }

        var search = await CliRunner.RunAsync(commands[1]);
        Assert.Contains("\"magnitude:0.15\"", search.Out, StringComparison.Ordinal);
        Assert.Contains("swept wing + flutter", search.Out, StringComparison.Ordinal);
    }

    private static void AssertStrict(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    AssertStrict(p.Value, path + "." + p.Name);
                }

                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    AssertStrict(item, $"{path}[{i++}]");
                }

                break;
            case JsonValueKind.String:
                string s = element.GetString()!;
                string name = path[(path.LastIndexOf('.') + 1)..].Split('[')[0];
                Assert.False(s is "NaN" or "Infinity" or "-Infinity", $"{path} is the string '{s}'");
                Assert.False(
                    !TextualNumbers.Contains(name) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
                    $"{path} is a number written as a string: '{s}'");
                break;
        }
    }

    /// <summary>A BEIR folder over the example notes: four queries with judged answers.</summary>
    private static string TinyBeir(TempDirectory dir, string notes)
    {
        string root = dir.File("tiny");
        Directory.CreateDirectory(Path.Combine(root, "qrels"));
        File.Copy(notes, Path.Combine(root, "corpus.jsonl"));
        File.WriteAllLines(Path.Combine(root, "queries.jsonl"),
        [
            "{\"_id\":\"q1\",\"text\":\"swept wing flutter\"}",
            "{\"_id\":\"q2\",\"text\":\"choosing journals\"}",
            "{\"_id\":\"q3\",\"text\":\"hypersonic heating\"}",
            "{\"_id\":\"q4\",\"text\":\"library circulation\"}",
        ]);
        File.WriteAllLines(Path.Combine(root, "qrels", "test.tsv"), ["query-id\tcorpus-id\tscore", "q1\tn3\t1", "q1\tn2\t1", "q2\tn15\t1", "q3\tn6\t1", "q4\tn12\t1"]);
        return root;
    }

    private static string RepoData()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "data");
            if (Directory.Exists(Path.Combine(candidate, "examples")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("data/examples");
    }
}
