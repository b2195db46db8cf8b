using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_indexes_a_judged_collection_and_compares_cosine_with_a_norm_aware_policy()
    {
        using var dir = new TempDirectory();
        string dataset = Path.Combine(dir.Path, "cranfield");
        Directory.CreateDirectory(Path.Combine(dataset, "qrels"));
        string source = Path.GetDirectoryName(StoreCommandsTests.FindData("cranfield", "corpus.jsonl"))!;
        File.WriteAllLines(Path.Combine(dataset, "corpus.jsonl"), File.ReadLines(Path.Combine(source, "corpus.jsonl")).Take(200));
        File.Copy(Path.Combine(source, "queries.jsonl"), Path.Combine(dataset, "queries.jsonl"));
        File.Copy(Path.Combine(source, "qrels", "test.tsv"), Path.Combine(dataset, "qrels", "test.tsv"));

        var (code, stdout, stderr) = await CliRunner.RunAsync("demo", "--dataset", dataset, "--store", dir.File("store"), "--queries", "2", "--top", "3", "--model", "minilm");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("cranfield-minilm: 200 documents", stdout, StringComparison.Ordinal);
        Assert.Contains("| specificity:0.02", stdout, StringComparison.Ordinal);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.StartsWith('Q')));
        Assert.Contains("confidence", stdout, StringComparison.Ordinal);

        // A second run reuses the store.
        var again = await CliRunner.RunAsync("demo", "--dataset", dataset, "--store", dir.File("store"), "--queries", "1", "--model", "minilm");
        Assert.Equal(ExitCodes.Success, again.ExitCode);
        Assert.Contains("0 encoded now", again.Out, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync("demo", "--dataset", dir.File("nope"), "--store", dir.File("store2"));
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
    }
}
