using NormRetrieval.Faiss.Native;
using NormRetrieval.Indexing;
using NormRetrieval.Threading;

namespace NormRetrieval.Faiss.Indexing;

/// <content>HNSW graphs: efSearch per search, efConstruction while building.</content>
public sealed partial class FaissIndex
{
    /// <summary>Faiss's default HNSW efSearch, used when neither the options nor the call give one.</summary>
    private const int DefaultEfSearch = 16;

    /// <summary>
    /// HNSW: the size of the graph's candidate list while inserting (the factory string's <c>efConstruction=N</c>,
    /// else Faiss's default 40, or what the loaded file holds); null for other types.
    /// </summary>
    public int? EfConstruction
    {
        get
        {
            if (!_factory.IsHnsw || _factory.IsIvf)
            {
                return null;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            using var held = _lock.Read();
            FaissNative.Check(FaissNative.nr_faiss_hnsw_ef_construction(_handle, 0, out int value), "read efConstruction");
            return value;
        }
    }

    /// <summary>Makes the index's efSearch the one this search asks for, waiting for searches that use another.</summary>
    private bool EnterEfSearch(VectorSearchParameters? parameters)
    {
        if (!_factory.IsHnsw)
        {
            return false;
        }

        int ef = parameters?.EfSearch ?? _options.EfSearch ?? DefaultEfSearch;
        ArgumentOutOfRangeException.ThrowIfLessThan(ef, 1, nameof(parameters));
        _efGate.Enter(ef, value =>
        {
            if (_parameterSpace is null)
            {
                FaissNative.Check(FaissNative.faiss_ParameterSpace_new(out var space), "ParameterSpace");
                _parameterSpace = space;
            }

            FaissNative.Check(FaissNative.faiss_ParameterSpace_set_index_parameter(_parameterSpace, _handle, "efSearch", value), "set efSearch");
        });
        return true;
    }
}
