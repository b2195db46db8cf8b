using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>
/// Builds and validates the record model of a NormRetrieval collection: one key (string, Guid, int,
/// long), data properties of the supported types, and exactly one vector property.
/// </summary>
[Experimental(ProviderDiagnostics.Id)]
public sealed class NormModelBuilder() : CollectionModelBuilder(BuildingOptions)
{
    /// <summary>The supported data property types, for messages.</summary>
    public const string SupportedDataTypes =
        "string, int, long, float, double, bool, DateTimeOffset, Guid, string[], List<string> (and nullable forms)";

    /// <summary>The supported vector property types, for messages.</summary>
    public const string SupportedVectorTypes = "float[], ReadOnlyMemory<float>, Embedding<float> (or string with an embedding generator)";

    private static readonly CollectionModelBuildingOptions BuildingOptions = new()
    {
        RequiresAtLeastOneVector = true,
        SupportsMultipleVectors = false,
    };

    private static readonly HashSet<Type> DataTypes =
    [
        typeof(string), typeof(int), typeof(long), typeof(float), typeof(double), typeof(bool), typeof(DateTimeOffset), typeof(Guid),
        typeof(string[]), typeof(List<string>), typeof(IList<string>), typeof(IReadOnlyList<string>),
    ];

    private static readonly HashSet<Type> KeyTypes = [typeof(string), typeof(Guid), typeof(int), typeof(long)];

    /// <inheritdoc />
    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = SupportedDataTypes;
        return DataTypes.Contains(Nullable.GetUnderlyingType(type) ?? type);
    }

    /// <inheritdoc />
    protected override bool IsVectorPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = SupportedVectorTypes;
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(float[]) || t == typeof(ReadOnlyMemory<float>) || t == typeof(Embedding<float>);
    }

    /// <inheritdoc />
    protected override void ValidateKeyProperty(KeyPropertyModel keyProperty)
    {
        ArgumentNullException.ThrowIfNull(keyProperty);
        if (!KeyTypes.Contains(keyProperty.Type))
        {
            throw new NotSupportedException(
                $"Key property '{keyProperty.ModelName}' has type {keyProperty.Type.Name}; NormRetrieval supports string, Guid, int and long keys.");
        }

        base.ValidateKeyProperty(keyProperty);
    }
}
