namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// Shares one HNSW index between searches that want different efSearch values. Faiss 1.7.3's HNSW ignores
/// the efSearch of per-call search parameters, so the value is set on the index, between searches:
/// searches with the same efSearch run together; one with another value waits until they finish.
/// </summary>
internal sealed class EfSearchGate
{
    private readonly object _gate = new();
    private int _current = -1;
    private int _users;

    /// <summary>Waits until the index's efSearch can be <paramref name="ef"/>, sets it if needed, and counts the caller in.</summary>
    /// <param name="ef">The efSearch wanted.</param>
    /// <param name="apply">Sets efSearch on the index (called with no search in flight).</param>
    public void Enter(int ef, Action<int> apply)
    {
        lock (_gate)
        {
            while (_users > 0 && _current != ef)
            {
                Monitor.Wait(_gate);
            }

            if (_current != ef)
            {
                apply(ef);
                _current = ef;
            }

            _users++;
        }
    }

    /// <summary>Counts a caller out; the last one lets waiting searches with another efSearch in.</summary>
    public void Exit()
    {
        lock (_gate)
        {
            if (--_users == 0)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }
}
