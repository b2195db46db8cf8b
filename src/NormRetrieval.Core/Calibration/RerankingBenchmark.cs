using NormRetrieval.Evaluation;
using NormRetrieval.Ranking;
using NormRetrieval.Scoring;

namespace NormRetrieval.Calibration;

/// <summary>
/// Judged queries with fixed cosine candidates, on which policies are compared: each policy reranks
/// the same candidates (exactly as <see cref="NormReranker"/> would) and is scored per query.
/// </summary>
/// <remarks>
/// The z-scores of every candidate are computed once, so evaluating a policy costs one pass over the
/// candidates. Immutable after construction; thread-safe.
/// </remarks>
public sealed class RerankingBenchmark
{
    private readonly Prepared[] _queries;

    /// <summary>Prepares the benchmark.</summary>
    /// <param name="queries">The judged queries with their candidates.</param>
    /// <param name="context">The collection statistics the policies standardise against.</param>
    /// <param name="options">Metric cut-offs.</param>
    public RerankingBenchmark(IReadOnlyList<RerankingQuery> queries, NormContext context, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(context);
        Queries = queries;
        Context = context;
        Options = options ?? EvaluationOptions.Default;
        _queries = [.. queries.Select(q => Prepare(q, context))];
    }

    /// <summary>The judged queries.</summary>
    public IReadOnlyList<RerankingQuery> Queries { get; }

    /// <summary>The collection statistics.</summary>
    public NormContext Context { get; }

    /// <summary>Metric cut-offs.</summary>
    public EvaluationOptions Options { get; }

    /// <summary>Per-query nDCG of a policy on the chosen queries (the objective calibration maximises).</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="queryIndices">Indices into <see cref="Queries"/>.</param>
    /// <returns>nDCG per chosen query, in the same order.</returns>
    public double[] Ndcg(ScoringPolicy policy, IReadOnlyList<int> queryIndices)
    {
        ArgumentNullException.ThrowIfNull(queryIndices);
        var result = new double[queryIndices.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var q = _queries[queryIndices[i]];
            result[i] = RankingMetrics.Ndcg(Rank(q, policy), q.Source.Judgments, Options.NdcgAt);
        }

        return result;
    }

    /// <summary>All metrics of a policy on every query.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>Per-query metrics, in <see cref="Queries"/> order.</returns>
    public IReadOnlyList<QueryMetrics> Evaluate(ScoringPolicy policy) =>
        [.. _queries.Select(q => RetrievalEvaluator.Measure(q.Source.QueryId, Rank(q, policy), q.Source.Judgments, Options))];

    /// <summary>The ranking a policy gives one query's candidates.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="queryIndex">Index into <see cref="Queries"/>.</param>
    /// <returns>Document ids, best first.</returns>
    public IReadOnlyList<string> Ranking(ScoringPolicy policy, int queryIndex) => Rank(_queries[queryIndex], policy);

    private static string[] Rank(Prepared q, ScoringPolicy policy)
    {
        var candidates = q.Source.Candidates;
        int n = candidates.Count;
        var scores = new double[n];
        var order = new int[n];
        double[] z = policy.UsesLengthOnly ? q.LengthZ : policy.UsesLengthResidual ? q.ResidualZ : q.PlainZ;
        for (int i = 0; i < n; i++)
        {
            var c = candidates[i];
            scores[i] = policy.Score(new ScoringFeatures(c.Cosine, c.Norm, z[i], q.Source.Query.Norm, q.QueryZ));
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            int cmp = scores[b].CompareTo(scores[a]);
            if (cmp == 0)
            {
                cmp = candidates[b].Cosine.CompareTo(candidates[a].Cosine);
            }

            return cmp != 0 ? cmp : a.CompareTo(b);
        });

        var ids = new string[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = candidates[order[i]].Key;
        }

        return ids;
    }

    private static Prepared Prepare(RerankingQuery q, NormContext context) => new(
        q,
        context.QueryZ(q.Query.Norm),
        [.. q.Candidates.Select(c => context.DocumentZ(c.Norm, c.TokenCount, residual: false))],
        [.. q.Candidates.Select(c => context.DocumentZ(c.Norm, c.TokenCount, residual: true))],
        [.. q.Candidates.Select(c => context.Documents.LengthZScore(c.TokenCount))]);

    private sealed record Prepared(RerankingQuery Source, double QueryZ, double[] PlainZ, double[] ResidualZ, double[] LengthZ);
}
