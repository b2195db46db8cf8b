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

    public static Hotel Hotel(string id, params float[] vector) => new()
    {
        Id = id,
        Name = "Hotel " + id,
        Rating = id.Length,
        Visits = 10_000_000_000L + id.Length,
        Price = 99.5f,
        Score = 4.25,
        Open = true,
        Opened = new DateTimeOffset(2020, 5, 17, 10, 30, 0, TimeSpan.FromHours(2)),
        Code = Guid.Parse("8b4f2a5e-4c71-4f9e-9d0a-3c7e5b1f2a6d"),
        Tags = ["pool", "spa"],
        Rooms = ["single", "double"],
        Stars = null,
        Discount = 0.1,
        Pets = null,
        Closed = null,
        Embedding = vector.Length == 0 ? [1, 2, 3, 4] : vector,
    };
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
