using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NormRetrieval.Serialization;

/// <summary>
/// JSON that any strict parser reads: numbers are numbers, a value that is not a finite number (NaN,
/// infinity: an undefined correlation, an empty mean) is <c>null</c>, never the string "NaN", and text is
/// written as it is (no <c>\u002B</c> for '+'; only what JSON requires is escaped).
/// </summary>
public static class StrictJson
{
    /// <summary>Options for reports and command output.</summary>
    /// <param name="camelCase">camelCase property names (else the .NET names).</param>
    /// <param name="omitNulls">Leave out properties whose value is null.</param>
    /// <returns>New options (they may be changed further by the caller).</returns>
    public static JsonSerializerOptions Options(bool camelCase = true, bool omitNulls = false)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNamingPolicy = camelCase ? JsonNamingPolicy.CamelCase : null,
            DefaultIgnoreCondition = omitNulls ? JsonIgnoreCondition.WhenWritingNull : JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new FiniteDoubleConverter());
        options.Converters.Add(new FiniteSingleConverter());
        return options;
    }

    private sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class FiniteSingleConverter : JsonConverter<float>
    {
        public override bool HandleNull => true;

        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? float.NaN : reader.GetSingle();

        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
