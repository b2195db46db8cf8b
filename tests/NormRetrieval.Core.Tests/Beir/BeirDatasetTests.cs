using NormRetrieval.Beir;

namespace NormRetrieval.Tests.Beir;

public sealed class BeirDatasetTests
{
    private static TempDirectory Fixture(string corpus, string queries, string qrels)
    {
        var dir = new TempDirectory();
        File.WriteAllText(dir.File("corpus.jsonl"), corpus);
        File.WriteAllText(dir.File("queries.jsonl"), queries);
        Directory.CreateDirectory(dir.File("qrels"));
        File.WriteAllText(Path.Combine(dir.Path, "qrels", "test.tsv"), qrels);
        return dir;
    }

    private const string GoodCorpus =
        "{\"_id\": \"d1\", \"title\": \"Flow\", \"text\": \"Boundary layers.\"}\n" +
        "\n" +
        "{\"_id\": 2, \"text\": \"No title here.\", \"metadata\": {\"x\": 1}}\n" +
        "{\"_id\": \"d3\", \"title\": null, \"text\": \"Caf\\u00e9 \\u6f22\\u5b57\"}\n";

    [Fact]
    public void Reads_corpus_queries_and_qrels()
    {
        using var dir = Fixture(GoodCorpus, "{\"_id\": \"q1\", \"text\": \"what is flow?\"}\n", "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\t2\t0\n");
        var data = new BeirDataset(dir.Path);
        var docs = data.ReadCorpus().ToList();
        Assert.Equal(["d1", "2", "d3"], docs.Select(d => d.Id));
        Assert.Equal("Flow Boundary layers.", docs[0].FullText);
        Assert.Equal("No title here.", docs[1].FullText);
        Assert.Equal("Café 漢字", docs[2].FullText);
        Assert.Equal("what is flow?", Assert.Single(data.ReadQueries()).Text);
        var qrels = data.ReadQrels();
        Assert.Equal(2, qrels.For("q1")["d1"]);
        Assert.Equal(0, qrels.For("q1")["2"]);
        Assert.Equal(["test"], data.Splits);
        Assert.Empty(data.Skipped);
    }

    [Fact]
    public void Qrels_without_a_header_are_read_from_the_first_line()
    {
        using var dir = Fixture(GoodCorpus, string.Empty, "q1\td1\t1\nq2\td3\t3\n");
        var qrels = new BeirDataset(dir.Path).ReadQrels("test");
        Assert.Equal(2, qrels.QueryIds.Count);
        Assert.Equal(3, qrels.For("q2")["d3"]);
    }

    [Theory]
    [InlineData("{\"_id\": \"d1\", \"text\": \"ok\"}\n{\"_id\": \"d2\", \"text\": \"unterminated\n", 2, "invalid JSON")]
    [InlineData("{\"_id\": \"d1\", \"text\": \"ok\"}\n\n{\"text\": \"no id\"}\n", 3, "'_id' is missing")]
    [InlineData("[1, 2]\n", 1, "not a JSON object")]
    [InlineData("{\"_id\": \"d1\", \"text\": [\"array\"]}\n", 1, "'text' is Array")]
    [InlineData("{\"_id\": \"\", \"text\": \"x\"}\n", 1, "'_id' is empty")]
    public void Malformed_corpus_lines_name_file_and_line(string corpus, int line, string problem)
    {
        using var dir = Fixture(corpus, string.Empty, "q\td\t1\n");
        var data = new BeirDataset(dir.Path);
        var ex = Assert.Throws<BeirFormatException>(() => data.ReadCorpus().ToList());
        Assert.Equal(line, ex.LineNumber);
        Assert.EndsWith("corpus.jsonl", ex.FilePath, StringComparison.Ordinal);
        Assert.Contains($"corpus.jsonl:{line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("query-id\tcorpus-id\tscore\nq1\td1\n", 2, "3 tab-separated fields")]
    [InlineData("q1\td1\t1\nq1\td2\thigh\n", 2, "'high' is not an integer")]
    [InlineData("q1\td1\t1\n\td2\t1\n", 2, "empty")]
    public void Malformed_qrels_lines_name_file_and_line(string qrels, int line, string problem)
    {
        using var dir = Fixture(GoodCorpus, string.Empty, qrels);
        var ex = Assert.Throws<BeirFormatException>(() => new BeirDataset(dir.Path).ReadQrels());
        Assert.Equal(line, ex.LineNumber);
        Assert.Contains($"test.tsv:{line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_lines_can_be_skipped_and_counted()
    {
        using var dir = Fixture(
            "{\"_id\": \"d1\", \"text\": \"a\"}\nnot json\n{\"_id\": \"d3\", \"text\": \"c\"}\n{\"text\": \"x\"}\n",
            string.Empty,
            "q1\td1\t1\nbroken line\nq1\td3\t1\n");
        var data = new BeirDataset(dir.Path, skipMalformedLines: true);
        Assert.Equal(["d1", "d3"], data.ReadCorpus().Select(d => d.Id));
        Assert.Equal(2, data.ReadQrels().For("q1").Count);
        Assert.Equal([2L, 4L, 2L], data.Skipped.Select(s => s.LineNumber));
    }

    [Fact]
    public void Missing_files_and_folders_are_reported()
    {
        Assert.Throws<DirectoryNotFoundException>(() => new BeirDataset("/nonexistent/beir"));
        using var dir = new TempDirectory();
        var data = new BeirDataset(dir.Path);
        Assert.Throws<FileNotFoundException>(() => data.ReadCorpus().ToList());
        Assert.Throws<FileNotFoundException>(() => data.ReadQrels("dev"));
        Assert.Throws<ArgumentException>(() => data.ReadQrels("../../etc/passwd"));
        Assert.Empty(data.Splits);
    }

    [Fact]
    public void The_corpus_is_streamed()
    {
        using var dir = Fixture("{\"_id\": \"d1\", \"text\": \"a\"}\nnot json\n", string.Empty, string.Empty);
        var data = new BeirDataset(dir.Path);

        // The first document is produced before the bad second line is read.
        Assert.Equal("d1", data.ReadCorpus().First().Id);
    }
}
