using System.Globalization;
using System.Runtime.InteropServices;
using NormRetrieval.VectorData.ProviderServices;
using StackExchange.Redis;

namespace NormRetrieval.Garnet;

/// <summary>
/// The vector-set commands a collection sends (VADD, VSIM, VGETATTR, VEMB, VREM, VCARD, VRANDMEMBER) and
/// the parsing of their replies: the only place that knows the RESP shape of the protocol.
/// </summary>
internal static class VectorSetCommands
{
    /// <summary>Adds or replaces an element with its unit direction and attributes.</summary>
    public static Task<RedisResult> AddAsync(IDatabase db, RedisKey key, PreparedRecord record, CollectionLayout layout) => db.ExecuteAsync(
        "VADD", key, "FP32", MemoryMarshal.AsBytes(record.Direction.AsSpan()).ToArray(), record.Key,
        layout.Quantization == VectorQuantization.Q8 ? "Q8" : "NOQUANT",
        "XDISTANCE_METRIC", "COSINE", "SETATTR", GarnetAttributes.Build(record),
        "M", layout.M.ToString(CultureInfo.InvariantCulture), "EF", layout.BuildEf.ToString(CultureInfo.InvariantCulture));

    /// <summary>The attributes of an element (null reply when absent).</summary>
    public static Task<RedisResult> GetAttributesAsync(IDatabase db, RedisKey key, string member) => db.ExecuteAsync("VGETATTR", key, member);

    /// <summary>The stored vector of an element (null reply when absent).</summary>
    public static Task<RedisResult> GetVectorAsync(IDatabase db, RedisKey key, string member) => db.ExecuteAsync("VEMB", key, member);

    /// <summary>Removes an element; the reply is 1 when it existed.</summary>
    public static Task<RedisResult> RemoveAsync(IDatabase db, RedisKey key, string member) => db.ExecuteAsync("VREM", key, member);

    /// <summary>The number of elements.</summary>
    public static async Task<long> CountAsync(IDatabase db, RedisKey key) => (long)await db.ExecuteAsync("VCARD", key).ConfigureAwait(false);

    /// <summary>Up to <paramref name="count"/> distinct members.</summary>
    public static async Task<string[]> MembersAsync(IDatabase db, RedisKey key, long count) =>
        [.. ((RedisResult[])(await db.ExecuteAsync("VRANDMEMBER", key, count).ConfigureAwait(false))!).Select(m => m.ToString())];

    /// <summary>The arguments of a similarity search after the key.</summary>
    /// <param name="direction">The unit query direction.</param>
    /// <param name="count">Results per shard.</param>
    /// <param name="searchEf">The search beam width, if set (at least <paramref name="count"/>).</param>
    /// <param name="filter">The FILTER expression, if any.</param>
    /// <returns>The arguments.</returns>
    public static object[] SimilarArguments(float[] direction, int count, int? searchEf, string? filter)
    {
        var arguments = new List<object> { "FP32", MemoryMarshal.AsBytes(direction.AsSpan()).ToArray(), "COUNT", count, "WITHSCORES", "WITHATTRIBS" };
        if (searchEf is int ef)
        {
            arguments.AddRange(["EF", Math.Max(ef, count)]);
        }

        if (filter is not null)
        {
            arguments.AddRange(["FILTER", filter]);
        }

        return [.. arguments];
    }

    /// <summary>Sends a similarity search to one shard.</summary>
    public static Task<RedisResult> SimilarAsync(IDatabase db, RedisKey key, object[] arguments) => db.ExecuteAsync("VSIM", [key, .. arguments]);

    /// <summary>Parses a VSIM … WITHSCORES WITHATTRIBS reply (flat triples, or key + [score, attributes] pairs under RESP3).</summary>
    /// <param name="reply">The reply.</param>
    /// <returns>The hits with cosine similarity (the server returns a cosine distance).</returns>
    public static List<VectorSetHit> ParseHits(RedisResult reply)
    {
        var items = (RedisResult[])reply!;
        var hits = new List<VectorSetHit>(items.Length / 2);
        int i = 0;
        while (i < items.Length)
        {
            string key = items[i++].ToString();
            double distance;
            byte[] attributes;
            if (items[i].Resp2Type == ResultType.Array)
            {
                var pair = (RedisResult[])items[i++]!;
                distance = (double)pair[0];
                attributes = (byte[])pair[1]!;
            }
            else
            {
                distance = (double)items[i++];
                attributes = (byte[])items[i++]!;
            }

            var (norm, tokens) = GarnetAttributes.ReadNorm(attributes);
            hits.Add(new VectorSetHit(key, 1 - distance, norm, tokens, attributes));
        }

        return hits;
    }

    /// <summary>Parses a VEMB reply.</summary>
    public static float[] ToFloats(RedisResult reply) => [.. ((RedisResult[])reply!).Select(v => (float)(double)v)];
}

/// <summary>One search hit of one shard.</summary>
/// <param name="Key">The element (record key).</param>
/// <param name="Cosine">Cosine similarity with the query.</param>
/// <param name="Norm">The record's raw norm.</param>
/// <param name="Tokens">The record's token count.</param>
/// <param name="Attributes">The element's attributes (UTF-8 JSON).</param>
internal sealed record VectorSetHit(string Key, double Cosine, double Norm, int? Tokens, byte[] Attributes);
