using NormRetrieval.Faiss.Native;
using NormRetrieval.Indexing;
using NormRetrieval.Vectors;

namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// A Faiss index with the inner-product metric behind the <see cref="IVectorIndex"/> interface: the same
/// contract as the managed <see cref="ExactVectorIndex"/> (64-bit ids, id −1 and score −∞ for empty
/// slots, typed errors instead of native crashes).
/// </summary>
/// <remarks>
/// <para>
/// Removal: <c>Flat</c> and <c>IVF…</c> remove by id; graph indexes (<c>HNSW…</c>, <c>NSG…</c>) cannot, and
/// <see cref="Remove"/> throws <see cref="NotSupportedException"/>: rebuild instead — create a new index and
/// add the vectors to keep (the embedded store rebuilds from its database).
/// </para>
/// <para>
/// Thread-safety: concurrent searches with a single writer (add, remove, train, save), guarded by a
/// reader–writer lock. Per-call nprobe travels in a native <c>SearchParameters</c> object. Faiss 1.7.3's
/// HNSW ignores the efSearch of such an object, so efSearch is set on the index instead, between
/// searches: concurrent searches with the same efSearch run together, a search with another efSearch
/// waits until they finish.
/// </para>
/// </remarks>
public sealed class FaissIndex : IVectorIndex
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly FaissIndexHandle _handle;
    private readonly FaissIndexOptions _options;
    private readonly HashSet<long> _ids;
    private readonly ExactVectorIndex? _pending;
    private readonly object _efGate = new();
    private FaissParameterSpaceHandle? _parameterSpace;
    private int _currentEf = -1;
    private int _efUsers;
    private bool _disposed;

    private FaissIndex(FaissIndexHandle handle, string factory, FaissIndexOptions options, HashSet<long> ids)
    {
        _handle = handle;
        _options = options;
        _ids = ids;
        Factory = factory;
        Dimension = FaissNative.faiss_Index_d(handle);
        string upper = factory.ToUpperInvariant();
        SupportsRemove = !upper.Contains("HNSW", StringComparison.Ordinal) && !upper.Contains("NSG", StringComparison.Ordinal);
        IsHnsw = upper.Contains("HNSW", StringComparison.Ordinal);
        IsIvf = upper.Contains("IVF", StringComparison.Ordinal);
        if (options.TrainAfter is int n && !IsTrained)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(options));
            _pending = new ExactVectorIndex(Dimension, new ExactVectorIndexOptions { Threads = 1 });
        }
    }

    /// <summary>The Faiss factory string actually used (with the id mapping added).</summary>
    public string Factory { get; }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public long Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _ids.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <inheritdoc />
    public string Description => "faiss:" + Factory;

    /// <inheritdoc />
    public bool SupportsRemove { get; }

    /// <summary>Whether the index is trained (types without training always are).</summary>
    public bool IsTrained => FaissNative.faiss_Index_is_trained(_handle) != 0;

    /// <summary>Vectors held until automatic training (see <see cref="FaissIndexOptions.TrainAfter"/>).</summary>
    public long PendingCount => _pending?.Count ?? 0;

    /// <summary>Faiss's default HNSW efSearch, used when neither the options nor the call give one.</summary>
    private const int DefaultEfSearch = 16;

    private bool IsHnsw { get; }

    private bool IsIvf { get; }

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimension">The vector dimension.</param>
    /// <param name="options">Factory string, training and threads.</param>
    /// <returns>The index.</returns>
    /// <exception cref="PlatformNotSupportedException">Faiss is unavailable (see <see cref="FaissRuntime.UnavailableReason"/>).</exception>
    /// <exception cref="FaissException">Faiss does not understand the factory string.</exception>
    public static FaissIndex Create(int dimension, FaissIndexOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        options ??= new FaissIndexOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Factory, nameof(options));
        FaissRuntime.EnsureAvailable();
        string factory = WithIdMapping(options.Factory.Trim());
        FaissNative.Check(FaissNative.faiss_index_factory(out var handle, dimension, factory, FaissNative.MetricInnerProduct), $"index_factory(\"{factory}\")");
        return new FaissIndex(handle, factory, options, []);
    }

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Threads and defaults (the factory string is read from the file's type).</param>
    /// <returns>The index.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FaissException">Faiss cannot read the file (damaged or not an index).</exception>
    public static FaissIndex Load(string path, FaissIndexOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FaissRuntime.EnsureAvailable();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The Faiss index file '{path}' does not exist.", path);
        }

        string factory = File.Exists(path + ".factory") ? File.ReadAllText(path + ".factory").Trim() : options?.Factory ?? "Flat";
        FaissNative.Check(FaissNative.faiss_read_index_fname(path, 0, out var handle), $"read_index(\"{path}\")");
        try
        {
            if (FaissNative.faiss_Index_metric_type(handle) != FaissNative.MetricInnerProduct)
            {
                throw new FaissException($"The index in '{path}' does not use the inner-product metric.");
            }

            long n = FaissNative.faiss_Index_ntotal(handle);
            var ids = new long[n];
            unsafe
            {
                fixed (long* p = ids)
                {
                    FaissNative.Check(FaissNative.nr_faiss_ids(handle, p, (nuint)n), "list ids");
                }
            }

            var set = new HashSet<long>(ids);
            if (set.Count != ids.Length)
            {
                throw new FaissException($"The index in '{path}' holds repeated ids.");
            }

            return new FaissIndex(handle, factory, (options ?? new FaissIndexOptions()) with { Factory = factory, TrainAfter = null }, set);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Trains the index on representative vectors (IVF, PQ); a no-op for types that need no training.</summary>
    /// <param name="vectors">Training vectors, row-major.</param>
    /// <exception cref="FaissException">Faiss rejects the training set (e.g. fewer points than clusters).</exception>
    public void Train(ReadOnlySpan<float> vectors)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRows(vectors, nameof(vectors), out long n);
        _lock.EnterWriteLock();
        try
        {
            TrainCore(vectors, n);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc />
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ids.IsEmpty && vectors.IsEmpty)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            var seen = VectorIndexArguments.CheckAdd(Dimension, ids, vectors, _ids.Contains);
            if (_pending is not null && !IsTrained)
            {
                _pending.Add(ids, vectors);
                _ids.UnionWith(seen);
                if (_pending.Count >= _options.TrainAfter)
                {
                    FlushPending();
                }

                return;
            }

            AddNative(ids, vectors);
            _ids.UnionWith(seen);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc />
    public int Remove(ReadOnlySpan<long> ids)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!SupportsRemove)
        {
            throw new NotSupportedException(
                $"Faiss index '{Factory}' cannot remove vectors. Rebuild it instead: create a new index and add the vectors to keep.");
        }

        _lock.EnterWriteLock();
        try
        {
            long[] present = [.. ids.ToArray().Distinct().Where(_ids.Contains)];
            if (present.Length == 0)
            {
                return 0;
            }

            int removed = _pending is { Count: > 0 } pending ? pending.Remove(present) : 0;
            if (FaissNative.faiss_Index_ntotal(_handle) > 0)
            {
                unsafe
                {
                    fixed (long* p = present)
                    {
                        FaissNative.Check(FaissNative.faiss_IDSelectorBatch_new(out var selector, (nuint)present.Length, p), "IDSelectorBatch");
                        using (selector)
                        {
                            FaissNative.Check(FaissNative.faiss_Index_remove_ids(_handle, selector, out nuint n), "remove_ids");
                            removed += (int)n;
                        }
                    }
                }
            }

            _ids.ExceptWith(present);
            return removed;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc />
    public bool Contains(long id)
    {
        _lock.EnterReadLock();
        try
        {
            return _ids.Contains(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The ids the index holds (including those waiting for training).</summary>
    /// <returns>A copy of the id set.</returns>
    public HashSet<long> Ids()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _ids];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public VectorSearchResults Search(ReadOnlySpan<float> queries, int k, VectorSearchParameters? parameters = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int nq = VectorIndexArguments.CheckSearch(Dimension, queries, k);
        var scores = new float[(long)nq * k];
        var labels = new long[scores.Length];
        _lock.EnterReadLock();
        bool efHeld = false;
        try
        {
            ApplyThreads(parameters?.Threads);
            efHeld = EnterEfSearch(parameters);
            using var native = NewSearchParameters(parameters);
            unsafe
            {
                fixed (float* x = queries)
                fixed (float* d = scores)
                fixed (long* l = labels)
                {
                    int status = native is null
                        ? FaissNative.faiss_Index_search(_handle, nq, x, k, d, l)
                        : FaissNative.faiss_Index_search_with_params(_handle, nq, x, k, native, d, l);
                    FaissNative.Check(status, "search");
                }
            }

            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] < 0)
                {
                    labels[i] = VectorSearchResults.NoId;
                    scores[i] = float.NegativeInfinity;
                }
            }

            var results = new VectorSearchResults(nq, k, labels, scores);
            return _pending is { Count: > 0 } pending ? Merge(results, pending.Search(queries, k)) : results;
        }
        finally
        {
            if (efHeld)
            {
                ExitEfSearch();
            }

            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Vectors are still held for automatic training.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _lock.EnterReadLock();
        try
        {
            if (_pending is { Count: > 0 })
            {
                throw new InvalidOperationException(
                    $"The index is not trained yet ({_pending.Count} vectors wait for {_options.TrainAfter}); train it before saving.");
            }

            string temp = path + ".tmp";
            FaissNative.Check(FaissNative.faiss_write_index_fname(_handle, temp), $"write_index(\"{temp}\")");
            File.WriteAllText(path + ".factory.tmp", Factory);
            File.Move(path + ".factory.tmp", path + ".factory", overwrite: true);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _handle.Dispose();
            _parameterSpace?.Dispose();
            _pending?.Dispose();
            _lock.Dispose();
        }
    }

    /// <summary>Adds an <c>IDMap</c> prefix where the index type cannot store external ids itself.</summary>
    internal static string WithIdMapping(string factory) =>
        factory.StartsWith("IDMap", StringComparison.OrdinalIgnoreCase) || factory.StartsWith("IVF", StringComparison.OrdinalIgnoreCase)
            ? factory
            : "IDMap," + factory;

    private static VectorSearchResults Merge(VectorSearchResults a, VectorSearchResults b)
    {
        int k = a.K;
        var ids = new long[a.Ids.Length];
        var scores = new float[a.Scores.Length];
        for (int q = 0; q < a.QueryCount; q++)
        {
            var merged = a.Results(q).Concat(b.Results(q)).OrderByDescending(r => r.Score).ThenBy(r => r.Id).Take(k).ToList();
            for (int i = 0; i < k; i++)
            {
                ids[(q * k) + i] = i < merged.Count ? merged[i].Id : VectorSearchResults.NoId;
                scores[(q * k) + i] = i < merged.Count ? merged[i].Score : float.NegativeInfinity;
            }
        }

        return new VectorSearchResults(a.QueryCount, k, ids, scores);
    }

    private FaissSearchParametersHandle? NewSearchParameters(VectorSearchParameters? parameters)
    {
        if (IsIvf && (parameters?.NProbe ?? _options.NProbe) is int nprobe)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(nprobe, 1, nameof(parameters));
            FaissNative.Check(FaissNative.faiss_SearchParametersIVF_new_with(out var sp, IntPtr.Zero, (nuint)nprobe, 0), "SearchParametersIVF");
            return sp;
        }

        return null;
    }

    /// <summary>Makes the index's efSearch the one this search asks for, waiting for searches that use another.</summary>
    private bool EnterEfSearch(VectorSearchParameters? parameters)
    {
        if (!IsHnsw)
        {
            return false;
        }

        int ef = parameters?.EfSearch ?? _options.EfSearch ?? DefaultEfSearch;
        ArgumentOutOfRangeException.ThrowIfLessThan(ef, 1, nameof(parameters));
        lock (_efGate)
        {
            while (_efUsers > 0 && _currentEf != ef)
            {
                Monitor.Wait(_efGate);
            }

            if (_currentEf != ef)
            {
                if (_parameterSpace is null)
                {
                    FaissNative.Check(FaissNative.faiss_ParameterSpace_new(out var space), "ParameterSpace");
                    _parameterSpace = space;
                }

                FaissNative.Check(FaissNative.faiss_ParameterSpace_set_index_parameter(_parameterSpace, _handle, "efSearch", ef), "set efSearch");
                _currentEf = ef;
            }

            _efUsers++;
        }

        return true;
    }

    private void ExitEfSearch()
    {
        lock (_efGate)
        {
            if (--_efUsers == 0)
            {
                Monitor.PulseAll(_efGate);
            }
        }
    }

    private void ApplyThreads(int? perCall)
    {
        if ((perCall ?? _options.Threads) is int threads)
        {
            // OpenMP's count is per calling thread. (OpenBLAS's is process-wide: see FaissRuntime.SetBlasThreads.)
            FaissNative.nr_faiss_set_omp_threads(Math.Max(1, threads));
        }
    }

    private void TrainCore(ReadOnlySpan<float> vectors, long n)
    {
        ApplyThreads(null);
        unsafe
        {
            fixed (float* x = vectors)
            {
                FaissNative.Check(FaissNative.faiss_Index_train(_handle, n, x), "train");
            }
        }
    }

    private void AddNative(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        ApplyThreads(null);
        unsafe
        {
            fixed (float* x = vectors)
            fixed (long* p = ids)
            {
                FaissNative.Check(FaissNative.faiss_Index_add_with_ids(_handle, ids.Length, x, p), "add_with_ids");
            }
        }
    }

    private void FlushPending()
    {
        var pending = _pending!;
        var (ids, vectors) = pending.Export();
        TrainCore(vectors, ids.Length);
        AddNative(ids, vectors);
        pending.Remove(ids);
    }

    private void CheckRows(ReadOnlySpan<float> vectors, string paramName, out long rows)
    {
        if (vectors.IsEmpty || vectors.Length % Dimension != 0)
        {
            throw new InvalidVectorException(
                VectorProblem.DimensionMismatch,
                $"{vectors.Length} floats are not a positive multiple of the dimension {Dimension}.",
                paramName)
            {
                ExpectedDimension = Dimension,
                ActualDimension = vectors.Length,
            };
        }

        rows = vectors.Length / Dimension;
    }
}
