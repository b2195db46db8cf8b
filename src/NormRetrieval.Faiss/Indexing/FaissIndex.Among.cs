using NormRetrieval.Faiss.Native;
using NormRetrieval.Indexing;
using NormRetrieval.Threading;

namespace NormRetrieval.Faiss.Indexing;

/// <content>Scoring a given set of ids from the stored vectors, for selective filters.</content>
public sealed partial class FaissIndex
{
    private readonly Lock _positionsGate = new();

    /// <summary>Each id's position in the Faiss id map (built on first use; appended to by adds, dropped by removals).</summary>
    private Dictionary<long, long>? _positions;

    /// <summary>
    /// The <paramref name="k"/> best of the given ids by inner product with the query, scored from the vectors the
    /// index stores (decoded by the index, so approximate for quantised types) without walking a graph or lists:
    /// what a filter matching few records needs. Ids the index does not hold are skipped.
    /// </summary>
    /// <param name="query">The query (<see cref="Dimension"/> floats).</param>
    /// <param name="k">How many to return (≥ 1).</param>
    /// <param name="ids">The candidate ids.</param>
    /// <returns>
    /// The best ids, highest score first (lower id first on ties); null when this index cannot look its vectors up
    /// by id: inverted-file types keep their ids in the lists, and vectors waiting for training are not in Faiss yet.
    /// </returns>
    public IReadOnlyList<(long Id, float Score)>? SearchAmong(ReadOnlySpan<float> query, int k, IEnumerable<long> ids)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(ids);
        if (VectorIndexArguments.CheckSearch(Dimension, query, k) != 1)
        {
            throw new ArgumentException($"One query of {Dimension} dimensions is expected; {query.Length} floats were given.", nameof(query));
        }

        using var held = _lock.Read();
        if (_factory.IsIvf || _pending is { Count: > 0 } || Positions() is not { } positions)
        {
            return null;
        }

        var found = new List<long>();
        var at = new List<long>();
        foreach (long id in ids)
        {
            if (positions.TryGetValue(id, out long position))
            {
                found.Add(id);
                at.Add(position);
            }
        }

        var scores = new float[found.Count];
        unsafe
        {
            fixed (float* q = query)
            fixed (long* p = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(at))
            fixed (float* s = scores)
            {
                FaissNative.Check(FaissNative.nr_faiss_inner_products_at(_handle, q, (nuint)found.Count, p, s), "inner products by position");
            }
        }

        return Best(found, scores, k);
    }

    /// <summary>The k best (score, id) pairs, best first, lower id first on equal scores.</summary>
    private static List<(long Id, float Score)> Best(List<long> ids, float[] scores, int k)
    {
        var order = Enumerable.Range(0, ids.Count).ToArray();
        Array.Sort(order, (a, b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : ids[a].CompareTo(ids[b]));
        return [.. order.Take(k).Select(i => (ids[i], scores[i]))];
    }

    /// <summary>The id → position map, built from the index's id map on first use; null when the index has none.</summary>
    private Dictionary<long, long>? Positions()
    {
        lock (_positionsGate)
        {
            if (_positions is null)
            {
                long n = FaissNative.faiss_Index_ntotal(_handle);
                var map = new long[n];
                unsafe
                {
                    fixed (long* p = map)
                    {
                        if (FaissNative.nr_faiss_ids(_handle, p, (nuint)n) != 0)
                        {
                            return null;
                        }
                    }
                }

                _positions = new Dictionary<long, long>((int)n);
                for (long i = 0; i < n; i++)
                {
                    _positions[map[i]] = i;
                }
            }

            return _positions;
        }
    }

    /// <summary>Records the positions of vectors just added (an id map appends them in order).</summary>
    private void AppendPositions(ReadOnlySpan<long> ids, long before)
    {
        lock (_positionsGate)
        {
            if (_positions is not null)
            {
                for (int i = 0; i < ids.Length; i++)
                {
                    _positions[ids[i]] = before + i;
                }
            }
        }
    }
}
