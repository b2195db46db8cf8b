using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NormRetrieval.Vectors;
using NormRetrieval.Threading;

namespace NormRetrieval.Indexing;

/// <summary>
/// The managed exact inner-product index: every search scans every vector with SIMD dot products
/// (TensorPrimitives), so results are exact. It is the engine used when no native engine is available,
/// and the reference every other engine is tested against.
/// </summary>
/// <remarks>
/// <para>
/// Vectors live row-major in chunks of 16,384 rows (the last one grows by doubling until full), so that growing
/// never copies more than one chunk and no array nears the 2 GB limit of a span; removal moves the last row
/// into the hole. Batch
/// searches scan rows in cache-sized blocks against blocks of queries, in parallel over query blocks,
/// and keep each query's best k in a bounded heap. Ties are broken by the smaller id.
/// </para>
/// <para>
/// Thread-safety: any number of concurrent searches with one writer (add, remove, save), guarded by a
/// reader–writer lock; a search sees the index before or after a write, never halfway.
/// </para>
/// </remarks>
public sealed partial class ExactVectorIndex : IVectorIndex
{
    /// <summary>Rows per chunk of storage, as a power of two.</summary>
    private const int ChunkShift = 14;

    private const int ChunkRows = 1 << ChunkShift;

    private const int ChunkMask = ChunkRows - 1;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> _rowOf = [];
    private readonly ExactVectorIndexOptions _options;
    private float[][] _chunks = [];
    private long[] _ids;
    private int _count;
    private bool _disposed;

    /// <summary>The last background save (see <see cref="SaveInBackground"/>).</summary>
    private Task? _background;

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimension">The vector dimension (≥ 1).</param>
    /// <param name="options">Threads and block sizes.</param>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is below 1.</exception>
    public ExactVectorIndex(int dimension, ExactVectorIndexOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        _options = options ?? new ExactVectorIndexOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Threads, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.RowBlock, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.QueryBlock, 1, nameof(options));
        _ids = [];
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public long Count
    {
        get
        {
            using var held = _lock.Read();
            return _count;
        }
    }

    /// <inheritdoc />
    public string Description => "exact";

    /// <inheritdoc />
    public bool SupportsRemove => true;

    /// <inheritdoc />
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var held = _lock.Write();
        VectorIndexArguments.CheckAdd(Dimension, ids, vectors, _rowOf.ContainsKey);
        EnsureCapacity(_count + ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            vectors.Slice(i * Dimension, Dimension).CopyTo(Row(_count + i));
            _ids[_count + i] = ids[i];
            _rowOf[ids[i]] = _count + i;
        }

        _count += ids.Length;
    }

    /// <inheritdoc />
    public int Remove(ReadOnlySpan<long> ids)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var held = _lock.Write();

        // A removal moves the last row into the hole: a background save still reading those rows goes first.
        WaitForBackgroundSave();
        int removed = 0;
        foreach (long id in ids)
        {
            if (!_rowOf.Remove(id, out int row))
            {
                continue;
            }

            int last = _count - 1;
            if (row != last)
            {
                Row(last).CopyTo(Row(row));
                _ids[row] = _ids[last];
                _rowOf[_ids[row]] = row;
            }

            _count = last;
            removed++;
        }

        return removed;
    }

    /// <inheritdoc />
    public bool Contains(long id)
    {
        using var held = _lock.Read();
        return _rowOf.ContainsKey(id);
    }

    /// <summary>Copies the vector stored under an id.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The vector, or null when the id is absent.</returns>
    public float[]? GetVector(long id)
    {
        using var held = _lock.Read();
        return _rowOf.TryGetValue(id, out int row) ? Row(row).ToArray() : null;
    }

    /// <summary>Copies out every id (without the vectors).</summary>
    /// <returns>The ids, in storage order.</returns>
    public long[] Ids()
    {
        using var held = _lock.Read();
        return _ids.AsSpan(0, _count).ToArray();
    }

    /// <summary>Copies out every id and vector (e.g. to rebuild another index from this one).</summary>
    /// <returns>The ids and the row-major vectors, in storage order.</returns>
    public (long[] Ids, float[] Vectors) Export()
    {
        using var held = _lock.Read();
        var vectors = new float[(long)_count * Dimension];
        for (int row = 0; row < _count; row++)
        {
            Row(row).CopyTo(vectors.AsSpan(row * Dimension, Dimension));
        }

        return (_ids.AsSpan(0, _count).ToArray(), vectors);
    }

    /// <summary>
    /// The top <paramref name="k"/> of one query among the given ids only (ids the index does not hold are skipped):
    /// an exact filtered search that reads no vector from anywhere but memory.
    /// </summary>
    /// <param name="query">The query (unit length for cosine).</param>
    /// <param name="k">Results wanted (≥ 1).</param>
    /// <param name="ids">The ids allowed.</param>
    /// <returns>Id and inner product, best first (ties by id).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<(long Id, float Score)> SearchAmong(ReadOnlySpan<float> query, int k, IEnumerable<long> ids)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"The query has {query.Length} dimensions; the index has {Dimension}.", nameof(query));
        }

        var best = new PriorityQueue<long, (float Score, long Id)>(Comparer<(float Score, long Id)>.Create((a, b) =>
        {
            int cmp = a.Score.CompareTo(b.Score);
            return cmp != 0 ? cmp : b.Id.CompareTo(a.Id);
        }));
        using var held = _lock.Read();
        foreach (long id in ids)
        {
            if (!_rowOf.TryGetValue(id, out int row))
            {
                continue;
            }

            float score = TensorPrimitives.Dot(query, Row(row));
            if (best.Count < k)
            {
                best.Enqueue(id, (score, id));
            }
            else if (best.TryPeek(out _, out var worst) && (score > worst.Score || (score == worst.Score && id < worst.Id)))
            {
                best.EnqueueDequeue(id, (score, id));
            }
        }

        var result = new List<(long Id, float Score)>(best.Count);
        while (best.TryDequeue(out long id, out var entry))
        {
            result.Add((id, entry.Score));
        }

        result.Reverse();
        return result;
    }

    /// <inheritdoc />
    public VectorSearchResults Search(ReadOnlySpan<float> queries, int k, VectorSearchParameters? parameters = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int nq = VectorIndexArguments.CheckSearch(Dimension, queries, k);
        var ids = new long[(long)nq * k];
        var scores = new float[ids.Length];
        float[] queryCopy = queries.ToArray();
        int threads = Math.Max(1, parameters?.Threads ?? _options.Threads);

        using var held = _lock.Read();
        int queryBlock = _options.QueryBlock;
        int blocks = (nq + queryBlock - 1) / queryBlock;
        if (threads == 1 || blocks == 1)
        {
            var heaps = NewHeaps(Math.Min(queryBlock, nq), k);
            for (int b = 0; b < blocks; b++)
            {
                SearchBlock(queryCopy, b * queryBlock, Math.Min(queryBlock, nq - (b * queryBlock)), heaps, ids, scores, k);
            }
        }
        else
        {
            Parallel.For(
                0,
                blocks,
                new ParallelOptions { MaxDegreeOfParallelism = threads },
                () => NewHeaps(queryBlock, k),
                (b, _, heaps) =>
                {
                    SearchBlock(queryCopy, b * queryBlock, Math.Min(queryBlock, nq - (b * queryBlock)), heaps, ids, scores, k);
                    return heaps;
                },
                _ => { });
        }

        return new VectorSearchResults(nq, k, ids, scores);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            WaitForBackgroundSave();
            _lock.Dispose();
        }
    }

    private static TopK[] NewHeaps(int count, int k)
    {
        var heaps = new TopK[count];
        for (int i = 0; i < count; i++)
        {
            heaps[i] = new TopK(k);
        }

        return heaps;
    }

    // Optimised from the first call: the first search after an open scans every row, too early for tiered compilation.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SearchBlock(float[] queries, int first, int n, TopK[] heaps, long[] ids, float[] scores, int k)
    {
        int dim = Dimension;
        int rowBlock = _options.RowBlock;
        for (int start = 0; start < _count; start += rowBlock)
        {
            int end = Math.Min(_count, start + rowBlock);
            for (int q = 0; q < n; q++)
            {
                ReadOnlySpan<float> query = queries.AsSpan((first + q) * dim, dim);
                TopK heap = heaps[q];
                for (int row = start; row < end; row++)
                {
                    float score = TensorPrimitives.Dot(query, Row(row));
                    if (score >= heap.Threshold)
                    {
                        heap.Offer(score, _ids[row]);
                    }
                }
            }
        }

        for (int q = 0; q < n; q++)
        {
            heaps[q].Drain(ids.AsSpan((first + q) * k, k), scores.AsSpan((first + q) * k, k));
        }
    }

    private void EnsureCapacity(int rows)
    {
        if (_ids.Length < rows)
        {
            // Ids in one array (8 bytes a row: copying it is cheap).
            Array.Resize(ref _ids, Math.Max(rows, Math.Max(16, _ids.Length * 2)));
        }

        // Vectors in chunks: full chunks are never copied. The first chunk grows by doubling, so that a small index
        // stays small; later ones are allocated whole (growing them would copy about as much as they end up holding).
        int chunks = (int)(((long)rows + ChunkRows - 1) >> ChunkShift);
        int last = _chunks.Length - 1;
        if (last >= 0 && _chunks[last].Length < ChunkRows * Dimension && (chunks - 1 > last || RowsIn(last) < rows - (last << ChunkShift)))
        {
            _chunks[last] = Grown(_chunks[last], last == 0 && chunks == 1 ? rows : ChunkRows);
        }

        if (chunks > _chunks.Length)
        {
            int had = _chunks.Length;
            Array.Resize(ref _chunks, chunks);
            for (int c = had; c < chunks; c++)
            {
                _chunks[c] = Grown([], c == 0 && chunks == 1 ? rows : ChunkRows);
            }
        }
    }

    private int RowsIn(int chunk) => _chunks[chunk].Length / Dimension;

    /// <summary>A chunk holding at least <paramref name="rows"/> rows: double the old one's (at least 16), at most a full chunk; the old rows copied.</summary>
    private float[] Grown(float[] chunk, int rows)
    {
        int size = Math.Min(ChunkRows, Math.Max(rows, Math.Max(16, 2 * (chunk.Length / Dimension))));
        var grown = GC.AllocateUninitializedArray<float>(size * Dimension);
        chunk.CopyTo(grown, 0);
        return grown;
    }

    /// <summary>The storage of one row.</summary>
    private Span<float> Row(int row) => _chunks[row >> ChunkShift].AsSpan((row & ChunkMask) * Dimension, Dimension);

    /// <summary>The storage of <paramref name="count"/> consecutive rows from <paramref name="first"/>, within one chunk.</summary>
    private Span<float> Rows(int first, int count) => _chunks[first >> ChunkShift].AsSpan((first & ChunkMask) * Dimension, count * Dimension);
}
