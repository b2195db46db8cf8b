namespace NormRetrieval.SemanticKernel.Storage;

/// <summary>
/// Every row's norm and token count kept in memory beside the index (8 bytes a record id), so that a norm-aware
/// search ranks its overfetched candidates without reading them from SQLite and fetches only the page it returns.
/// Loaded from the rows on first use (under the collection's write lock), then kept in step by every committed
/// write. Ids above <see cref="int.MaxValue"/> turn it off (searches then read candidates from SQLite).
/// </summary>
internal sealed class NormColumn
{
    private readonly Lock _gate = new();
    private float[] _norms = [];
    private int[] _tokens = [];

    /// <summary>Whether the column holds every row (false until loaded, and for ever once an id does not fit).</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Memory held, in bytes.</summary>
    public long Bytes => (long)_norms.Length * (sizeof(float) + sizeof(int));

    /// <summary>Fills the column from every row (id, norm, token count).</summary>
    public void Load(IEnumerable<(long Id, double Norm, int? Tokens)> rows)
    {
        lock (_gate)
        {
            _norms = [];
            _tokens = [];
            IsLoaded = true;
            foreach (var (id, norm, tokens) in rows)
            {
                SetLocked(id, norm, tokens);
            }
        }
    }

    /// <summary>Applies a committed write: removed ids go, added ids come with their norms and token counts.</summary>
    public void Apply(IReadOnlyList<long> removed, IReadOnlyList<long> added, Func<int, (double Norm, int? Tokens)> valueOf)
    {
        lock (_gate)
        {
            if (!IsLoaded)
            {
                return;
            }

            foreach (long id in removed)
            {
                if (id < _norms.Length)
                {
                    _norms[id] = 0;
                }
            }

            for (int i = 0; i < added.Count; i++)
            {
                var (norm, tokens) = valueOf(i);
                SetLocked(added[i], norm, tokens);
            }
        }
    }

    /// <summary>A row's norm and token count; false when the row does not exist (deleted, or never written).</summary>
    public bool TryGet(long id, out double norm, out int? tokens)
    {
        lock (_gate)
        {
            if (IsLoaded && id >= 0 && id < _norms.Length && _norms[id] > 0)
            {
                norm = _norms[id];
                tokens = _tokens[id] < 0 ? null : _tokens[id];
                return true;
            }

            (norm, tokens) = (0, null);
            return false;
        }
    }

    private void SetLocked(long id, double norm, int? tokens)
    {
        if (id < 0 || id >= Array.MaxLength)
        {
            IsLoaded = false;
            _norms = [];
            _tokens = [];
            return;
        }

        if (!IsLoaded)
        {
            return;
        }

        if (id >= _norms.Length)
        {
            int size = (int)Math.Min(Array.MaxLength, Math.Max(id + 1, (long)_norms.Length * 3 / 2 + 1024));
            Array.Resize(ref _norms, size);
            Array.Resize(ref _tokens, size);
        }

        _norms[id] = (float)norm;
        _tokens[id] = tokens ?? -1;
    }
}
