using System.Globalization;
using System.Text.Json;
using NormRetrieval.Evaluation;

namespace NormRetrieval.Beir;

/// <summary>
/// Reads a folder in BEIR layout: <c>corpus.jsonl</c> (<c>_id</c>, <c>title</c>, <c>text</c>),
/// <c>queries.jsonl</c> (<c>_id</c>, <c>text</c>) and <c>qrels/&lt;split&gt;.tsv</c>
/// (<c>query-id</c>, <c>corpus-id</c>, <c>score</c>, an optional header line first).
/// </summary>
/// <remarks>
/// The corpus and queries are streamed line by line. A malformed line throws
/// <see cref="BeirFormatException"/> naming file and line — or, when <see cref="SkipMalformedLines"/> is
/// set, is skipped and recorded in <see cref="Skipped"/>. Blank lines are ignored. Enumerations are not
/// thread-safe with respect to <see cref="Skipped"/>.
/// </remarks>
public sealed class BeirDataset
{
    private readonly List<BeirFormatException> _skipped = [];

    /// <summary>Opens a BEIR folder.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="skipMalformedLines">Skip and count malformed lines instead of failing.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public BeirDataset(string directory, bool skipMalformedLines = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The BEIR folder '{directory}' does not exist.");
        }

        Directory = Path.GetFullPath(directory);
        SkipMalformedLines = skipMalformedLines;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Whether malformed lines are skipped (and recorded) instead of failing.</summary>
    public bool SkipMalformedLines { get; }

    /// <summary>The lines skipped so far, each with its file, line number and problem.</summary>
    public IReadOnlyList<BeirFormatException> Skipped => _skipped;

    /// <summary>Path of <c>corpus.jsonl</c>.</summary>
    public string CorpusPath => Path.Combine(Directory, "corpus.jsonl");

    /// <summary>Path of <c>queries.jsonl</c>.</summary>
    public string QueriesPath => Path.Combine(Directory, "queries.jsonl");

    /// <summary>The splits that have a qrels file (e.g. <c>test</c>, <c>dev</c>).</summary>
    public IReadOnlyList<string> Splits
    {
        get
        {
            string qrels = Path.Combine(Directory, "qrels");
            return System.IO.Directory.Exists(qrels)
                ? [.. System.IO.Directory.EnumerateFiles(qrels, "*.tsv").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal)]
                : [];
        }
    }

    /// <summary>Path of the qrels file of a split.</summary>
    /// <param name="split">The split name.</param>
    /// <returns>The path.</returns>
    public string QrelsPath(string split)
    {
        ArgumentException.ThrowIfNullOrEmpty(split);
        if (split.IndexOfAny(['/', '\\']) >= 0 || split.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{split}' is not a split name.", nameof(split));
        }

        return Path.Combine(Directory, "qrels", split + ".tsv");
    }

    /// <summary>Streams the corpus.</summary>
    /// <returns>The documents in file order.</returns>
    /// <exception cref="FileNotFoundException">There is no corpus file.</exception>
    /// <exception cref="BeirFormatException">A line is malformed (unless skipping).</exception>
    public IEnumerable<BeirDocument> ReadCorpus() => ReadCorpus(CorpusPath);

    /// <summary>Streams a corpus file in BEIR format that may have another name (e.g. a subset).</summary>
    /// <param name="path">The JSON-lines file.</param>
    /// <returns>The documents in file order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BeirFormatException">A line is malformed (unless skipping).</exception>
    public IEnumerable<BeirDocument> ReadCorpus(string path) =>
        ReadJsonLines(path, static root => new BeirDocument(
            RequiredString(root, "_id"),
            OptionalString(root, "title"),
            OptionalString(root, "text")));

    /// <summary>Streams the queries.</summary>
    /// <returns>The queries in file order.</returns>
    /// <exception cref="FileNotFoundException">There is no queries file.</exception>
    /// <exception cref="BeirFormatException">A line is malformed (unless skipping).</exception>
    public IEnumerable<BeirQuery> ReadQueries() =>
        ReadJsonLines(QueriesPath, static root => new BeirQuery(RequiredString(root, "_id"), RequiredString(root, "text")));

    /// <summary>Reads the relevance judgments of a split.</summary>
    /// <param name="split">The split (default <c>test</c>).</param>
    /// <returns>The judgments.</returns>
    /// <exception cref="FileNotFoundException">The split has no qrels file.</exception>
    /// <exception cref="BeirFormatException">A line is malformed (unless skipping).</exception>
    public Qrels ReadQrels(string split = "test")
    {
        string path = QrelsPath(split);
        var qrels = new Qrels();
        long lineNumber = 0;
        foreach (string line in ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split('\t');
            bool numeric = fields.Length == 3 && int.TryParse(fields[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int gain);
            if (lineNumber == 1 && !numeric)
            {
                continue; // header
            }

            if (fields.Length != 3)
            {
                Fail(path, lineNumber, $"expected 3 tab-separated fields (query-id, corpus-id, score) but found {fields.Length}");
                continue;
            }

            if (!int.TryParse(fields[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out gain))
            {
                Fail(path, lineNumber, $"the score '{fields[2]}' is not an integer");
                continue;
            }

            string q = fields[0].Trim();
            string d = fields[1].Trim();
            if (q.Length == 0 || d.Length == 0)
            {
                Fail(path, lineNumber, "the query id or corpus id is empty");
                continue;
            }

            qrels.Add(q, d, gain);
        }

        return qrels;
    }

    private IEnumerable<T> ReadJsonLines<T>(string path, Func<JsonElement, T> parse)
        where T : class
    {
        long lineNumber = 0;
        foreach (string line in ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            T? item = null;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    Fail(path, lineNumber, "the line is not a JSON object");
                }
                else
                {
                    item = parse(doc.RootElement);
                }
            }
            catch (JsonException ex)
            {
                Fail(path, lineNumber, $"invalid JSON ({ex.Message})", ex);
            }
            catch (FieldException ex)
            {
                Fail(path, lineNumber, ex.Message);
            }

            if (item is not null)
            {
                yield return item;
            }
        }
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The BEIR file '{path}' does not exist.", path);
        }

        return File.ReadLines(path);
    }

    private void Fail(string path, long lineNumber, string problem, Exception? inner = null)
    {
        var ex = new BeirFormatException(path, lineNumber, problem, inner);
        if (!SkipMalformedLines)
        {
            throw ex;
        }

        _skipped.Add(ex);
    }

    private static string RequiredString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new FieldException($"the field '{name}' is missing");
        }

        string text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new FieldException($"the field '{name}' is {value.ValueKind}, not a string"),
        };
        if (name == "_id" && text.Length == 0)
        {
            throw new FieldException("the field '_id' is empty");
        }

        return text;
    }

    private static string OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? RequiredString(root, name) : string.Empty;

    private sealed class FieldException(string message) : Exception(message);
}
