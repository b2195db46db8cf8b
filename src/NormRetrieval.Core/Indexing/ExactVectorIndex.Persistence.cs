using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NormRetrieval.Threading;

namespace NormRetrieval.Indexing;

/// <content>The index file: a header, the ids, then the vectors, row by row.</content>
public sealed partial class ExactVectorIndex
{
    private const uint Magic = 0x4958524E; // "NRXI"
    private const int FormatVersion = 1;

    /// <inheritdoc />
    public void Save(string path) => Save(path, null);

    /// <summary>
    /// Saves the index to <paramref name="path"/> (through a temporary file, flushed to disk, then moved over it),
    /// handing every byte written, in order, to <paramref name="observe"/> (e.g. a hash for a seal: no second read).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="observe">Called with consecutive pieces of the file as they are written (null: none).</param>
    public void Save(string path, Action<ReadOnlySpan<byte>>? observe)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var held = _lock.Read();
        WaitForBackgroundSave(); // it may be writing the same file
        SaveFile(path, observe, Current());
    }

    /// <summary>
    /// Saves the rows the index holds now, as <see cref="Save(string, Action{ReadOnlySpan{byte}})"/> does, on the
    /// thread pool: searches and adds go on meanwhile (adds go to rows the save does not read); a removal, which
    /// moves rows, waits until the save is done, and so does the next background save.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="observe">Called, on the saving thread, with consecutive pieces of the file as they are written.</param>
    /// <returns>The save; it faults with the save's I/O error.</returns>
    public Task SaveInBackground(string path, Action<ReadOnlySpan<byte>>? observe)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var held = _lock.Write();
        WaitForBackgroundSave();
        var rows = Current();
        var save = Task.Run(() => SaveFile(path, observe, rows));
        _background = save;
        return save;
    }

    /// <summary>Waits for a background save to end, however it ends (its owner sees how through its task).</summary>
    private void WaitForBackgroundSave()
    {
        if (_background is { IsCompleted: false } save)
        {
            Task.WhenAny(save).Wait();
        }
    }

    /// <summary>What a save writes: the first <paramref name="Count"/> ids and rows (arrays that only removals rewrite).</summary>
    private readonly record struct Snapshot(int Count, long[] Ids, float[][] Chunks);

    private Snapshot Current() => new(_count, _ids, [.. _chunks]);

    private void SaveFile(string path, Action<ReadOnlySpan<byte>>? observe, Snapshot rows)
    {
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Write(file, observe, rows);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes the index, in the format <see cref="Load(Stream, string, ExactVectorIndexOptions?)"/> reads, to a stream.</summary>
    /// <param name="stream">The stream, written from its position.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var held = _lock.Read();
        Write(stream, null, Current());
    }

    private void Write(Stream stream, Action<ReadOnlySpan<byte>>? observe, Snapshot rows)
    {
        Span<byte> header = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Dimension);
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], rows.Count);
        Put(header);
        Put(MemoryMarshal.AsBytes(rows.Ids.AsSpan(0, rows.Count)));
        for (int first = 0; first < rows.Count; first += ChunkRows)
        {
            int n = Math.Min(ChunkRows, rows.Count - first);
            Put(MemoryMarshal.AsBytes(rows.Chunks[first >> ChunkShift].AsSpan(0, n * Dimension)));
        }

        void Put(ReadOnlySpan<byte> bytes)
        {
            observe?.Invoke(bytes);
            stream.Write(bytes);
        }
    }

    /// <summary>Reads an index written by <see cref="Save(Stream)"/>.</summary>
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
    /// Reads an index written by <see cref="Save(Stream)"/> from a stream positioned at its start, reading every byte
    /// once, in order (a caller can hash the file as it is read).
    /// </summary>
    /// <param name="stream">The stream; its length must be known.</param>
    /// <param name="name">How errors name the source.</param>
    /// <param name="options">Threads and block sizes.</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">The stream is not an index of this format, or is truncated or damaged.</exception>
    public static ExactVectorIndex Load(Stream stream, string name, ExactVectorIndexOptions? options = null) => Load(stream, name, options, null);

    /// <summary>
    /// Reads an index like <see cref="Load(Stream, string, ExactVectorIndexOptions?)"/>, handing every byte read from
    /// the stream, in order, to <paramref name="observe"/> (e.g. a hash of the file): the bytes the index holds, not a
    /// second read of the file. The vectors are observed on another thread while the next ones are read, so that
    /// hashing a large index costs little more than reading it.
    /// </summary>
    /// <param name="stream">The stream; its length must be known.</param>
    /// <param name="name">How errors name the source.</param>
    /// <param name="options">Threads and block sizes.</param>
    /// <param name="observe">Called with consecutive pieces of the stream, one call at a time (null: none).</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">The stream is not an index of this format, or is truncated or damaged.</exception>
    public static ExactVectorIndex Load(Stream stream, string name, ExactVectorIndexOptions? options, Action<ReadOnlySpan<byte>>? observe)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Index files are little-endian.");
        }

        Span<byte> header = stackalloc byte[20];
        int headerRead = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        observe?.Invoke(header[..headerRead]);
        if (headerRead != header.Length || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
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
        observe?.Invoke(MemoryMarshal.AsBytes(index._ids.AsSpan(0, n)));

        // The id map is built on another core while the vectors are read (the larger part of a load).
        var rowOf = Task.Run(() =>
        {
            index._rowOf.EnsureCapacity(n);
            for (int i = 0; i < n; i++)
            {
                if (index._ids[i] < 0 || !index._rowOf.TryAdd(index._ids[i], i))
                {
                    return index._ids[i];
                }
            }

            return (long?)null;
        });
        // Each chunk, once read, is observed on the thread pool (in order: each waits for the one before) while the
        // next is read; nothing writes to a chunk after it is read.
        Task observed = Task.CompletedTask;
        try
        {
            for (int first = 0; first < n; first += ChunkRows)
            {
                int rows = Math.Min(ChunkRows, n - first);
                stream.ReadExactly(MemoryMarshal.AsBytes(index.Rows(first, rows)));
                if (observe is not null)
                {
                    float[] chunk = index._chunks[first >> ChunkShift];
                    int length = rows * dimension;
                    observed = observed.ContinueWith(
                        previous =>
                        {
                            previous.GetAwaiter().GetResult();
                            observe(MemoryMarshal.AsBytes(chunk.AsSpan(0, length)));
                        },
                        CancellationToken.None,
                        TaskContinuationOptions.None,
                        TaskScheduler.Default);
                }
            }
        }
        finally
        {
            rowOf.Wait();
            observed.GetAwaiter().GetResult();
        }

        if (rowOf.Result is long bad)
        {
            throw new InvalidDataException($"'{name}' is damaged: id {bad} is invalid or repeated.");
        }

        index._count = n;
        return index;
    }
}
