using NormRetrieval.Vectors;

namespace NormRetrieval.Statistics;

/// <summary>The running sum of observed unit directions (for the mean direction), with removal and merging.</summary>
internal sealed class DirectionSum
{
    public double[]? Sum { get; set; }

    public long Count { get; set; }

    public int Dimension => Sum?.Length ?? 0;

    public void Change(ReadOnlySpan<float> direction, int sign)
    {
        EnsureDimension(direction.Length);
        if (sign < 0 && Count == 0)
        {
            throw new InvalidOperationException("Cannot remove a direction that was never added.");
        }

        for (int i = 0; i < direction.Length; i++)
        {
            Sum![i] += sign * direction[i];
        }

        Count += sign;
    }

    public void Merge(DirectionSum other)
    {
        if (other.Sum is null)
        {
            return;
        }

        EnsureDimension(other.Sum.Length);
        for (int i = 0; i < Sum!.Length; i++)
        {
            Sum[i] += other.Sum[i];
        }

        Count += other.Count;
    }

    public float[] Mean()
    {
        if (Sum is null || Count == 0)
        {
            return [];
        }

        var mean = new float[Sum.Length];
        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = (float)(Sum[i] / Count);
        }

        return mean;
    }

    private void EnsureDimension(int dimension)
    {
        if (Sum is null)
        {
            Sum = new double[dimension];
        }
        else if (Sum.Length != dimension)
        {
            throw new InvalidVectorException(
                VectorProblem.DimensionMismatch,
                $"The direction has {dimension} components but earlier ones had {Sum.Length}.")
            {
                ExpectedDimension = Sum.Length,
                ActualDimension = dimension,
            };
        }
    }
}
