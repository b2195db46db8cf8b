using System.Linq.Expressions;
using Microsoft.Extensions.VectorData.ProviderServices.Filter;

namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// What every engine's filter translator shares: binding a comparison to (property, operator, value)
/// with the property on the left, and evaluating constants and captured values once, on the client.
/// </summary>
internal abstract class RecordFilterTranslator : FilterTranslatorBase
{
    /// <summary>
    /// Binds <c>record.P op value</c> or <c>value op record.P</c> (the operator is mirrored so the property
    /// is on the left); false when neither side is a property or the other side reads the record.
    /// </summary>
    protected bool TryBindComparison(BinaryExpression b, out Microsoft.Extensions.VectorData.ProviderServices.PropertyModel property, out ExpressionType type, out object? value)
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
    protected bool TryBindBoolean(Expression node, out Microsoft.Extensions.VectorData.ProviderServices.PropertyModel property)
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
    protected bool TryMatchAnyContains(MethodCallExpression call, out Microsoft.Extensions.VectorData.ProviderServices.PropertyModel property, out object?[] values)
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

    protected static Expression Unwrap(Expression e)
    {
        while (e is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } u)
        {
            e = u.Operand;
        }

        return e;
    }

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
