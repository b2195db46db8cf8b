using System.Globalization;
using System.Linq.Expressions;
using Microsoft.Extensions.VectorData.ProviderServices;
using NormRetrieval.VectorData.ProviderServices;

namespace NormRetrieval.Garnet;

/// <summary>
/// Translates a LINQ filter into a vector-set <c>FILTER</c> expression over the element attributes.
/// Supported: ==, != (any stored type, and null), &lt;, &lt;=, &gt;, &gt;= (numbers only: the server does not
/// order strings, so dates, Guids and strings cannot be range-filtered), &amp;&amp;, ||, !, bool properties,
/// <c>Contains</c> on string-list properties and on captured arrays or lists, <c>list.Any(x =&gt; values.Contains(x))</c>,
/// on typed and dynamic records. Anything else throws
/// <see cref="NotSupportedException"/>. Values become JSON literals, so no value can change the expression.
/// </summary>
internal sealed class GarnetFilterTranslator : RecordFilterTranslator
{
    private GarnetFilterTranslator()
    {
    }

    protected override string AndOperator => " and ";

    protected override string OrOperator => " or ";

    protected override string NotPrefix => "!(";

    protected override string TrueLiteral => "(1 == 1)";

    protected override string FalseLiteral => "(1 == 0)";

    public static string Translate(LambdaExpression filter, CollectionModel model)
    {
        var translator = new GarnetFilterTranslator();
        translator.Write(filter, model, parameterize: false);
        return translator.Text.ToString();
    }

    protected override void WriteComparison(BinaryExpression node, PropertyModel property, ExpressionType type, object? value)
    {
        bool ordering = type is not (ExpressionType.Equal or ExpressionType.NotEqual);
        if (ordering && (value is null || !IsNumeric(property.Type)))
        {
            throw new NotSupportedException(
                $"'{node}': vector-set filters order numbers only; '{property.ModelName}' ({property.Type.Name}) can be compared with == and != but not with <, <=, > or >=.");
        }

        Text.Append('(').Append(Selector(property)).Append(type switch
        {
            ExpressionType.Equal => " == ",
            ExpressionType.NotEqual => " != ",
            ExpressionType.LessThan => " < ",
            ExpressionType.LessThanOrEqual => " <= ",
            ExpressionType.GreaterThan => " > ",
            _ => " >= ",
        }).Append(Literal(property, value)).Append(')');
    }

    protected override void WriteIsTrue(PropertyModel property) => Text.Append('(').Append(Selector(property)).Append(" == true )");

    protected override void WriteListHolds(PropertyModel list, object? element) =>
        Text.Append('(').Append(Literal(list, element)).Append(" in ").Append(Selector(list)).Append(')');

    protected override void WriteValueIn(PropertyModel property, object?[] values)
    {
        // A null in the set cannot be written inside [...]: it becomes its own == null test.
        object?[] present = [.. values.Where(v => v is not null)];
        Text.Append('(');
        if (present.Length > 0)
        {
            Text.Append(Selector(property)).Append(" in [").AppendJoin(", ", present.Select(v => Literal(property, v))).Append(']');
        }
        else
        {
            Text.Append(FalseLiteral);
        }

        if (present.Length < values.Length)
        {
            Text.Append(" or ").Append(Selector(property)).Append(" == null ");
        }

        Text.Append(')');
    }

    // No set intersection in the filter language: one membership test per value.
    protected override void WriteListHoldsAny(PropertyModel list, object?[] values) =>
        Text.Append(values.Length == 0 ? FalseLiteral : "(" + string.Join(" or ", values.Select(v => "(" + Literal(list, v) + " in " + Selector(list) + ")")) + ")");

    protected override NotSupportedException Unsupported(Expression node) =>
        new($"The filter expression '{node}' is not supported by vector-set filters. Supported: ==, !=, &&, ||, !, Contains, and <, <=, >, >= on numbers, over data properties and the key with constants or captured variables.");

    private static string Selector(PropertyModel property) => property switch
    {
        KeyPropertyModel => "." + GarnetAttributes.Key,
        DataPropertyModel when IsIdentifier(property.StorageName) => "." + property.StorageName,
        DataPropertyModel => throw new NotSupportedException($"Property '{property.ModelName}' is stored as '{property.StorageName}', which a vector-set filter cannot name (use letters, digits and '_')."),
        _ => throw new NotSupportedException($"Property '{property.ModelName}' cannot be filtered on; filters work on data properties and the key."),
    };

    private static string Literal(PropertyModel property, object? value)
    {
        // Keywords are followed by a space: Garnet 2.2.8's filter tokenizer reads "true)" as one word.
        if (value is null)
        {
            return "null ";
        }

        if (value is bool b)
        {
            return b ? "true " : "false ";
        }

        object? stored = property is KeyPropertyModel key ? KeyCodec.Encode(value, key.Type) : RecordMapper.ToSqlValue(value);
        return stored switch
        {
            string s => Quote(s),
            int i => i.ToString(CultureInfo.InvariantCulture),
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d when double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture),
            _ => throw new NotSupportedException($"The value {value} cannot be compared with '{property.ModelName}' in a vector-set filter."),
        };
    }

    /// <summary>A double-quoted string literal; quotes are escaped, control characters and backslashes refused.</summary>
    private static string Quote(string s)
    {
        if (s.Any(char.IsControl))
        {
            throw new NotSupportedException("Vector-set filters cannot compare with strings that hold control characters.");
        }

        // Garnet's filter tokenizer keeps a backslash escape in the literal instead of unescaping it, so no
        // spelling of a backslash matches a stored one: refuse rather than silently match nothing.
        if (s.Contains('\\', StringComparison.Ordinal))
        {
            throw new NotSupportedException("Vector-set filters cannot compare with strings that hold a backslash (the server keeps escapes in string literals).");
        }

        return "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static bool IsNumeric(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(int) || t == typeof(long) || t == typeof(float) || t == typeof(double);
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
