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

        return TryGetValue(right, out value);
    }

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
