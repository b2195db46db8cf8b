using System.Globalization;
using System.Text.Json;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.Garnet;

/// <summary>
/// The JSON attributes of a vector-set element: NormRetrieval's own members first (the key, so filters can
/// test it; the raw norm; the token count), then the record's data properties.
/// </summary>
internal static class GarnetAttributes
{
    /// <summary>The attribute that repeats the record key, so filters can test it.</summary>
    public const string Key = "__key";

    /// <summary>The raw norm of the record's embedding.</summary>
    public const string Norm = "__norm";

    /// <summary>The token count of the record's text, when the encoder reported it.</summary>
    public const string Tokens = "__tokens";

    /// <summary>The attributes of a prepared record.</summary>
    /// <param name="record">The record.</param>
    /// <returns>One JSON object.</returns>
    public static string Build(PreparedRecord record)
    {
        var prefix = new System.Text.StringBuilder(64 + record.Key.Length);
        prefix.Append("{\"").Append(Key).Append("\":").Append(JsonSerializer.Serialize(record.Key))
            .Append(",\"").Append(Norm).Append("\":").Append(((double)record.Norm).ToString("R", CultureInfo.InvariantCulture));
        if (record.Tokens is int tokens)
        {
            prefix.Append(",\"").Append(Tokens).Append("\":").Append(tokens.ToString(CultureInfo.InvariantCulture));
        }

        // DataJson is one JSON object: splice its members after ours.
        string data = record.Data;
        return data.Length <= 2 ? prefix.Append('}').ToString() : prefix.Append(',').Append(data, 1, data.Length - 1).ToString();
    }

    /// <summary>Reads the norm and token count from the start of an element's attributes (where <see cref="Build"/> puts them).</summary>
    /// <param name="attributes">The attributes, UTF-8 JSON.</param>
    /// <returns>The norm (1 when absent) and the token count.</returns>
    public static (double Norm, int? Tokens) ReadNorm(ReadOnlySpan<byte> attributes)
    {
        double norm = 1;
        int? tokens = null;
        var reader = new Utf8JsonReader(attributes);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
        {
            bool isNorm = reader.ValueTextEquals(Norm), isTokens = !isNorm && reader.ValueTextEquals(Tokens);
            reader.Read();
            if (isNorm && reader.TokenType == JsonTokenType.Number)
            {
                norm = reader.GetDouble();
            }
            else if (isTokens && reader.TokenType == JsonTokenType.Number)
            {
                tokens = reader.GetInt32();
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return (norm, tokens);
    }
}
