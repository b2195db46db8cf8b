using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using NormRetrieval.Onnx.Models;

namespace NormRetrieval.Onnx.Encoders;

/// <summary>
/// An on-disk cache of encoder outputs, so a rerun (another policy, another metric) does not encode the
/// same texts again. Texts are cached in chunks, each keyed by a SHA-256 of the model's identity (name,
/// pooling, max tokens, prefixes, casing), the mode and the chunk's texts: an interrupted run keeps the
/// chunks it finished, and any change to the model or the texts misses the cache.
/// </summary>
/// <remarks>Files are written atomically (temporary file, then rename). Safe to share between processes.</remarks>
public sealed class EmbeddingCache
{
    /// <summary>Texts per cache file.</summary>
    public const int ChunkSize = 256;

    private const uint Magic = 0x4345524E; // "NREC"

    /// <summary>Opens (and creates) a cache folder.</summary>
    /// <param name="directory">The folder.</param>
    public EmbeddingCache(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>Texts found in the cache by the calls so far.</summary>
    public long Hits { get; private set; }

    /// <summary>Texts encoded by the calls so far.</summary>
    public long Misses { get; private set; }

    /// <summary>Returns the encodings of the texts, reading cached chunks and encoding the rest.</summary>
    /// <param name="encoder">The encoder.</param>
    /// <param name="texts">The texts.</param>
    /// <param name="mode">Document or query.</param>
    /// <param name="progress">Receives the number of texts done so far.</param>
    /// <param name="cancellationToken">Checked between chunks; finished chunks stay cached.</param>
    /// <returns>One result per text, in order.</returns>
    public IReadOnlyList<EncodedText> GetOrEncode(
        OnnxEncoder encoder, IReadOnlyList<string> texts, EncodeMode mode, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(texts);
        var results = new List<EncodedText>(texts.Count);
        string identity = Identity(encoder.Model, mode);
        for (int start = 0; start < texts.Count; start += ChunkSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string[] chunk = [.. texts.Skip(start).Take(ChunkSize)];
            string path = Path.Combine(Directory, Key(identity, chunk) + ".bin");
            var cached = TryRead(path, chunk.Length);
            if (cached is null)
            {
                cached = encoder.Encode(chunk, mode, cancellationToken);
                Write(path, cached);
                Misses += chunk.Length;
            }
            else
            {
                Hits += chunk.Length;
            }

            results.AddRange(cached);
            progress?.Report(results.Count);
        }

        return results;
    }

    private static string Identity(EncoderModel model, EncodeMode mode) =>
        $"{model.Name}|{model.Source}|{model.Pooling}|{model.MaxTokens}|{model.LowerCase}|{model.PrefixFor(mode)}|{mode}";

    private static string Key(string identity, string[] chunk)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(identity));
        foreach (string text in chunk)
        {
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(text));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static IReadOnlyList<EncodedText>? TryRead(string path, int expected)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            var span = bytes.AsSpan();
            if (span.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic)
            {
                return null;
            }

            int count = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
            int dim = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
            int record = 4 + 4 + 1 + (4 * dim);
            if (count != expected || dim < 1 || span.Length != 12 + ((long)count * record))
            {
                return null;
            }

            var results = new EncodedText[count];
            for (int i = 0; i < count; i++)
            {
                var r = span.Slice(12 + (i * record), record);
                float norm = BinaryPrimitives.ReadSingleLittleEndian(r);
                int tokens = BinaryPrimitives.ReadInt32LittleEndian(r[4..]);
                bool truncated = r[8] != 0;
                float[] vector = MemoryMarshal.Cast<byte, float>(r[9..]).ToArray();
                results[i] = new EncodedText(vector, norm, tokens, truncated);
            }

            return results;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Write(string path, IReadOnlyList<EncodedText> items)
    {
        int dim = items.Count == 0 ? 1 : items[0].Vector.Length;
        int record = 4 + 4 + 1 + (4 * dim);
        var bytes = new byte[12 + ((long)items.Count * record)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), items.Count);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), dim);
        for (int i = 0; i < items.Count; i++)
        {
            var r = bytes.AsSpan(12 + (i * record), record);
            BinaryPrimitives.WriteSingleLittleEndian(r, items[i].Norm);
            BinaryPrimitives.WriteInt32LittleEndian(r[4..], items[i].TokenCount);
            r[8] = items[i].Truncated ? (byte)1 : (byte)0;
            MemoryMarshal.AsBytes(items[i].Vector.AsSpan()).CopyTo(r[9..]);
        }

        string temp = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }
}
