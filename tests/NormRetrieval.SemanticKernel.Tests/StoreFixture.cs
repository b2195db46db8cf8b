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
