using NormRetrieval.Vectors;

namespace NormRetrieval.Indexing;

/// <summary>
/// The argument checks every <see cref="IVectorIndex"/> implementation makes, so that all engines reject
/// the same bad input with the same typed errors before touching any state.
/// </summary>
public static class VectorIndexArguments
{
    /// <summary>Checks an add: sizes, finite vectors, and ids that are non-negative, new and not repeated.</summary>
    /// <param name="dimension">The index dimension.</param>
    /// <param name="ids">The ids.</param>
    /// <param name="vectors">The row-major vectors.</param>
    /// <param name="exists">Whether an id is already in the index.</param>
    /// <returns>The ids as a set.</returns>
    /// <exception cref="InvalidVectorException">The sizes do not match or a vector holds NaN or infinity.</exception>
    /// <exception cref="ArgumentException">An id is negative, present or repeated.</exception>
    public static HashSet<long> CheckAdd(int dimension, ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, Func<long, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        if ((long)ids.Length * dimension != vectors.Length)
        {
            throw new InvalidVectorException(
                VectorProblem.DimensionMismatch,
                $"{ids.Length} ids need {(long)ids.Length * dimension} floats at dimension {dimension}, but {vectors.Length} were given.",
                nameof(vectors))
            {
                ExpectedDimension = dimension,
                ActualDimension = ids.Length == 0 ? vectors.Length : vectors.Length / ids.Length,
            };
        }

        for (int i = 0; i < ids.Length; i++)
        {
            VectorNorm.Validate(vectors.Slice(i * dimension, dimension), dimension, nameof(vectors));
        }

        var seen = new HashSet<long>();
        foreach (long id in ids)
        {
            if (id < 0)
            {
                throw new ArgumentException($"Id {id} is negative; ids must be ≥ 0 (−1 marks an empty result).", nameof(ids));
            }

            if (exists(id) || !seen.Add(id))
            {
                throw new ArgumentException($"Id {id} is already in the index or repeated in the batch.", nameof(ids));
            }
        }

        return seen;
    }

    /// <summary>Checks a search: k ≥ 1, a positive multiple of the dimension, finite queries.</summary>
    /// <param name="dimension">The index dimension.</param>
    /// <param name="queries">The row-major queries.</param>
    /// <param name="k">Results per query.</param>
    /// <returns>The number of queries.</returns>
    /// <exception cref="InvalidVectorException">The queries have the wrong size or hold NaN or infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    public static int CheckSearch(int dimension, ReadOnlySpan<float> queries, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (queries.IsEmpty || queries.Length % dimension != 0)
        {
            throw new InvalidVectorException(
                VectorProblem.DimensionMismatch,
                $"The queries hold {queries.Length} floats, not a positive multiple of the dimension {dimension}.",
                nameof(queries))
            {
                ExpectedDimension = dimension,
                ActualDimension = queries.Length,
            };
        }

        int nq = queries.Length / dimension;
        for (int q = 0; q < nq; q++)
        {
            VectorNorm.Validate(queries.Slice(q * dimension, dimension), dimension, nameof(queries));
        }

        return nq;
    }
}
