using System.Diagnostics;
using Microsoft.Extensions.VectorData;
using NormRetrieval.Testing;

namespace NormRetrieval.SemanticKernel.Tests.Persistence;

public sealed class CrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly VectorStoreCollectionDefinition Definition = new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", typeof(string)),
            new VectorStoreDataProperty("Batch", typeof(int)),
            new VectorStoreDataProperty("Text", typeof(string)) { IsFullTextIndexed = true },
            new VectorStoreVectorProperty("Vector", typeof(float[]), 16),
        ],
    };

    [Fact]
    public async Task A_process_killed_at_random_moments_loses_no_acknowledged_upsert()
    {
        using var dir = new TempDirectory();
        string storePath = Path.Combine(dir.Path, "store");
        string worker = Path.Combine(AppContext.BaseDirectory, "NormRetrieval.CrashWorker.dll");
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var rng = new Random(2026);
        const int Kills = 20;
        for (int round = 0; round < Kills; round++)
        {
            var start = new ProcessStartInfo("dotnet", [worker, storePath, "r" + round, round.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var acks = new List<string>();
            var readyOrExit = new TaskCompletionSource();
            var firstAck = new TaskCompletionSource();
            var reader = Task.Run(
                async () =>
                {
                    string? line;
                    while ((line = await process.StandardOutput.ReadLineAsync(Ct)) is not null)
                    {
                        if (line == "ready")
                        {
                            readyOrExit.TrySetResult();
                        }
                        else if (line.StartsWith("ack ", StringComparison.Ordinal))
                        {
                            lock (acks)
                            {
                                acks.Add(line[4..]);
                            }

                            firstAck.TrySetResult();
                        }
                    }

                    readyOrExit.TrySetResult();
                    firstAck.TrySetResult();
                },
                Ct);
            await readyOrExit.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            if (process.HasExited)
            {
                Assert.Fail("the worker exited early: " + await process.StandardError.ReadToEndAsync(Ct));
            }

            // Kill while it writes: at a random moment after its first acknowledged batch (a busy machine can
            // take longer than any fixed delay to get there, and a kill before any write tests nothing).
            await firstAck.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            await Task.Delay(rng.Next(0, 400), Ct);
            process.Kill(entireProcessTree: true); // SIGKILL on Unix
            await process.WaitForExitAsync(Ct);
            await reader;
            lock (acks)
            {
                acknowledged.UnionWith(acks);
            }

            using var store = new NormVectorStore(storePath);
            var collection = (NormDynamicCollection)store.GetDynamicCollection("crash", Definition);
            long count = await collection.CountAsync(Ct);
            Assert.Equal(count, collection.IndexCount());
            var found = new HashSet<string>(StringComparer.Ordinal);
            foreach (var chunk in acknowledged.Chunk(500))
            {
                await foreach (var record in collection.GetAsync(chunk, cancellationToken: Ct))
                {
                    found.Add((string)record["Key"]!);
                }
            }

            Assert.True(acknowledged.Count == found.Count, $"round {round}: {acknowledged.Count - found.Count} acknowledged records lost");
            Assert.Equal(count, collection.Statistics.Count);
            var probe = new float[16];
            Array.Fill(probe, 1f);
            var hits = await collection.SearchAsync(probe, 5, cancellationToken: Ct).ToListAsync(Ct);
            Assert.Equal((int)Math.Min(5, count), hits.Count);

            // The full-text index committed with the rows: verify finds it in step, and an acknowledged record's
            // own word finds it first by keyword alone.
            var verification = await store.VerifyAsync(Ct);
            Assert.True(verification.IsHealthy, $"round {round}: " + string.Join("; ", verification.Problems));
            string last = acknowledged.Last();
            var keywordOnly = new NormRetrieval.VectorData.NormHybridSearchOptions<Dictionary<string, object?>> { Fusion = NormRetrieval.Ranking.HybridFusionOptions.Parse("weighted:0") };
            var byWord = await collection.HybridSearchAsync(probe, [last.Replace('-', 'x')], 1, keywordOnly, Ct).SingleAsync(Ct);
            Assert.Equal(last, byWord.Record["Key"]);
        }

        Assert.True(acknowledged.Count > 50, $"only {acknowledged.Count} records were acknowledged");
    }
}
