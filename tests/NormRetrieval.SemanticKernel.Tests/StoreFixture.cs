using Microsoft.Extensions.Logging;
using NormRetrieval.Testing;

namespace NormRetrieval.SemanticKernel.Tests;

/// <summary>A temporary store folder and helpers.</summary>
internal sealed class TempStore : IDisposable
{
    private readonly TempDirectory _dir = new();

    public string Path => System.IO.Path.Combine(_dir.Path, "store");

    public ListLoggerProvider Logs { get; } = new();

    public NormVectorStore Open(NormVectorStoreOptions? options = null)
    {
        options ??= new NormVectorStoreOptions();
        options.LoggerFactory ??= LoggerFactory.Create(b => b.AddProvider(Logs));
        return new NormVectorStore(Path, options);
    }

    public void Dispose() => _dir.Dispose();

    public static Hotel Hotel(string id, params float[] vector) => Testing.Hotel.Sample(id, vector);

    /// <summary>Hotels <c>prefix + from … prefix + (from + count − 1)</c> with seeded random 4-dimensional unit vectors.</summary>
    public static Hotel[] RandomHotels(string prefix, int from, int count, int seed)
    {
        float[] vectors = TestVectors.RandomUnitRows(new Random(seed), count, 4);
        return [.. Enumerable.Range(0, count).Select(i => Hotel(prefix + (from + i), vectors.AsSpan(i * 4, 4).ToArray()))];
    }

    /// <summary>Each hotel's own vector finds that hotel first, with a cosine within <paramref name="tolerance"/> of 1.</summary>
    public static async Task AssertEachFindsItselfAsync(NormCollection<string, Hotel> collection, IEnumerable<Hotel> hotels, double tolerance, CancellationToken cancellationToken)
    {
        foreach (var h in hotels)
        {
            var top = await collection.SearchAsync(h.Embedding!, 1, cancellationToken: cancellationToken).SingleAsync(cancellationToken);
            Assert.Equal(h.Id, top.Record.Id);
            Assert.InRange(top.Score!.Value, 1 - tolerance, 1 + tolerance);
        }
    }
}

/// <summary>Collects log messages.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._messages)
            {
                owner._messages.Add($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
