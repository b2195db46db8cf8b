namespace NormRetrieval.Indexing;

/// <summary>
/// A bounded min-heap that keeps the k best (score, id) pairs: higher score first, lower id first on
/// equal scores. Not thread-safe; one per query.
/// </summary>
internal sealed class TopK
{
    private readonly float[] _scores;
    private readonly long[] _ids;
    private int _count;

    public TopK(int k)
    {
        _scores = new float[k];
        _ids = new long[k];
    }

    public int Count => _count;

    /// <summary>The worst kept score, or −∞ while not full (anything may enter).</summary>
    public float Threshold => _count < _scores.Length ? float.NegativeInfinity : _scores[0];

    public void Reset() => _count = 0;

    public void Offer(float score, long id)
    {
        if (_count < _scores.Length)
        {
            int i = _count++;
            _scores[i] = score;
            _ids[i] = id;
            SiftUp(i);
        }
        else if (Better(score, id, _scores[0], _ids[0]))
        {
            _scores[0] = score;
            _ids[0] = id;
            SiftDown(0);
        }
    }

    /// <summary>Writes the kept pairs best first, padding with −1/−∞, and empties the heap.</summary>
    public void Drain(Span<long> ids, Span<float> scores)
    {
        ids.Fill(VectorSearchResults.NoId);
        scores.Fill(float.NegativeInfinity);
        while (_count > 0)
        {
            int last = _count - 1;
            ids[last] = _ids[0];
            scores[last] = _scores[0];
            _count = last;
            if (last > 0)
            {
                _scores[0] = _scores[last];
                _ids[0] = _ids[last];
                SiftDown(0);
            }
        }
    }

    private static bool Better(float s1, long id1, float s2, long id2) => s1 > s2 || (s1 == s2 && id1 < id2);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(_scores[parent], _ids[parent], _scores[i], _ids[i]))
            {
                break;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int left = (2 * i) + 1;
            if (left >= _count)
            {
                return;
            }

            int worst = left;
            int right = left + 1;
            if (right < _count && Better(_scores[worst], _ids[worst], _scores[right], _ids[right]))
            {
                worst = right;
            }

            if (!Better(_scores[i], _ids[i], _scores[worst], _ids[worst]))
            {
                return;
            }

            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_ids[a], _ids[b]) = (_ids[b], _ids[a]);
    }
}
