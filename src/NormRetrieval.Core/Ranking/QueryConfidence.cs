using NormRetrieval.Statistics;

namespace NormRetrieval.Ranking;

/// <summary>
/// A per-query confidence signal for retrieval-augmented generation: how sure the retriever can be that
/// its best results answer the query. Use it to flag ambiguous queries, to broaden retrieval (fetch more
/// context), or to abstain.
/// </summary>
/// <remarks>
/// <para>The components, each cheap and computed from the search itself:</para>
/// <list type="bullet">
/// <item><description><see cref="QueryNormPercentile"/>: where the query's raw norm lies among reference norms (queries when known, else documents). Low-norm queries tend to be vague or generic.</description></item>
/// <item><description><see cref="TopCosine"/>: the best cosine similarity.</description></item>
/// <item><description><see cref="Gap"/>: best minus second-best cosine; a small gap means several candidates compete.</description></item>
/// <item><description><see cref="MeanTopZ"/>: the mean document z-score of the top results (how specific what was found is).</description></item>
/// </list>
/// <para>
/// <see cref="Value"/> = TopCosine + Gap is a heuristic combination, not a probability: its useful
/// threshold differs per encoder and collection. Calibrate it on judged queries (the evaluation tools
/// report how well it predicts per-query nDCG) before using it to abstain.
/// </para>
/// </remarks>
/// <param name="QueryNormPercentile">Percentile rank of the query norm in [0, 1] (NaN without statistics).</param>
/// <param name="TopCosine">The best cosine similarity (NaN without results).</param>
/// <param name="Gap">Best minus second-best cosine (0 with fewer than two results).</param>
/// <param name="MeanTopZ">Mean z-score of the top documents' norms (0 without results).</param>
public sealed record QueryConfidence(double QueryNormPercentile, double TopCosine, double Gap, double MeanTopZ)
{
    /// <summary>How many of the top results <see cref="MeanTopZ"/> averages.</summary>
    public const int TopForMeanZ = 10;

    /// <summary>The combined signal TopCosine + Gap (higher: more confident); NaN without results.</summary>
    public double Value => TopCosine + Gap;

    /// <summary>Computes the signal from a search's candidates.</summary>
    /// <typeparam name="TKey">The record key type.</typeparam>
    /// <param name="query">The query's norm.</param>
    /// <param name="candidates">The cosine-search candidates (any order).</param>
    /// <param name="context">The collection statistics.</param>
    /// <returns>The confidence signal.</returns>
    public static QueryConfidence Compute<TKey>(QueryFeatures query, IEnumerable<RerankCandidate<TKey>> candidates, NormContext context)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(context);
        var top = candidates.OrderByDescending(c => c.Cosine).Take(TopForMeanZ).ToList();
        double percentile = context.QueryPercentile(query.Norm);
        if (top.Count == 0)
        {
            return new QueryConfidence(percentile, double.NaN, 0, 0);
        }

        double gap = top.Count > 1 ? top[0].Cosine - top[1].Cosine : 0;
        NormStatistics docs = context.Documents;
        double meanZ = top.Average(c => docs.ZScore(c.Norm));
        return new QueryConfidence(percentile, top[0].Cosine, gap, meanZ);
    }
}
