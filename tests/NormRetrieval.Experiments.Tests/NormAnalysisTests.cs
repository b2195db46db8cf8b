using NormRetrieval.Testing;

namespace NormRetrieval.Experiments.Tests;

public sealed class NormAnalysisTests
{
    [Fact]
    public void Norms_are_correlated_with_labels_and_pairs_are_counted()
    {
        using var dir = new TempDirectory();
        string input = dir.File("labelled.jsonl");
        File.WriteAllLines(input,
        [
            """{"text": "entity", "label": 0}""",
            """{"text": "animal", "label": 1}""",
            """{"text": "dog", "label": 2}""",
            """{"text": "poodle", "label": 3}""",
            string.Empty,
            """{"text": "object", "label": 1}""",
        ]);
        string pairs = dir.File("pairs.tsv");
        File.WriteAllLines(pairs, ["animal\tdog", "dog\tpoodle", "vehicle\tcar"]);
        var result = NormAnalysis.Run("arctic-xs", input, pairs, dir.File("cache"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(5, result.Count);
        Assert.Equal(3, result.Pairs);
        Assert.InRange(result.Spearman, -1, 1);
        Assert.InRange(result.SpecificLargerShare, 0, 1);
        Assert.Equal(4, result.ByLabel.Count);
        NormAnalysis.Write(result, dir.File("out"));
        Assert.Contains("Spearman", File.ReadAllText(Path.Combine(dir.File("out"), "norms.md")), StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(dir.File("out"), "norms-by-label.png")).Length > 1000);

        var single = NormAnalysis.Run("arctic-xs", input, pairs, dir.File("cache"), singleToken: true, TestContext.Current.CancellationToken);
        Assert.True(single.Count <= result.Count);
    }

    [Fact]
    public void Malformed_lines_name_file_and_line()
    {
        using var dir = new TempDirectory();
        string input = dir.File("bad.jsonl");
        File.WriteAllLines(input, ["""{"text": "a", "label": 1}""", """{"text": "b"}"""]);
        var ex = Assert.Throws<FormatException>(() => NormAnalysis.Run("minilm", input, cacheDirectory: dir.File("cache"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("bad.jsonl:2:", ex.Message, StringComparison.Ordinal);
        string pairs = dir.File("pairs.tsv");
        File.WriteAllLines(pairs, ["only-one-column"]);
        File.WriteAllLines(input, ["""{"text": "a", "label": 1}"""]);
        Assert.Contains("pairs.tsv:1:", Assert.Throws<FormatException>(() => NormAnalysis.Run("minilm", input, pairs, dir.File("cache"), cancellationToken: TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);
    }
}
