using System.Text.Json;
using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

public sealed class EmbedCommandTests
{
    [Fact]
    public async Task Embed_adds_norm_tokens_and_truncation_and_copies_other_fields()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("in.jsonl"),
        [
            """{"_id": "d1", "text": "Boundary layer flow over a flat plate.", "extra": {"k": [1, 2]}}""",
            string.Empty,
            """{"_id": "d2", "text": ""}""",
            $$"""{"_id": "d3", "text": "{{string.Join(' ', Enumerable.Repeat("wing", 600))}}"}""",
        ]);

        var (code, _, stderr) = await CliRunner.RunAsync("embed", "--model", "arctic-xs", "--input", dir.File("in.jsonl"), "--output", dir.File("out.jsonl"), "--vectors");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("embed: 3 texts with arctic-xs", stderr, StringComparison.Ordinal);
        var lines = File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal("d1", lines[0].GetProperty("_id").GetString());
        Assert.Equal(2, lines[0].GetProperty("extra").GetProperty("k")[1].GetInt32());
        float norm = lines[0].GetProperty("norm").GetSingle();
        Assert.True(norm > 1);
        float[] vector = [.. lines[0].GetProperty("vector").EnumerateArray().Select(v => v.GetSingle())];
        Assert.Equal(384, vector.Length);
        Assert.Equal(norm, (float)Math.Sqrt(vector.Sum(v => (double)v * v)), norm * 1e-5f);
        Assert.Equal(2, lines[1].GetProperty("tokens").GetInt32());
        Assert.False(lines[1].GetProperty("truncated").GetBoolean());
        Assert.True(lines[2].GetProperty("truncated").GetBoolean());
        Assert.Equal(512, lines[2].GetProperty("tokens").GetInt32());
    }

    [Fact]
    public async Task Query_mode_changes_the_norm_of_a_prefixed_model()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.jsonl"), """{"text": "flutter of swept wings"}""" + "\n");
        await CliRunner.RunAsync("embed", "--model", "arctic-xs", "--input", dir.File("in.jsonl"), "--output", dir.File("doc.jsonl"));
        var (code, _, _) = await CliRunner.RunAsync("embed", "--model", "arctic-xs", "--mode", "query", "--input", dir.File("in.jsonl"), "--output", dir.File("query.jsonl"));
        Assert.Equal(ExitCodes.Success, code);
        var doc = JsonDocument.Parse(File.ReadAllText(dir.File("doc.jsonl"))).RootElement;
        var query = JsonDocument.Parse(File.ReadAllText(dir.File("query.jsonl"))).RootElement;
        Assert.True(query.GetProperty("tokens").GetInt32() > doc.GetProperty("tokens").GetInt32());
        Assert.False(doc.TryGetProperty("vector", out _));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\nnot json\n", "in.jsonl:2: invalid JSON")]
    [InlineData("{\"text\": \"ok\"}\n{\"title\": \"no text\"}\n", "in.jsonl:2: the object has no string field 'text'")]
    [InlineData("[\"array\"]\n", "in.jsonl:1: the line is not a JSON object")]
    [InlineData("{\"text\": 42}\n", "in.jsonl:1: the object has no string field 'text'")]
    public async Task Bad_lines_fail_with_file_and_line_and_leave_no_output(string content, string message)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.jsonl"), content);
        File.WriteAllText(dir.File("out.jsonl"), "previous output\n");
        var (code, _, stderr) = await CliRunner.RunAsync("embed", "--input", dir.File("in.jsonl"), "--output", dir.File("out.jsonl"));
        Assert.Equal(ExitCodes.BadInput, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line, StringComparison.Ordinal);
        Assert.Equal("previous output\n", File.ReadAllText(dir.File("out.jsonl")));
        Assert.False(File.Exists(dir.File("out.jsonl.tmp")));
    }

    [Fact]
    public async Task Missing_input_unknown_model_and_missing_options_are_clear_errors()
    {
        using var dir = new TempDirectory();
        var missing = await CliRunner.RunAsync("embed", "--input", dir.File("nope.jsonl"), "--output", dir.File("out.jsonl"));
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);

        File.WriteAllText(dir.File("in.jsonl"), "{\"text\": \"x\"}\n");
        var model = await CliRunner.RunAsync("embed", "--model", "gpt-17", "--input", dir.File("in.jsonl"), "--output", dir.File("out.jsonl"));
        Assert.Equal(ExitCodes.BadInput, model.ExitCode);
        Assert.Contains("neither a built-in model", model.Error, StringComparison.Ordinal);

        var mode = await CliRunner.RunAsync("embed", "--mode", "sideways", "--input", dir.File("in.jsonl"), "--output", dir.File("out.jsonl"));
        Assert.Equal(ExitCodes.BadInput, mode.ExitCode);

        var usage = await CliRunner.RunAsync("embed", "--input", dir.File("in.jsonl"));
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.Contains("--output", usage.Error, StringComparison.Ordinal);
    }
}
