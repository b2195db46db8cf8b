using System.Collections;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Microsoft.Extensions.VectorData.ProviderServices;
using Microsoft.Extensions.VectorData.ProviderServices.Filter;
using NormRetrieval.SemanticKernel.Storage;

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
    /// <summary>The attribute that repeats the record key, so filters can test it.</summary>
    public const string KeyAttribute = "__key";

    private readonly StringBuilder _text = new();

    private GarnetFilterTranslator()
    {
    }

    public static string Translate(LambdaExpression filter, CollectionModel model)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var translator = new GarnetFilterTranslator();
        var body = translator.PreprocessFilter(filter, model, new FilterPreprocessingOptions { SupportsParameterization = false });
        translator.Visit(body);
        return translator._text.ToString();
    }

    private void Visit(Expression node)
    {
        switch (node)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } b:
                _text.Append('(');
                Visit(b.Left);
                _text.Append(b.NodeType == ExpressionType.AndAlso ? " and " : " or ");
                Visit(b.Right);
                _text.Append(')');
                return;
            case BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual } b:
                Comparison(b);
                return;
            case UnaryExpression { NodeType: ExpressionType.Not } u:
                _text.Append("!(");
                Visit(u.Operand);
                _text.Append(')');
                return;
            case var _ when TryBindBoolean(node, out var property):
                _text.Append('(').Append(Selector(property)).Append(" == true )");
                return;
            case UnaryExpression { NodeType: ExpressionType.Convert } u when u.Type == typeof(bool) || Nullable.GetUnderlyingType(u.Type) == typeof(bool):
                Visit(u.Operand);
                return;
            case MethodCallExpression call when TryMatchContains(call, out var source, out var item):
                Contains(source, item);
                return;
            case MethodCallExpression call when TryMatchAnyContains(call, out var listProperty, out object?[] values):
                // No set intersection in the filter language: one membership test per value.
                _text.Append(values.Length == 0 ? "(1 == 0)" : "(" + string.Join(" or ", values.Select(v => "(" + Literal(listProperty, v) + " in " + Selector(listProperty) + ")")) + ")");
                return;
            case ConstantExpression { Value: bool b }:
                _text.Append(b ? "(1 == 1)" : "(1 == 0)");
                return;
            default:
                throw Unsupported(node);
        }
    }

    private void Comparison(BinaryExpression b)
    {
        if (!TryBindComparison(b, out var property, out var type, out object? value))
        {
            throw Unsupported(b);
        }

        bool ordering = type is not (ExpressionType.Equal or ExpressionType.NotEqual);
        if (ordering && (value is null || !IsNumeric(property.Type)))
        {
            throw new NotSupportedException(
                $"'{b}': vector-set filters order numbers only; '{property.ModelName}' ({property.Type.Name}) can be compared with == and != but not with <, <=, > or >=.");
        }

        _text.Append('(').Append(Selector(property)).Append(type switch
        {
            ExpressionType.Equal => " == ",
            ExpressionType.NotEqual => " != ",
            ExpressionType.LessThan => " < ",
            ExpressionType.LessThanOrEqual => " <= ",
            ExpressionType.GreaterThan => " > ",
            _ => " >= ",
        }).Append(Literal(property, value)).Append(')');
    }

    private void Contains(Expression source, Expression item)
    {
        source = Unwrap(source);
        item = Unwrap(item);

        // record.Tags.Contains("x"): a string-list property holds a value.
        if (TryBindProperty(source, out var listProperty) && TryGetValue(item, out object? element))
        {
            _text.Append('(').Append(Literal(listProperty, element)).Append(" in ").Append(Selector(listProperty)).Append(')');
            return;
        }

        // values.Contains(record.Name): a property's value is one of a captured set.
        if (TryBindProperty(item, out var property) && TryGetValue(source, out object? values) && values is IEnumerable enumerable and not string)
        {
            // A null in the set cannot be written inside [...]: it becomes its own == null test.
            object?[] all = [.. enumerable.Cast<object?>()];
            object?[] present = [.. all.Where(v => v is not null)];
            _text.Append('(');
            if (present.Length > 0)
            {
                _text.Append(Selector(property)).Append(" in [").AppendJoin(", ", present.Select(v => Literal(property, v))).Append(']');
            }
            else
            {
                _text.Append("(1 == 0)");
            }

            if (present.Length < all.Length)
            {
                _text.Append(" or ").Append(Selector(property)).Append(" == null ");
            }

            _text.Append(')');
            return;
        }

        throw new NotSupportedException($"Contains is supported on string-list properties and on captured arrays or lists; not in '{source}.Contains({item})'.");
    }

    private static string Selector(PropertyModel property) => property switch
    {
        KeyPropertyModel => "." + KeyAttribute,
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

    private static NotSupportedException Unsupported(Expression node) =>
        new($"The filter expression '{node}' is not supported by vector-set filters. Supported: ==, !=, &&, ||, !, Contains, and <, <=, >, >= on numbers, over data properties and the key with constants or captured variables.");
}
