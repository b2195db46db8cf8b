using System.Collections;
using System.Linq.Expressions;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData.ProviderServices;
using Microsoft.Extensions.VectorData.ProviderServices.Filter;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// Translates a LINQ filter over records into a parameterised SQL condition over the records table:
/// data properties are read with <c>json_extract(data, $path)</c>, the key from the key column.
/// Supported: ==, !=, &lt;, &lt;=, &gt;, &gt;=, &amp;&amp;, ||, !, null checks, bool properties, <c>Contains</c> on
/// string-list properties and on captured arrays or lists, <c>list.Any(x =&gt; values.Contains(x))</c>, captured
/// variables and members, on typed and dynamic records. Null semantics are C#'s, not SQL's: every condition
/// is true or false, never unknown. Anything else throws <see cref="NotSupportedException"/>. No value or
/// name is ever spliced into the SQL text.
/// </summary>
internal sealed class SqliteFilterTranslator : RecordFilterTranslator
{
    private readonly StringBuilder _sql = new();
    private readonly List<SqliteParameter> _parameters = [];

    private SqliteFilterTranslator()
    {
    }

    public static (string Sql, IReadOnlyList<SqliteParameter> Parameters) Translate(LambdaExpression filter, CollectionModel model)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var translator = new SqliteFilterTranslator();
        var body = translator.PreprocessFilter(filter, model, new FilterPreprocessingOptions { SupportsParameterization = true });
        translator.Visit(body);
        return (translator._sql.ToString(), translator._parameters);
    }

    private void Visit(Expression node)
    {
        switch (node)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } b:
                _sql.Append('(');
                Visit(b.Left);
                _sql.Append(b.NodeType == ExpressionType.AndAlso ? " AND " : " OR ");
                Visit(b.Right);
                _sql.Append(')');
                return;
            case BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual } b:
                Comparison(b);
                return;
            case UnaryExpression { NodeType: ExpressionType.Not } u:
                _sql.Append("NOT (");
                Visit(u.Operand);
                _sql.Append(')');
                return;
            case var _ when TryBindBoolean(node, out var property):
                // IS, not =: a null stored bool is false here, as in C#, instead of SQL's unknown.
                _sql.Append('(');
                Column(property);
                _sql.Append(" IS 1)");
                return;
            case UnaryExpression { NodeType: ExpressionType.Convert } u when u.Type == typeof(bool) || Nullable.GetUnderlyingType(u.Type) == typeof(bool):
                Visit(u.Operand);
                return;
            case MethodCallExpression call when TryMatchContains(call, out var source, out var item):
                Contains(source, item);
                return;
            case MethodCallExpression call when TryMatchAnyContains(call, out var listProperty, out object?[] values):
                _sql.Append("EXISTS (SELECT 1 FROM json_each(data, ").Append(Parameter(Path(listProperty))).Append(") AS element WHERE element.value IN (SELECT value FROM json_each(")
                    .Append(Parameter(JsonSerializer.Serialize(values.Select(RecordMapper.ToSqlValue)))).Append(")))");
                return;
            case ConstantExpression { Value: bool b }:
                _sql.Append(b ? "1" : "0");
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

        if (value is null)
        {
            if (type is not (ExpressionType.Equal or ExpressionType.NotEqual))
            {
                throw new NotSupportedException($"Only == and != can compare with null (filter: {b}).");
            }

            Column(property);
            _sql.Append(type == ExpressionType.Equal ? " IS NULL" : " IS NOT NULL");
            return;
        }

        // Every comparison is two-valued, as in C#: IS / IS NOT compare nulls as values, and an ordering
        // with a null operand is false (not SQL's unknown, which NOT would keep unknown and drop the row).
        object? parameter = property is KeyPropertyModel key ? KeyCodec.Encode(value, key.Type) : RecordMapper.ToSqlValue(value);
        _sql.Append(type is ExpressionType.Equal or ExpressionType.NotEqual ? "(" : "COALESCE(");
        Column(property);
        _sql.Append(type switch
        {
            ExpressionType.Equal => " IS ",
            ExpressionType.NotEqual => " IS NOT ",
            ExpressionType.LessThan => " < ",
            ExpressionType.LessThanOrEqual => " <= ",
            ExpressionType.GreaterThan => " > ",
            _ => " >= ",
        });
        _sql.Append(Parameter(parameter));
        _sql.Append(type is ExpressionType.Equal or ExpressionType.NotEqual ? ")" : ", 0)");
    }

    private void Contains(Expression source, Expression item)
    {
        source = Unwrap(source);
        item = Unwrap(item);

        // record.Tags.Contains("x"): a string-list property holds a value.
        if (TryBindProperty(source, out var listProperty) && TryGetValue(item, out object? element))
        {
            _sql.Append("EXISTS (SELECT 1 FROM json_each(data, ").Append(Parameter(Path(listProperty))).Append(") WHERE value = ")
                .Append(Parameter(RecordMapper.ToSqlValue(element))).Append(')');
            return;
        }

        // values.Contains(record.Name): a property's value is one of a captured set.
        if (TryBindProperty(item, out var property) && TryGetValue(source, out object? values) && values is IEnumerable enumerable and not string)
        {
            object?[] converted = [.. enumerable.Cast<object?>().Select(v => property is KeyPropertyModel key ? KeyCodec.Encode(v, key.Type) : RecordMapper.ToSqlValue(v))];
            // IN over a set is unknown for a null column; C#'s Contains is true exactly when the set holds null.
            _sql.Append("(COALESCE(");
            Column(property);
            _sql.Append(" IN (SELECT value FROM json_each(").Append(Parameter(JsonSerializer.Serialize(converted))).Append(")), 0)");
            if (converted.Any(v => v is null))
            {
                _sql.Append(" OR ");
                Column(property);
                _sql.Append(" IS NULL");
            }

            _sql.Append(')');
            return;
        }

        throw new NotSupportedException($"Contains is supported on string-list properties and on captured arrays or lists; not in '{source}.Contains({item})'.");
    }

    private void Column(PropertyModel property)
    {
        if (property is KeyPropertyModel)
        {
            _sql.Append("key");
            return;
        }

        if (property is not DataPropertyModel)
        {
            throw new NotSupportedException($"Property '{property.ModelName}' cannot be filtered on; filters work on data properties and the key.");
        }

        _sql.Append("json_extract(data, ").Append(Parameter(Path(property))).Append(')');
    }

    private static string Path(PropertyModel property) => "$.\"" + property.StorageName + "\"";

    private string Parameter(object? value)
    {
        string name = "$f" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _parameters.Add(new SqliteParameter(name, value ?? DBNull.Value));
        return name;
    }

    private static NotSupportedException Unsupported(Expression node) =>
        new($"The filter expression '{node}' is not supported. Supported: ==, !=, <, <=, >, >=, &&, ||, !, null checks and Contains over data properties and the key, with constants or captured variables.");
}
