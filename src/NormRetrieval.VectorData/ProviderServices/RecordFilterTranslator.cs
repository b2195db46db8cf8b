using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Text;
using Microsoft.Extensions.VectorData.ProviderServices;
using Microsoft.Extensions.VectorData.ProviderServices.Filter;

namespace NormRetrieval.VectorData.ProviderServices;

/// <summary>
/// The one walk over a LINQ filter that every store's translator shares (a template method): it binds
/// comparisons to (property, operator, value) with the property on the left, evaluates constants and
/// captured values once on the client, recognises boolean tests, <c>Contains</c> and
/// <c>Any(x =&gt; values.Contains(x))</c>, and asks the store's dialect to write each piece.
/// </summary>
[Experimental(ProviderDiagnostics.Id)]
public abstract class RecordFilterTranslator : FilterTranslatorBase
{
    /// <summary>The expression being written.</summary>
    protected StringBuilder Text { get; } = new();

    /// <summary>Preprocesses a filter with the model and writes it in the dialect.</summary>
    /// <param name="filter">The filter lambda.</param>
    /// <param name="model">The collection model.</param>
    /// <param name="parameterize">True when captured values may stay parameters (the dialect binds them).</param>
    protected void Write(LambdaExpression filter, CollectionModel model, bool parameterize)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Write(PreprocessFilter(filter, model, new FilterPreprocessingOptions { SupportsParameterization = parameterize }));
    }

    /// <summary>Writes one node of the filter: the only switch over expression shapes.</summary>
    /// <param name="node">The node.</param>
    protected void Write(Expression node)
    {
        switch (node)
        {
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } b:
                Text.Append('(');
                Write(b.Left);
                Text.Append(b.NodeType == ExpressionType.AndAlso ? AndOperator : OrOperator);
                Write(b.Right);
                Text.Append(')');
                return;
            case BinaryExpression { NodeType: ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual } b:
                if (!TryBindComparison(b, out var compared, out var type, out object? value))
                {
                    throw Unsupported(b);
                }

                WriteComparison(b, compared, type, value);
                return;
            case UnaryExpression { NodeType: ExpressionType.Not } u:
                Text.Append(NotPrefix);
                Write(u.Operand);
                Text.Append(')');
                return;
            case var _ when TryBindBoolean(node, out var flag):
                WriteIsTrue(flag);
                return;
            case UnaryExpression { NodeType: ExpressionType.Convert } u when u.Type == typeof(bool) || Nullable.GetUnderlyingType(u.Type) == typeof(bool):
                Write(u.Operand);
                return;
            case MethodCallExpression call when TryMatchContains(call, out var source, out var item):
                WriteContains(Unwrap(source), Unwrap(item));
                return;
            case MethodCallExpression call when TryMatchAnyContains(call, out var list, out object?[] values):
                WriteListHoldsAny(list, values);
                return;
            case ConstantExpression { Value: bool constant }:
                Text.Append(constant ? TrueLiteral : FalseLiteral);
                return;
            default:
                throw Unsupported(node);
        }
    }

    /// <summary>The conjunction, with its spaces (e.g. <c>" AND "</c>).</summary>
    protected abstract string AndOperator { get; }

    /// <summary>The disjunction, with its spaces.</summary>
    protected abstract string OrOperator { get; }

    /// <summary>The negation up to and including its opening parenthesis (e.g. <c>"NOT ("</c>).</summary>
    protected abstract string NotPrefix { get; }

    /// <summary>An always-true condition.</summary>
    protected abstract string TrueLiteral { get; }

    /// <summary>An always-false condition.</summary>
    protected abstract string FalseLiteral { get; }

    /// <summary>Writes <c>property op value</c> (value may be null for == and !=).</summary>
    /// <param name="node">The original comparison, for messages.</param>
    /// <param name="property">The property, on the left.</param>
    /// <param name="type">The operator, mirrored so the property is on the left.</param>
    /// <param name="value">The value.</param>
    protected abstract void WriteComparison(BinaryExpression node, PropertyModel property, ExpressionType type, object? value);

    /// <summary>Writes a test that a bool property is true (a stored null is false, as in C#).</summary>
    /// <param name="property">The property.</param>
    protected abstract void WriteIsTrue(PropertyModel property);

    /// <summary>Writes a test that a list property holds a value.</summary>
    /// <param name="list">The list property.</param>
    /// <param name="element">The value.</param>
    protected abstract void WriteListHolds(PropertyModel list, object? element);

    /// <summary>Writes a test that a property's value is one of a set (C#'s Contains: true for null exactly when the set holds null).</summary>
    /// <param name="property">The property.</param>
    /// <param name="values">The set.</param>
    protected abstract void WriteValueIn(PropertyModel property, object?[] values);

    /// <summary>Writes a test that a list property shares at least one element with a set.</summary>
    /// <param name="list">The list property.</param>
    /// <param name="values">The set.</param>
    protected abstract void WriteListHoldsAny(PropertyModel list, object?[] values);

    /// <summary>The error for a filter shape the dialect cannot write.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The exception to throw.</returns>
    protected abstract NotSupportedException Unsupported(Expression node);

    private void WriteContains(Expression source, Expression item)
    {
        // record.Tags.Contains("x"): a string-list property holds a value.
        if (TryBindProperty(source, out var list) && TryGetValue(item, out object? element))
        {
            WriteListHolds(list, element);
            return;
        }

        // values.Contains(record.Name): a property's value is one of a captured set.
        if (TryBindProperty(item, out var property) && TryGetValue(source, out object? values) && values is System.Collections.IEnumerable enumerable and not string)
        {
            WriteValueIn(property, [.. enumerable.Cast<object?>()]);
            return;
        }

        throw new NotSupportedException($"Contains is supported on string-list properties and on captured arrays or lists; not in '{source}.Contains({item})'.");
    }

    /// <summary>
    /// Binds <c>record.P op value</c> or <c>value op record.P</c> (the operator is mirrored so the property
    /// is on the left); false when neither side is a property or the other side reads the record.
    /// </summary>
    protected bool TryBindComparison(BinaryExpression b, out PropertyModel property, out ExpressionType type, out object? value)
    {
        ArgumentNullException.ThrowIfNull(b);
        Expression left = Unwrap(b.Left), right = Unwrap(b.Right);
        type = b.NodeType;
        value = null;
        if (!TryBindProperty(left, out property!))
        {
            if (!TryBindProperty(right, out property!))
            {
                return false;
            }

            (left, right) = (right, left);
            type = type switch
            {
                ExpressionType.LessThan => ExpressionType.GreaterThan,
                ExpressionType.LessThanOrEqual => ExpressionType.GreaterThanOrEqual,
                ExpressionType.GreaterThan => ExpressionType.LessThan,
                ExpressionType.GreaterThanOrEqual => ExpressionType.LessThanOrEqual,
                _ => type,
            };
        }

        if (!TryGetValue(right, out value))
        {
            return false;
        }

        if (value is not null && IsCollection(property.Type))
        {
            // C# compares arrays and lists by reference, which no stored record can equal.
            throw new NotSupportedException(
                $"'{b}' compares the list property '{property.ModelName}' with a value; filters test lists with Contains or Any(x => values.Contains(x)), never with == or !=.");
        }

        return true;
    }

    /// <summary>
    /// Binds a boolean test of a property: <c>r.Flag</c> on a record type, or <c>(bool)r["Flag"]</c> on a
    /// dynamic record (the indexer returns object, so the cast is what makes it a bool).
    /// </summary>
    protected bool TryBindBoolean(Expression node, out PropertyModel property)
    {
        ArgumentNullException.ThrowIfNull(node);
        property = null!;
        bool isBool = node.Type == typeof(bool) || Nullable.GetUnderlyingType(node.Type) == typeof(bool);
        if (!isBool || !TryBindProperty(Unwrap(node), out property!))
        {
            return false;
        }

        Type stored = Nullable.GetUnderlyingType(property.Type) ?? property.Type;
        return stored == typeof(bool)
            ? true
            : throw new NotSupportedException($"Property '{property.ModelName}' is a {property.Type.Name}, not a bool; it cannot be used as a condition by itself.");
    }

    /// <summary>
    /// Matches <c>r.List.Any(x => values.Contains(x))</c>: a list property sharing at least one element with
    /// a set of constant or captured values.
    /// </summary>
    protected bool TryMatchAnyContains(MethodCallExpression call, out PropertyModel property, out object?[] values)
    {
        ArgumentNullException.ThrowIfNull(call);
        property = null!;
        values = [];
        if (call.Method.Name != nameof(Enumerable.Any) || call.Method.DeclaringType != typeof(Enumerable) || call.Arguments.Count != 2
            || Unwrap(call.Arguments[1]) is not LambdaExpression { Parameters.Count: 1 } lambda)
        {
            return false;
        }

        if (lambda.Body is not MethodCallExpression inner || !TryMatchContains(inner, out var source, out var item)
            || Unwrap(item) != lambda.Parameters[0])
        {
            throw new NotSupportedException($"'{call}': Any is supported only in the form list.Any(x => values.Contains(x)).");
        }

        if (!TryBindProperty(Unwrap(call.Arguments[0]), out property!) || !IsCollection(property.Type))
        {
            throw new NotSupportedException($"'{call}': Any is supported only over a list property of the record.");
        }

        if (!TryGetValue(source, out object? set) || set is not System.Collections.IEnumerable enumerable || set is string)
        {
            throw new NotSupportedException($"'{call}': the values tested by Any(x => values.Contains(x)) must be a constant or captured array or list.");
        }

        values = [.. enumerable.Cast<object?>()];
        return true;
    }

    /// <summary>True for list-like property types (string[], List&lt;string&gt;, …), false for string.</summary>
    protected static bool IsCollection(Type type) =>
        type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type);

    /// <summary>Strips conversions (boxing, nullable lifting) around an expression.</summary>
    /// <param name="e">The expression.</param>
    /// <returns>The expression inside the conversions.</returns>
    protected static Expression Unwrap(Expression e)
    {
        while (e is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } u)
        {
            e = u.Operand;
        }

        return e;
    }

    /// <summary>Evaluates a constant, captured value or computation that does not read the record.</summary>
    /// <param name="e">The expression.</param>
    /// <param name="value">Its value.</param>
    /// <returns>False when the expression reads the record.</returns>
    protected bool TryGetValue(Expression e, out object? value)
    {
        switch (Unwrap(e))
        {
            case ConstantExpression c:
                value = c.Value;
                return true;
            case QueryParameterExpression p:
                value = p.Value;
                return true;
            case var other when !RecordFinder.References(other, RecordParameter):
                // A computation over constants and captured values only (e.g. limit * 2, day.AddDays(1)):
                // evaluate it here, once.
                value = Expression.Lambda(CapturedValueInliner.Inline(other)).Compile().DynamicInvoke();
                return true;
            default:
                value = null;
                return false;
        }
    }

    /// <summary>Finds whether an expression reads the record.</summary>
    private sealed class RecordFinder(ParameterExpression record) : ExpressionVisitor
    {
        private bool _found;

        public static bool References(Expression e, ParameterExpression record)
        {
            var finder = new RecordFinder(record);
            finder.Visit(e);
            return finder._found;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            _found |= node == record;
            return node;
        }
    }

    /// <summary>Turns the preprocessor's query parameters back into constants so a subtree can be evaluated.</summary>
    private sealed class CapturedValueInliner : ExpressionVisitor
    {
        public static Expression Inline(Expression e) => new CapturedValueInliner().Visit(e);

        protected override Expression VisitExtension(Expression node) =>
            node is QueryParameterExpression p ? Expression.Constant(p.Value, p.Type) : base.VisitExtension(node);
    }
}
