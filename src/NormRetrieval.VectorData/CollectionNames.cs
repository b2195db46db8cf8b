using System.Text.RegularExpressions;

namespace NormRetrieval.VectorData;

/// <summary>
/// The collection names every NormRetrieval store accepts: 1–128 letters, digits, '_', '-' or '.', starting
/// with a letter or digit. The same rule in every store means a collection can move between them by name,
/// and no name can reach a file path, a SQL statement or a server key unchanged.
/// </summary>
public static partial class CollectionNames
{
    /// <summary>True when a name is allowed.</summary>
    /// <param name="name">The collection name.</param>
    /// <returns>Whether the name is allowed.</returns>
    public static bool IsValid(string? name) => name is not null && NameRegex().IsMatch(name);

    /// <summary>Throws when a collection name is not allowed.</summary>
    /// <param name="name">The collection name.</param>
    /// <exception cref="ArgumentNullException">The name is null.</exception>
    /// <exception cref="ArgumentException">The name is not allowed.</exception>
    public static void Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValid(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid collection name: use 1–128 letters, digits, '_', '-' or '.', starting with a letter or digit.", nameof(name));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();
}
