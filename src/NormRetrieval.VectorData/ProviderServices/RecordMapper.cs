using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>
/// Maps records to what SQLite stores — the key as canonical text, the data properties as one JSON
/// object keyed by storage name — and back. DateTimeOffset values are stored in UTC (ISO 8601, fixed
/// width) so that text comparisons in filters order them correctly.
/// </summary>
[Experimental(ProviderDiagnostics.Id)]
public sealed class RecordMapper(CollectionModel model)
{
    /// <summary>How dates are stored: UTC, round-trippable, sortable as text.</summary>
    public const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>The collection model the mapper was built for.</summary>
    public CollectionModel Model { get; } = model;

    /// <summary>The key property's type.</summary>
    public Type KeyType => Model.KeyProperty.Type;

    /// <summary>The (single) vector property.</summary>
    public VectorPropertyModel VectorProperty => Model.VectorProperty;

    /// <summary>The canonical text of a record's key.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The encoded key.</returns>
    public string Key(object record) => KeyCodec.Encode(Model.KeyProperty.GetValueAsObject(record), KeyType);

    /// <summary>The value of a record's vector property (a vector, or an input of the embedding generator).</summary>
    /// <param name="record">The record.</param>
    /// <returns>The value.</returns>
    public object? VectorValue(object record) => VectorProperty.GetValueAsObject(record);

    /// <summary>The record's data properties as a JSON object keyed by storage name.</summary>
    /// <param name="record">The record.</param>
    /// <returns>The JSON text.</returns>
    public string DataJson(object record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var p in Model.DataProperties)
            {
                w.WritePropertyName(p.StorageName);
                WriteValue(w, p, p.GetValueAsObject(record));
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Creates a record from its key, data JSON and (optionally) raw vector.</summary>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="key">The encoded key.</param>
    /// <param name="dataJson">The data JSON.</param>
    /// <param name="rawVector">The raw vector, or null when vectors are not wanted.</param>
    /// <returns>The record.</returns>
    public TRecord Create<TRecord>(string key, string dataJson, float[]? rawVector)
    {
        using var doc = JsonDocument.Parse(dataJson);
        return Create<TRecord>(key, doc, rawVector);
    }

    /// <summary>Creates a record from UTF-8 JSON (no transcoding); members other than the data properties are ignored.</summary>
    /// <typeparam name="TRecord">The record type.</typeparam>
    /// <param name="key">The encoded key.</param>
    /// <param name="utf8DataJson">The data JSON, UTF-8.</param>
    /// <param name="rawVector">The raw vector, or null when vectors are not wanted.</param>
    /// <returns>The record.</returns>
    public TRecord Create<TRecord>(string key, ReadOnlyMemory<byte> utf8DataJson, float[]? rawVector)
    {
        using var doc = JsonDocument.Parse(utf8DataJson);
        return Create<TRecord>(key, doc, rawVector);
    }

    private TRecord Create<TRecord>(string key, JsonDocument doc, float[]? rawVector)
    {
        var record = Model.CreateRecord<TRecord>()!;
        Model.KeyProperty.SetValueAsObject(record, KeyCodec.Decode(key, KeyType));
        foreach (var p in Model.DataProperties)
        {
            object? value = doc.RootElement.TryGetProperty(p.StorageName, out var element) ? ReadValue(p, element) : null;
            if (value is not null || p.IsNullable)
            {
                p.SetValueAsObject(record, value);
            }
        }

        if (rawVector is not null)
        {
            Type t = Nullable.GetUnderlyingType(VectorProperty.Type) ?? VectorProperty.Type;
            object vector = t == typeof(float[]) ? rawVector
                : t == typeof(ReadOnlyMemory<float>) ? new ReadOnlyMemory<float>(rawVector)
                : t == typeof(Embedding<float>) ? new Embedding<float>(rawVector)
                : throw new NotSupportedException("Vectors generated from a string property cannot be returned; search without IncludeVectors.");
            VectorProperty.SetValueAsObject(record, vector);
        }

        return record;
    }

    /// <summary>The JSON value a filter compares a data property with (same encoding as storage).</summary>
    /// <param name="value">The C# value.</param>
    /// <returns>The stored form.</returns>
    public static object? ToSqlValue(object? value) => value switch
    {
        null => null,
        bool b => b ? 1 : 0,
        DateTimeOffset d => d.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture),
        DateTime d => new DateTimeOffset(d.ToUniversalTime()).UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture),
        Guid g => g.ToString("D"),
        float f => (double)f,
        _ => value,
    };

    private static void WriteValue(Utf8JsonWriter w, PropertyModel p, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case float f when float.IsFinite(f):
                w.WriteNumberValue(f);
                break;
            case double d when double.IsFinite(d):
                w.WriteNumberValue(d);
                break;
            case float or double:
                throw new ArgumentException($"Data property '{p.ModelName}' is {value}; only finite numbers can be stored.");
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case DateTimeOffset d:
                w.WriteStringValue(d.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture));
                break;
            case Guid g:
                w.WriteStringValue(g.ToString("D"));
                break;
            case IEnumerable<string?> list:
                w.WriteStartArray();
                foreach (string? item in list)
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
                break;
            default:
                throw new NotSupportedException($"Data property '{p.ModelName}' holds a {value.GetType().Name}; supported: {NormModelBuilder.SupportedDataTypes}.");
        }
    }

    private static object? ReadValue(PropertyModel p, JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Type t = Nullable.GetUnderlyingType(p.Type) ?? p.Type;
        if (t == typeof(string))
        {
            return e.GetString();
        }

        if (t == typeof(int))
        {
            return e.GetInt32();
        }

        if (t == typeof(long))
        {
            return e.GetInt64();
        }

        if (t == typeof(float))
        {
            return e.GetSingle();
        }

        if (t == typeof(double))
        {
            return e.GetDouble();
        }

        if (t == typeof(bool))
        {
            return e.GetBoolean();
        }

        if (t == typeof(DateTimeOffset))
        {
            return DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        if (t == typeof(Guid))
        {
            return Guid.Parse(e.GetString()!, CultureInfo.InvariantCulture);
        }

        string?[] items = [.. e.EnumerateArray().Select(x => x.GetString())];
        return t == typeof(string[]) ? items : new List<string>(items!);
    }
}
