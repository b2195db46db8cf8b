using System.Text.Json;
using System.Text.Json.Serialization;

namespace NormRetrieval.Garnet;

/// <summary>
/// How a collection is laid out on the server, fixed when it is created and kept in the store's registry
/// hash: its dimension, distance, key type, and the hash tags of its shards (each shard is the vector set
/// <c>{tag}:vectors</c> with its norm statistics in <c>{tag}:stats</c>, on the same slot).
/// </summary>
internal sealed record CollectionLayout(
    int Dimension, string Distance, string KeyType, string[] Tags, VectorQuantization Quantization, int M, int BuildEf)
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public int Shards => Tags.Length;

    public string VectorKey(int shard) => Tags[shard] + ":vectors";

    public string StatisticsKey(int shard) => Tags[shard] + ":stats";

    /// <summary>The collection's stored calibration (on shard 0's slot).</summary>
    public string CalibrationKey => Tags[0] + ":calibration";

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CollectionLayout FromJson(string json, string collection) =>
        JsonSerializer.Deserialize<CollectionLayout>(json, Json) is { Tags.Length: > 0 } layout
            ? layout
            : throw new InvalidDataException($"The registry entry of collection '{collection}' is damaged.");

    /// <summary>
    /// Picks one hash tag per shard so that shard i's slot falls in the i-th of S equal slot ranges: a
    /// cluster whose primaries own contiguous ranges (as <c>redis-cli --cluster create</c> assigns them)
    /// then holds the shards spread evenly over its nodes.
    /// </summary>
    public static string[] ChooseTags(string collection, int shards, Func<string, int> slotOf)
    {
        const int Slots = 16384;
        var tags = new string[shards];
        for (int i = 0; i < shards; i++)
        {
            int low = i * Slots / shards, high = (i + 1) * Slots / shards;
            string tag = "{" + collection + "-s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
            for (int attempt = 1; attempt < 1_000_000; attempt++)
            {
                int slot = slotOf(tag);
                if (slot < 0 || (slot >= low && slot < high))
                {
                    break;
                }

                tag = "{" + collection + "-s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
            }

            tags[i] = tag;
        }

        return tags;
    }
}
