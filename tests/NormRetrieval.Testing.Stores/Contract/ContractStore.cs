using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace NormRetrieval.Testing.Contract;

/// <summary>
/// One store under the Microsoft.Extensions.VectorData contract, for the abstract contract suites: how to
/// open it (with an embedding generator at store level or none) and how to register it with DI. Each
/// engine's test project derives one fixture per engine (embedded with Faiss, embedded with the managed
/// index, Garnet) and one concrete class per suite.
/// </summary>
public abstract class ContractStore : IDisposable
{
    private readonly List<VectorStore> _opened = [];
    private readonly Lock _gate = new();
    private VectorStore? _default;
    private int _names;

    /// <summary>embedded-faiss, embedded-flat or garnet.</summary>
    public abstract string Kind { get; }

    /// <summary>The store every suite shares (no embedding generator).</summary>
    public VectorStore Store
    {
        get
        {
            lock (_gate)
            {
                return _default ??= OpenStore();
            }
        }
    }

    /// <summary>
    /// Whether <c>GetAsync(filter, top)</c> (a filter without a query vector) is supported; where it is not,
    /// the contract is a <see cref="NotSupportedException"/>.
    /// </summary>
    public virtual bool SupportsFilteredGet => true;

    /// <summary>Whether filters can compare with strings holding a backslash; where not, <see cref="NotSupportedException"/>.</summary>
    public virtual bool SupportsBackslashInFilters => true;

    /// <summary>The store's concrete type, which DI must register too.</summary>
    public abstract Type StoreType { get; }

    /// <summary>The concrete collection type DI must register for a key and record type.</summary>
    public abstract Type CollectionType(Type keyType, Type recordType);

    /// <summary>A collection name no other test of this fixture uses.</summary>
    public string NewName(string prefix) => prefix + "-" + Interlocked.Increment(ref _names).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Opens another instance over the same data, with an embedding generator at store level; disposed with the fixture.</summary>
    public VectorStore OpenStore(IEmbeddingGenerator? generator = null)
    {
        var store = CreateStore(generator);
        lock (_gate)
        {
            _opened.Add(store);
        }

        return store;
    }

    /// <summary>Registers the store the way a user would (keyed when <paramref name="serviceKey"/> is not null).</summary>
    public abstract void RegisterStore(IServiceCollection services, object? serviceKey, ServiceLifetime lifetime);

    /// <summary>Registers a collection the way a user would, without a store registration.</summary>
    public abstract void RegisterCollection<TKey, TRecord>(IServiceCollection services, object? serviceKey, string name, ServiceLifetime lifetime)
        where TKey : notnull
        where TRecord : class;

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var store in _opened)
            {
                store.Dispose();
            }

            _opened.Clear();
        }

        DisposeCore();
        GC.SuppressFinalize(this);
    }

    protected abstract VectorStore CreateStore(IEmbeddingGenerator? generator);

    protected virtual void DisposeCore()
    {
    }
}

/// <summary>
/// A deterministic text-to-vector generator for the contract suites: "[1, 2, 3]" becomes (1, 2, 3), with
/// the last component replaced when <paramref name="replaceLast"/> is set — so a result tells which
/// generator (store, collection or property level) embedded the query. It records the modes it was asked for.
/// </summary>
public sealed class VectorTextGenerator(float? replaceLast = null) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly List<string?> _modes = [];

    /// <summary>The mode of every request so far (null when a request named none).</summary>
    public IReadOnlyList<string?> Modes
    {
        get
        {
            lock (_modes)
            {
                return [.. _modes];
            }
        }
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_modes)
        {
            _modes.Add(options?.AdditionalProperties?.TryGetValue(Vectors.EmbeddingPropertyNames.Mode, out object? mode) == true ? mode?.ToString() : null);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            float[] vector = [.. value.Trim('[', ']').Split(',').Select(s => float.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
            if (replaceLast is float last)
            {
                vector[^1] = last;
            }

            result.Add(new Embedding<float>(vector));
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}

/// <summary>A search input that is neither a vector nor text, for custom-input-type generators.</summary>
public sealed class Customer
{
    public string? Name { get; set; }
}

/// <summary>Embeds every <see cref="Customer"/> as one fixed vector.</summary>
public sealed class CustomerGenerator(float[] vector) : IEmbeddingGenerator<Customer, Embedding<float>>
{
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<Customer> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(_ => new Embedding<float>(vector))));

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
