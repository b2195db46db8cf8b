using System.IO.Hashing;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// A write-only view of a file that hashes every byte as it is written, so that saving an index and sealing it
/// take one pass over the file instead of two.
/// </summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    private readonly XxHash128 _hash = new();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    /// <summary>The checksum of what has been written, as <see cref="SqliteStorage.Checksum"/> writes it.</summary>
    /// <returns>Hex digits.</returns>
    public string Checksum() => Convert.ToHexString(_hash.GetCurrentHash());

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.Append(buffer);
        inner.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
