using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData.ProviderServices;
using NormRetrieval.VectorData.ProviderServices;

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
    private readonly List<SqliteParameter> _parameters = [];

    private SqliteFilterTranslator()
    {
    }

    protected override string AndOperator => " AND ";

    protected override string OrOperator => " OR ";

    protected override string NotPrefix => "NOT (";

    protected override string TrueLiteral => "1";

    protected override string FalseLiteral => "0";

    public static (string Sql, IReadOnlyList<SqliteParameter> Parameters) Translate(LambdaExpression filter, CollectionModel model)
    {
        var translator = new SqliteFilterTranslator();
        translator.Write(filter, model, parameterize: true);
        return (translator.Text.ToString(), translator._parameters);
    }

    protected override void WriteComparison(BinaryExpression node, PropertyModel property, ExpressionType type, object? value)
    {
        if (value is null)
        {
            if (type is not (ExpressionType.Equal or ExpressionType.NotEqual))
            {
                throw new NotSupportedException($"Only == and != can compare with null (filter: {node}).");
            }

            Column(property);
            Text.Append(type == ExpressionType.Equal ? " IS NULL" : " IS NOT NULL");
            return;
        }

        // Every comparison is two-valued, as in C#: IS / IS NOT compare nulls as values, and an ordering
        // with a null operand is false (not SQL's unknown, which NOT would keep unknown and drop the row).
        object? parameter = property is KeyPropertyModel key ? KeyCodec.Encode(value, key.Type) : RecordMapper.ToSqlValue(value);
        // An ordering reads "(x < $p AND x IS NOT NULL)" rather than COALESCE(x < $p, 0): the same two values, and the
        // comparison stays a term SQLite can answer from the property's index.
        Text.Append('(');
        Column(property);
        Text.Append(type switch
        {
            ExpressionType.Equal => " IS ",
            ExpressionType.NotEqual => " IS NOT ",
            ExpressionType.LessThan => " < ",
            ExpressionType.LessThanOrEqual => " <= ",
            ExpressionType.GreaterThan => " > ",
            _ => " >= ",
        });
        Text.Append(Parameter(parameter));
        if (type is not (ExpressionType.Equal or ExpressionType.NotEqual))
        {
            Text.Append(" AND ");
            Column(property);
            Text.Append(" IS NOT NULL");
        }

        Text.Append(')');
    }

    protected override void WriteIsTrue(PropertyModel property)
    {
        // IS, not =: a null stored bool is false here, as in C#, instead of SQL's unknown.
        Text.Append('(');
        Column(property);
        Text.Append(" IS 1)");
    }

    protected override void WriteListHolds(PropertyModel list, object? element) =>
        Text.Append("EXISTS (SELECT 1 FROM json_each(data, ").Append(Parameter(Path(list))).Append(") WHERE value = ")
            .Append(Parameter(RecordMapper.ToSqlValue(element))).Append(')');

    protected override void WriteValueIn(PropertyModel property, object?[] values)
    {
        object?[] converted = [.. values.Select(v => property is KeyPropertyModel key ? KeyCodec.Encode(v, key.Type) : RecordMapper.ToSqlValue(v))];
        // IN over a set is unknown for a null column; C#'s Contains is true exactly when the set holds null.
        Text.Append("(COALESCE(");
        Column(property);
        Text.Append(" IN (SELECT value FROM json_each(").Append(Parameter(JsonSerializer.Serialize(converted))).Append(")), 0)");
        if (converted.Any(v => v is null))
        {
            Text.Append(" OR ");
            Column(property);
            Text.Append(" IS NULL");
        }

        Text.Append(')');
    }

    protected override void WriteListHoldsAny(PropertyModel list, object?[] values) =>
        Text.Append("EXISTS (SELECT 1 FROM json_each(data, ").Append(Parameter(Path(list))).Append(") AS element WHERE element.value IN (SELECT value FROM json_each(")
            .Append(Parameter(JsonSerializer.Serialize(values.Select(RecordMapper.ToSqlValue))))
            .Append(")))");

    protected override NotSupportedException Unsupported(Expression node) =>
        new($"The filter expression '{node}' is not supported. Supported: ==, !=, <, <=, >, >=, &&, ||, !, null checks and Contains over data properties and the key, with constants or captured variables.");

    private void Column(PropertyModel property)
    {
        if (property is KeyPropertyModel)
        {
            Text.Append("key");
            return;
        }

        if (property is not DataPropertyModel)
        {
            throw new NotSupportedException($"Property '{property.ModelName}' cannot be filtered on; filters work on data properties and the key.");
        }

        // A literal path, not a parameter: the expression then matches the property's index (DataIndexes) when it has one.
        Text.Append(DataIndexes.Expression(property.StorageName));
    }

    private static string Path(PropertyModel property) => "$.\"" + property.StorageName + "\"";

    private string Parameter(object? value)
    {
        string name = "$f" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _parameters.Add(new SqliteParameter(name, value ?? DBNull.Value));
        return name;
    }
}
