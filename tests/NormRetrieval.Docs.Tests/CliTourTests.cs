using NormRetrieval.Cli;
using NormRetrieval.Cli.Infrastructure;
using NormRetrieval.Testing;

namespace NormRetrieval.Docs.Tests;

/// <summary>
/// The CLI README's tour runs as written — every <c>normretrieval</c> line of its bash block, in order, in a
/// fresh folder that sees the repository's data — and prints every word of the documented output that is
/// not a number, in the documented order.
/// </summary>
[Collection("docs: one working folder at a time")]
public sealed class CliTourTests
{
    private const string Readme = "src/NormRetrieval.Cli/README.md";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_tour_runs_as_written_and_prints_what_the_README_shows()
    {
        var bash = Markdown.Blocks(Readme, "bash");
        var text = Markdown.Blocks(Readme, "text");
        string[] commands = [.. bash[0].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())];
        Assert.All(commands, c => Assert.StartsWith("normretrieval ", c, StringComparison.Ordinal));

        using var folder = new TempDirectory();
        Directory.CreateSymbolicLink(Path.Combine(folder.Path, "data"), Path.Combine(Markdown.Root, "data"));
        var output = new System.Text.StringBuilder();
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder.Path;
        try
        {
            foreach (string command in commands)
            {
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                int code = await CliApplication.RunAsync([.. Arguments(command["normretrieval ".Length..])], new CliOutput(stdout, stderr), Ct);
                Assert.True(code == ExitCodes.Success, $"{command} exited {code}: {stderr}");
                output.Append(stdout).Append(stderr);
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        AssertWordsInOrder(text[0], output.ToString());
    }

    [Fact]
    public void Words_are_matched_in_order_and_numbers_are_skipped()
    {
        AssertWordsInOrder("indexed 16 documents into 'notes' → …/x.jsonl", "indexed 17 documents into 'notes' → /tmp/a/x.jsonl");
        Assert.ThrowsAny<Exception>(() => AssertWordsInOrder("into indexed", "indexed into"));
    }

    /// <summary>Every whitespace-separated word of the expected text without a digit ("…" elides) appears in order.</summary>
    internal static void AssertWordsInOrder(string expected, string actual)
    {
        int at = 0;
        foreach (string word in expected.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            string literal = word.Replace("…", string.Empty, StringComparison.Ordinal);
            if (literal.Length == 0 || literal.Any(char.IsAsciiDigit))
            {
                continue;
            }

            int found = actual.IndexOf(literal, at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"'{literal}' is not in the output after position {at}:\n{actual}");
            at = found + literal.Length;
        }
    }

    /// <summary>Splits a command line as a POSIX shell would for plain words and double-quoted strings.</summary>
    private static IEnumerable<string> Arguments(string line)
    {
        var current = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    yield return current.ToString();
                }

                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            yield return current.ToString();
        }
    }
}
