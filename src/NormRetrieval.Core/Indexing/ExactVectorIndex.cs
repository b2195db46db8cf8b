using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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
/// Vectors live in one contiguous row-major array; removal moves the last row into the hole. Batch
/// searches scan rows in cache-sized blocks against blocks of queries, in parallel over query blocks,
/// and keep each query's best k in a bounded heap. Ties are broken by the smaller id.
/// </para>
/// <para>
/// Thread-safety: any number of concurrent searches with one writer (add, remove, save), guarded by a
/// reader–writer lock; a search sees the index before or after a write, never halfway.
/// </para>
/// </remarks>
public sealed class ExactVectorIndex : IVectorIndex
{
    /// <summary>Floats read or written per call (64 MB): a span of bytes cannot cover more than 2 GB.</summary>
    private const int IoBlock = 1 << 24;

    private const uint Magic = 0x4958524E; // "NRXI"
    private const int FormatVersion = 1;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> _rowOf = [];
    private readonly ExactVectorIndexOptions _options;
    private float[] _vectors;
    private long[] _ids;
    private int _count;
    private bool _disposed;

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
        _vectors = [];
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
        vectors.CopyTo(_vectors.AsSpan(_count * Dimension));
        for (int i = 0; i < ids.Length; i++)
        {
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
                _vectors.AsSpan(last * Dimension, Dimension).CopyTo(_vectors.AsSpan(row * Dimension, Dimension));
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
        return _rowOf.TryGetValue(id, out int row) ? _vectors.AsSpan(row * Dimension, Dimension).ToArray() : null;
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
        return (_ids.AsSpan(0, _count).ToArray(), _vectors.AsSpan(0, _count * Dimension).ToArray());
    }

    /// <summary>
    /// The top <paramref name="k"/> of one query among the given ids only (ids the index does not hold are skipped):
    /// an exact filtered search that reads no vector from anywhere but memory.
    /// </summary>
    /// <param name="query">The query (unit length for cosine).</param>
    /// <param name="k">Results wanted (≥ 1).</param>
    /// <param name="ids">The ids allowed.</param>
    /// <returns>Id and inner product, best first (ties by id).</returns>
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

            float score = System.Numerics.Tensors.TensorPrimitives.Dot(query, _vectors.AsSpan(row * Dimension, Dimension));
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
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        string temp = path + ".tmp";
        using var held = _lock.Read();
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> header = stackalloc byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], FormatVersion);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], Dimension);
            BinaryPrimitives.WriteInt64LittleEndian(header[12..], _count);
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(_ids.AsSpan(0, _count)));
            for (long at = 0, total = (long)_count * Dimension; at < total; at += IoBlock)
            {
                stream.Write(MemoryMarshal.AsBytes(_vectors.AsSpan((int)at, (int)Math.Min(IoBlock, total - at))));
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Threads and block sizes.</param>
    /// <returns>The index.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an index of this format, or is truncated or damaged.</exception>
    public static ExactVectorIndex Load(string path, ExactVectorIndexOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load(stream, path, options);
    }

    /// <summary>
    /// Reads an index written by <see cref="Save"/> from a stream positioned at its start, reading every byte
    /// once, in order (a caller can hash the file as it is read).
    /// </summary>
    /// <param name="stream">The stream; its length must be known.</param>
    /// <param name="name">How errors name the source.</param>
    /// <param name="options">Threads and block sizes.</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">The stream is not an index of this format, or is truncated or damaged.</exception>
    public static ExactVectorIndex Load(Stream stream, string name, ExactVectorIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Index files are little-endian.");
        }

        Span<byte> header = stackalloc byte[20];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) != header.Length ||
            BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            throw new InvalidDataException($"'{name}' is not a NormRetrieval exact index file.");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        long count = BinaryPrimitives.ReadInt64LittleEndian(header[12..]);
        long expectedLength = 20 + (count * sizeof(long)) + (count * dimension * sizeof(float));
        if (version != FormatVersion || dimension < 1 || count < 0 || count > int.MaxValue || stream.Length != expectedLength)
        {
            throw new InvalidDataException($"'{name}' is damaged or truncated (version {version}, dimension {dimension}, count {count}, {stream.Length} bytes).");
        }

        var index = new ExactVectorIndex(dimension, options);
        int n = (int)count;
        index.EnsureCapacity(n);
        stream.ReadExactly(MemoryMarshal.AsBytes(index._ids.AsSpan(0, n)));
        for (long at = 0, total = (long)n * dimension; at < total; at += IoBlock)
        {
            // In blocks: a span of bytes cannot cover more than 2 GB (1.4M vectors of 384 dimensions).
            stream.ReadExactly(MemoryMarshal.AsBytes(index._vectors.AsSpan((int)at, (int)Math.Min(IoBlock, total - at))));
        }

        index._rowOf.EnsureCapacity(n);
        for (int i = 0; i < n; i++)
        {
            if (index._ids[i] < 0 || !index._rowOf.TryAdd(index._ids[i], i))
            {
                throw new InvalidDataException($"'{name}' is damaged: id {index._ids[i]} is invalid or repeated.");
            }
        }

        index._count = n;
        return index;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
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
                    float score = TensorPrimitives.Dot(query, _vectors.AsSpan(row * dim, dim));
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
        if (_ids.Length >= rows)
        {
            return;
        }

        int capacity = Math.Max(rows, Math.Max(16, _ids.Length * 2));
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _vectors, checked(capacity * Dimension));
    }
}
