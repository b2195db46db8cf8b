using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// The checksum every row carries (XxHash3, 64 bits) over what it stores: key, data JSON, norm, token count and
/// direction. A row whose bytes changed after it was written — a byte flip, a hand edit that still parses —
/// no longer matches and is refused by name instead of being read as a record it never was.
/// </summary>
internal static class RowChecksum
{
    /// <summary>The SQL function name under which <see cref="Compute"/> is registered (used to add checksums to older tables).</summary>
    public const string SqlFunction = "nr_row_checksum";

    public static long Compute(string key, string data, double norm, int? tokens, ReadOnlySpan<byte> direction)
    {
        var hash = new XxHash3();
        Span<byte> scratch = stackalloc byte[8];
        Append(hash, key, scratch);
        Append(hash, data, scratch);
        BinaryPrimitives.WriteInt64LittleEndian(scratch, BitConverter.DoubleToInt64Bits(norm));
        hash.Append(scratch);
        BinaryPrimitives.WriteInt64LittleEndian(scratch, tokens ?? -1);
        hash.Append(scratch);
        BinaryPrimitives.WriteInt64LittleEndian(scratch, direction.Length);
        hash.Append(scratch);
        hash.Append(direction);
        return unchecked((long)hash.GetCurrentHashAsUInt64());
    }

    /// <summary>The checksum of a stored text (a calibration's JSON).</summary>
    public static long OfText(string text)
    {
        var hash = new XxHash3();
        Span<byte> scratch = stackalloc byte[8];
        Append(hash, text, scratch);
        return unchecked((long)hash.GetCurrentHashAsUInt64());
    }

    private static void Append(XxHash3 hash, string text, Span<byte> scratch)
    {
        // Length-prefixed, so that moving bytes between key and data changes the checksum.
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        BinaryPrimitives.WriteInt64LittleEndian(scratch, bytes.Length);
        hash.Append(scratch);
        hash.Append(bytes);
    }
}
