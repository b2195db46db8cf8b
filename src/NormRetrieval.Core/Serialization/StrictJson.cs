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

    /// <summary>Writes non-finite values as null and reads null back as NaN, so no output is invalid JSON.</summary>
    private abstract class FiniteConverter<T> : JsonConverter<T>
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        public override bool HandleNull => true;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? T.NaN : ReadNumber(ref reader);

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (T.IsFinite(value))
            {
                WriteNumber(writer, value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        protected abstract T ReadNumber(ref Utf8JsonReader reader);

        protected abstract void WriteNumber(Utf8JsonWriter writer, T value);
    }

    private sealed class FiniteDoubleConverter : FiniteConverter<double>
    {
        protected override double ReadNumber(ref Utf8JsonReader reader) => reader.GetDouble();

        protected override void WriteNumber(Utf8JsonWriter writer, double value) => writer.WriteNumberValue(value);
    }

    private sealed class FiniteSingleConverter : FiniteConverter<float>
    {
        protected override float ReadNumber(ref Utf8JsonReader reader) => reader.GetSingle();

        protected override void WriteNumber(Utf8JsonWriter writer, float value) => writer.WriteNumberValue(value);
    }
}
