using NormRetrieval.Faiss.Native;
using NormRetrieval.Indexing;
using NormRetrieval.Vectors;
using NormRetrieval.Threading;

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
public sealed partial class FaissIndex : IVectorIndex
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly FaissIndexHandle _handle;
    private readonly FaissIndexOptions _options;
    private readonly HashSet<long> _ids;
    private readonly TrainingBuffer? _pending;
    private readonly EfSearchGate _efGate = new();
    private readonly FaissFactoryString _factory;
    private FaissParameterSpaceHandle? _parameterSpace;
    private bool _disposed;
    private long _nextTraining;

    private FaissIndex(FaissIndexHandle handle, FaissFactoryString factory, FaissIndexOptions options, HashSet<long> ids)
    {
        _handle = handle;
        _options = options;
        _ids = ids;
        _factory = factory;
        Dimension = FaissNative.faiss_Index_d(handle);
        if (factory.EfConstruction is int ef)
        {
            // Faiss keeps it in the graph's file too; set here it also holds for a file saved without it.
            try
            {
                FaissNative.Check(FaissNative.nr_faiss_hnsw_ef_construction(handle, ef, out _), "set efConstruction");
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        if (options.TrainAfter is int n && !IsTrained)
        {
            _pending = new TrainingBuffer(Dimension, n);
            _nextTraining = n;
        }
    }

    /// <summary>The Faiss factory string actually used (with the id mapping added, and its build parameters).</summary>
    public string Factory => _factory.Description;

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public long Count
    {
        get
        {
            using var held = _lock.Read();
            return _ids.Count;
        }
    }

    /// <inheritdoc />
    public string Description => "faiss:" + Factory;

    /// <inheritdoc />
    public bool SupportsRemove => _factory.SupportsRemove;

    /// <summary>
    /// Whether the index keeps compressed codes (SQ, PQ and other quantisers) rather than the vectors: its
    /// scores approximate the inner products, and may stray slightly beyond ±1 for unit vectors.
    /// </summary>
    public bool StoresApproximateVectors => _factory.IsQuantised;

    /// <summary>Whether the index is trained (types without training always are).</summary>
    public bool IsTrained => FaissNative.faiss_Index_is_trained(_handle) != 0;

    /// <summary>Vectors held until automatic training (see <see cref="FaissIndexOptions.TrainAfter"/>).</summary>
    public long PendingCount => _pending?.Count ?? 0;

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
        var factory = FaissFactoryString.Parse(options.Factory);
        FaissNative.Check(FaissNative.faiss_index_factory(out var handle, dimension, factory.Text, FaissNative.MetricInnerProduct), $"index_factory(\"{factory.Text}\")");
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
        var (handle, factory, ids) = FaissIndexFile.Load(path, options?.Factory);
        return new FaissIndex(handle, FaissFactoryString.Parse(factory), (options ?? new FaissIndexOptions()) with { Factory = factory }, ids);
    }

    /// <summary>Trains the index on representative vectors (IVF, PQ); a no-op for types that need no training.</summary>
    /// <param name="vectors">Training vectors, row-major.</param>
    /// <exception cref="FaissException">Faiss rejects the training set (e.g. fewer points than clusters).</exception>
    public void Train(ReadOnlySpan<float> vectors)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRows(vectors, nameof(vectors), out long n);
        using var held = _lock.Write();
        TrainCore(vectors, n);
        if (_pending is { Count: > 0 })
        {
            // Vectors held for automatic training go into the index now that it is trained.
            var (ids, waiting) = _pending.Held();
            AddNative(ids, waiting);
            _pending.Remove(ids);
        }
    }

    /// <summary>
    /// How many vectors an index of this factory string should hold before it trains itself (the
    /// <see cref="FaissIndexOptions.TrainAfter"/> a store uses): 39 per inverted list, 39 × 256 for product
    /// quantisers, 1,000 for scalar quantisers; null for types that need no training (Flat, HNSW).
    /// </summary>
    /// <param name="factory">The factory string.</param>
    /// <returns>The count, or null.</returns>
    public static int? SuggestedTrainingSize(string factory) => FaissFactoryString.Parse(factory).TrainingSize;

    /// <summary>Why the last automatic training failed (the vectors stay held and searchable, and training is retried when twice as many are held); null when it did not fail.</summary>
    public string? TrainingError { get; private set; }

    /// <inheritdoc />
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ids.IsEmpty && vectors.IsEmpty)
        {
            return;
        }

        using var held = _lock.Write();
        var seen = VectorIndexArguments.CheckAdd(Dimension, ids, vectors, _ids.Contains);
        if (_pending is not null && !IsTrained)
        {
            _pending.Add(ids, vectors);
            _ids.UnionWith(seen);
            if (_pending.Count >= _nextTraining)
            {
                TryFlushPending();
            }

            return;
        }

        AddNative(ids, vectors);
        _ids.UnionWith(seen);
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

        using var held = _lock.Write();
        long[] present = [.. ids.ToArray().Distinct().Where(_ids.Contains)];
        if (present.Length == 0)
        {
            return 0;
        }

        int removed = _pending?.Remove(present) ?? 0;
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
        _positions = null; // the id map closed ranks
        return removed;
    }

    /// <inheritdoc />
    public bool Contains(long id)
    {
        using var held = _lock.Read();
        return _ids.Contains(id);
    }

    /// <summary>The ids the index holds (including those waiting for training).</summary>
    /// <returns>A copy of the id set.</returns>
    public HashSet<long> Ids()
    {
        using var held = _lock.Read();
        return [.. _ids];
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
            return _pending is null ? results : _pending.MergeInto(results, queries);
        }
        finally
        {
            if (efHeld)
            {
                _efGate.Exit();
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
        using var held = _lock.Read();
        if (_pending is { Count: > 0 })
        {
            throw new InvalidOperationException(
                $"The index is not trained yet ({_pending.Count} vectors wait for {_pending.TrainAfter}); train it before saving.");
        }

        FaissIndexFile.Save(_handle, path, Factory);
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

    private FaissSearchParametersHandle? NewSearchParameters(VectorSearchParameters? parameters)
    {
        if (_factory.IsIvf && (parameters?.NProbe ?? _options.NProbe) is int nprobe)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(nprobe, 1, nameof(parameters));
            FaissNative.Check(FaissNative.faiss_SearchParametersIVF_new_with(out var sp, IntPtr.Zero, (nuint)nprobe, 0), "SearchParametersIVF");
            return sp;
        }

        return null;
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
                long before = FaissNative.faiss_Index_ntotal(_handle);
                FaissNative.Check(FaissNative.faiss_Index_add_with_ids(_handle, ids.Length, x, p), "add_with_ids");
                AppendPositions(ids, before);
            }
        }
    }

    /// <summary>Trains on the held vectors and adds them; a failure keeps them held (still searched exactly) and retries at twice the count.</summary>
    private void TryFlushPending()
    {
        var (ids, vectors) = _pending!.Held();
        try
        {
            TrainCore(vectors, ids.Length);
            AddNative(ids, vectors);
            _pending.Remove(ids);
            TrainingError = null;
        }
        catch (FaissException ex)
        {
            TrainingError = ex.Message;
            _nextTraining = (long)ids.Length * 2;
        }
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
