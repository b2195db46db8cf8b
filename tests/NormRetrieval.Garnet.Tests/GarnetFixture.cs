using System.Net;
using System.Net.Sockets;
using GarnetServer = global::Garnet.GarnetServer;
using GarnetServerOptions = global::Garnet.server.GarnetServerOptions;
using NormRetrieval.SemanticKernel;
using NormRetrieval.Testing;
using StackExchange.Redis;
using NormRetrieval.VectorData;

[assembly: AssemblyFixture(typeof(NormRetrieval.Garnet.Tests.GarnetFixture))]

namespace NormRetrieval.Garnet.Tests;

/// <summary>One in-process Garnet server (Microsoft.Garnet, vector sets enabled) for the test assembly.</summary>
public sealed class GarnetFixture : IDisposable
{
    private readonly GarnetServer _server;
    private int _names;

    public GarnetFixture()
    {
        Port = FreePort();
        _server = StartServer(Port, password: null);
        Connection = ConnectionMultiplexer.Connect($"127.0.0.1:{Port},abortConnect=true");
    }

    public int Port { get; }

    public IConnectionMultiplexer Connection { get; }

    /// <summary>A collection name no other test uses.</summary>
    public string NewName(string prefix) => prefix + "-" + Interlocked.Increment(ref _names).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static GarnetServer StartServer(int port, string? password, global::Garnet.server.TLS.IGarnetTlsOptions? tls = null)
    {
        var options = new GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
            EnableVectorSetPreview = true,
            LogMemorySize = "256m",
            QuietMode = true,
        };
        if (tls is not null)
        {
            options.TlsOptions = tls;
        }

        if (password is not null)
        {
            options.AuthSettings = new global::Garnet.server.Auth.Settings.PasswordAuthenticationSettings(password);
        }

        var server = new GarnetServer(options);
        server.Start();
        return server;
    }

    public void Dispose()
    {
        Connection.Dispose();
        _server.Dispose();
    }
}

/// <summary>A store to run a contract case against: the embedded default or Garnet with some shards.</summary>
public sealed class StoreUnderTest : IDisposable
{
    private readonly TempDirectory? _dir;

    private StoreUnderTest(Microsoft.Extensions.VectorData.VectorStore store, TempDirectory? dir)
    {
        Store = store;
        _dir = dir;
    }

    public Microsoft.Extensions.VectorData.VectorStore Store { get; }

    public bool IsGarnet => Store is GarnetVectorStore;

    /// <summary>"embedded", "garnet-1" or "garnet-4".</summary>
    public static StoreUnderTest Open(string kind, GarnetFixture garnet, NormRankingOptions? ranking = null)
    {
        if (kind == "embedded")
        {
            var dir = new TempDirectory();
            return new StoreUnderTest(new NormVectorStore(Path.Combine(dir.Path, "store"), new NormVectorStoreOptions { Engine = "flat", Ranking = ranking }), dir);
        }

        int shards = int.Parse(kind["garnet-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        return new StoreUnderTest(new GarnetVectorStore(garnet.Connection, new GarnetVectorStoreOptions { Shards = shards, Ranking = ranking }), null);
    }

    public Microsoft.Extensions.VectorData.VectorStoreCollection<TKey, TRecord> Collection<TKey, TRecord>(string name)
        where TKey : notnull
        where TRecord : class => Store.GetCollection<TKey, TRecord>(name);

    public Task<NormSearchResponse<TRecord>> SearchDetailedAsync<TKey, TRecord>(
        Microsoft.Extensions.VectorData.VectorStoreCollection<TKey, TRecord> collection, float[] query, int top, Microsoft.Extensions.VectorData.VectorSearchOptions<TRecord>? options = null)
        where TKey : notnull
        where TRecord : class => collection switch
        {
            NormCollection<TKey, TRecord> n => n.SearchDetailedAsync(query, top, options, TestContext.Current.CancellationToken),
            GarnetCollection<TKey, TRecord> g => g.SearchDetailedAsync(query, top, options, TestContext.Current.CancellationToken),
            _ => throw new InvalidOperationException(),
        };

    public static async Task<long> CountAsync<TKey, TRecord>(Microsoft.Extensions.VectorData.VectorStoreCollection<TKey, TRecord> collection)
        where TKey : notnull
        where TRecord : class => collection switch
        {
            NormCollection<TKey, TRecord> n => await n.CountAsync(TestContext.Current.CancellationToken),
            GarnetCollection<TKey, TRecord> g => await g.CountAsync(TestContext.Current.CancellationToken),
            _ => throw new InvalidOperationException(),
        };

    public static async Task<NormRetrieval.Statistics.NormStatistics> StatisticsAsync<TKey, TRecord>(Microsoft.Extensions.VectorData.VectorStoreCollection<TKey, TRecord> collection)
        where TKey : notnull
        where TRecord : class => collection switch
        {
            NormCollection<TKey, TRecord> n => n.Statistics,
            GarnetCollection<TKey, TRecord> g => await g.GetStatisticsAsync(TestContext.Current.CancellationToken),
            _ => throw new InvalidOperationException(),
        };

    public void Dispose()
    {
        Store.Dispose();
        _dir?.Dispose();
    }
}
