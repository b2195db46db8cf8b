using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>Turns keys (string, Guid, int, long) into the canonical text stored in SQLite, and back.</summary>
[Experimental(ProviderDiagnostics.Id)]
public static class KeyCodec
{
    /// <summary>The canonical text of a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="keyType">The collection's key type.</param>
    /// <returns>The text.</returns>
    /// <exception cref="ArgumentException">The key does not match the key type, or is text that is not valid Unicode.</exception>
    public static string Encode(object? key, Type keyType)
    {
        return key switch
        {
            null => throw new ArgumentNullException(nameof(key), "A record key must not be null."),
            string s when keyType == typeof(string) => ValidText(s),
            Guid g when keyType == typeof(Guid) => g.ToString("D"),
            int i when keyType == typeof(int) => i.ToString(CultureInfo.InvariantCulture),
            long l when keyType == typeof(long) => l.ToString(CultureInfo.InvariantCulture),
            int i when keyType == typeof(long) => ((long)i).ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"The key {key} ({key.GetType().Name}) does not match the collection's key type {keyType.Name}.", nameof(key)),
        };
    }

    /// <summary>
    /// A string key must be valid UTF-16: a lone surrogate would be altered on its way to SQLite (UTF-8),
    /// and two distinct keys could become one record.
    /// </summary>
    private static string ValidText(string key)
    {
        for (int i = 0; i < key.Length; i++)
        {
            if (char.IsHighSurrogate(key[i]) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(key[i]))
            {
                throw new ArgumentException($"The key has a lone UTF-16 surrogate (U+{(int)key[i]:X4}) at position {i}; keys must be valid Unicode text.", nameof(key));
            }
        }

        return key;
    }

    /// <summary>The key a canonical text stands for.</summary>
    /// <param name="text">The text.</param>
    /// <param name="keyType">The collection's key type.</param>
    /// <returns>The key.</returns>
    public static object Decode(string text, Type keyType)
    {
        if (keyType == typeof(string))
        {
            return text;
        }

        if (keyType == typeof(Guid))
        {
            return Guid.Parse(text, CultureInfo.InvariantCulture);
        }

        if (keyType == typeof(int))
        {
            return int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }

        return long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
    }
}
