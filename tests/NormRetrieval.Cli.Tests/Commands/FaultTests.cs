using NormRetrieval.Cli.Infrastructure;

namespace NormRetrieval.Cli.Tests.Commands;

/// <summary>
/// Case 12 of the integrity issue: cancellation, a store path that is a file, a factory string Faiss
/// refuses and a bad input line each end with the documented exit code and one line, and change nothing.
/// </summary>
public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Case_12_cancelling_index_exits_130_with_one_line_and_a_rerun_resumes()
    {
        using var dir = new TempDirectory();
        string corpus = dir.File("corpus.jsonl");
        await File.WriteAllLinesAsync(corpus, File.ReadLines(StoreCommandsTests.FindData("cranfield", "corpus.jsonl")).Take(600), Ct);
        string store = dir.File("store");

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stdout = new LockedWriter();
        using var stderr = new LockedWriter();
        // On its own thread, as Ctrl-C arrives from another one: encoding runs synchronously inside the command.
        var run = Task.Run(() => NormRetrieval.Cli.CliApplication.RunAsync(["index", "--store", store, "--collection", "c", "--input", corpus, "--model", "minilm"], new CliOutput(stdout, stderr), cancel.Token), Ct);
        await WaitForAsync(() => stderr.Snapshot().Contains("index: ", StringComparison.Ordinal));
        await cancel.CancelAsync();
        Assert.Equal(ExitCodes.Cancelled, await run);
        var errors = stderr.Snapshot().Split('\n').Where(l => l.StartsWith("normretrieval: error", StringComparison.Ordinal)).ToList();
        Assert.Equal(["normretrieval: error: cancelled"], errors);

        var rerun = await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", corpus, "--model", "minilm");
        Assert.Equal(ExitCodes.Success, rerun.ExitCode);
        Assert.Contains("indexed 600 documents", rerun.Out, StringComparison.Ordinal);
        Assert.Contains("(600 records", rerun.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Case_12_a_store_path_that_is_a_file_is_bad_input()
    {
        using var dir = new TempDirectory();
        string file = dir.File("not-a-folder");
        await File.WriteAllTextAsync(file, "x", Ct);
        var result = await CliRunner.RunAsync("stats", "--store", file, "--collection", "c");
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Equal("normretrieval: error: --store '" + file + "' is a file; a store is a folder (an existing one, or a new one to create).", result.Error.Trim());
        Assert.Equal("x", await File.ReadAllTextAsync(file, Ct));
    }

    [Fact]
    public async Task Case_12_a_store_folder_that_cannot_be_created_is_bad_input()
    {
        // Under /proc nobody may create a folder, root included (the CI runs as root, for whom chmod is no barrier).
        using var dir = new TempDirectory();
        string corpus = dir.File("corpus.jsonl");
        await File.WriteAllLinesAsync(corpus, File.ReadLines(StoreCommandsTests.FindData("cranfield", "corpus.jsonl")).Take(2), Ct);
        const string store = "/proc/normretrieval-test/store";
        var result = await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", corpus);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.StartsWith($"normretrieval: error: --store '{store}' cannot be created or written here: ", result.Error.Trim(), StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("NoSuchIndex42", "Flat")]
    [InlineData("Flat,efConstruction=64", "HNSW8,efConstruction=64")]
    public async Task Case_12_a_factory_string_faiss_refuses_is_bad_input_and_creates_no_collection(string refused, string accepted)
    {
        using var dir = new TempDirectory();
        string corpus = dir.File("corpus.jsonl");
        await File.WriteAllLinesAsync(corpus, File.ReadLines(StoreCommandsTests.FindData("cranfield", "corpus.jsonl")).Take(5), Ct);
        string store = dir.File("store");
        var bad = await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", corpus, "--engine", "faiss", "--index", refused);
        if (!NormRetrieval.Faiss.FaissRuntime.IsAvailable)
        {
            return;
        }

        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
        Assert.Single(bad.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith($"normretrieval: error: --index '{refused}'", StringComparison.Ordinal));
        var stats = await CliRunner.RunAsync("stats", "--store", store, "--collection", "c");
        Assert.Equal(ExitCodes.BadInput, stats.ExitCode);

        // The same command with a good factory string then works.
        var good = await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", corpus, "--engine", "faiss", "--index", accepted);
        Assert.Equal(ExitCodes.Success, good.ExitCode);
    }

    [Fact]
    public async Task Case_12_a_bad_line_is_reported_before_anything_is_written()
    {
        using var dir = new TempDirectory();
        string corpus = dir.File("corpus.jsonl");
        var lines = File.ReadLines(StoreCommandsTests.FindData("cranfield", "corpus.jsonl")).Take(40).ToList();
        lines[30] = "{\"_id\": \"broken\", \"title\": ";
        await File.WriteAllLinesAsync(corpus, lines, Ct);
        string store = dir.File("store");
        var result = await CliRunner.RunAsync("index", "--store", store, "--collection", "c", "--input", corpus);
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("31", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(store) && Directory.EnumerateFiles(store, "store.db").Any() &&
            (await CliRunner.RunAsync("stats", "--store", store, "--collection", "c")).ExitCode == ExitCodes.Success);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the command made no progress in two minutes");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>A writer the test can read while the command writes to it from another thread.</summary>
    private sealed class LockedWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public string Snapshot()
        {
            lock (_gate)
            {
                return ToString();
            }
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, index, count);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }
        }
    }
}
