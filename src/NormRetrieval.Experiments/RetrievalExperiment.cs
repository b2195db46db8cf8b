using System.Diagnostics;
using System.Globalization;
using NormRetrieval.Beir;
using NormRetrieval.Calibration;
using NormRetrieval.Evaluation;
using NormRetrieval.Faiss;
using NormRetrieval.Faiss.Indexing;
using NormRetrieval.Indexing;
using NormRetrieval.Onnx.Encoders;
using NormRetrieval.Onnx.Models;
using NormRetrieval.Ranking;
using NormRetrieval.Scoring;
using NormRetrieval.Statistics;
using NormRetrieval.Vectors;

namespace NormRetrieval.Experiments;

/// <summary>
/// Does norm-aware ranking help on this collection? Encodes a BEIR collection once (cached on disk),
/// retrieves the top candidates of every judged query by exact cosine, then for each policy family
/// chooses parameters without looking at the queries it scores (k-fold cross-validation over queries,
/// or a dev split) and compares the out-of-sample results with cosine: nDCG@10, Recall@100, MRR@10, MAP,
/// a bootstrap interval and a paired randomisation p-value of the nDCG@10 difference.
/// </summary>
public static class RetrievalExperiment
{
    /// <summary>Runs an experiment.</summary>
    /// <param name="options">Dataset, model, policies, calibration.</param>
    /// <param name="cancellationToken">Cancels between steps; finished encoding chunks stay cached.</param>
    /// <returns>The result and the data behind the plots.</returns>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static ExperimentOutcome Run(RetrievalExperimentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var (folds, devSplit) = ParseCalibration(options.Calibrate);
        string[] families = [.. options.Policies ?? PolicyGrid.Families];
        var grids = families.Select(PolicyGrid.For).ToList();
        var stages = FirstStages.Parse(options.Stages);
        options.Fusion.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Top, 10, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Repeats, 1, nameof(options));

        var dataset = new BeirDataset(options.Dataset);
        var qrels = dataset.ReadQrels(options.Split);
        var documents = dataset.ReadCorpus().ToList();
        var allQueries = dataset.ReadQueries().ToList();
        var queries = allQueries.Where(q => qrels.HasRelevant(q.Id)).ToList();
        Qrels? dev = devSplit ? dataset.ReadQrels("dev") : null;
        var devQueries = dev is null ? [] : allQueries.Where(q => dev.HasRelevant(q.Id)).ToList();

        using var encoder = new OnnxEncoder(EncoderModel.Resolve(options.Model));
        var cache = new EmbeddingCache(options.CacheDirectory);
        options.Progress?.Report($"encoding {documents.Count} documents with {encoder.Model.Name}");
        var docEncodings = cache.GetOrEncode(encoder, [.. documents.Select(d => d.FullText)], EncodeMode.Document,
            new Progress<int>(n => options.Progress?.Report($"documents {n}/{documents.Count}")), cancellationToken);
        var queryList = queries.Concat(devQueries).ToList();
        var queryEncodings = cache.GetOrEncode(encoder, [.. queryList.Select(q => q.Text)], EncodeMode.Query, null, cancellationToken);

        int dim = encoder.Dimension;
        var docStats = new NormStatistics();
        var directions = new float[documents.Count * dim];
        for (int i = 0; i < documents.Count; i++)
        {
            float norm = VectorNorm.Split(docEncodings[i].Vector, directions.AsSpan(i * dim, dim));
            docStats.Add(norm, directions.AsSpan(i * dim, dim), docEncodings[i].TokenCount);
        }

        var queryStats = new NormStatistics();
        var queryDirections = new float[queryList.Count * dim];
        for (int i = 0; i < queryList.Count; i++)
        {
            float norm = VectorNorm.Split(queryEncodings[i].Vector, queryDirections.AsSpan(i * dim, dim));
            queryStats.Add(norm, queryEncodings[i].TokenCount);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using IVectorIndex index = options.Engine.Equals("faiss", StringComparison.OrdinalIgnoreCase) && FaissRuntime.IsAvailable
            ? FaissIndex.Create(dim, new FaissIndexOptions { Factory = "Flat" })
            : new ExactVectorIndex(dim);
        index.Add([.. Enumerable.Range(0, documents.Count).Select(i => (long)i)], directions);
        var hits = index.Search(queryDirections, Math.Min(options.Top, documents.Count));
        var context = new NormContext(docStats, queryStats);
        var judged = new List<RerankingQuery>();
        var devJudged = new List<RerankingQuery>();
        for (int q = 0; q < queryList.Count; q++)
        {
            var candidates = hits.Results(q).Select(h => new RerankCandidate<string>(
                documents[(int)h.Id].Id, h.Score, docEncodings[(int)h.Id].Norm, docEncodings[(int)h.Id].TokenCount)).ToList();
            bool isTest = q < queries.Count;
            var judgments = isTest ? qrels.For(queryList[q].Id) : dev!.For(queryList[q].Id);
            (isTest ? judged : devJudged).Add(new RerankingQuery(queryList[q].Id, new QueryFeatures(queryEncodings[q].Norm, queryEncodings[q].TokenCount), candidates, judgments));
        }

        var benchmark = new RerankingBenchmark(judged, context);
        var cosine = benchmark.Evaluate(ScoringPolicy.Cosine);
        double[] cosineNdcg = [.. cosine.Select(m => m.Ndcg)];
        var results = new List<PolicyResult> { Summarise("cosine", cosine, cosineNdcg, [], null, [], options.Seed) };
        var devBenchmark = devSplit ? new RerankingBenchmark(devJudged, context) : null;
        var all = Enumerable.Range(0, judged.Count).ToArray();
        foreach (var grid in grids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            options.Progress?.Report($"calibrating {grid.Family}");
            var calibrator = new PolicyCalibrator(benchmark);
            var full = calibrator.GridSearch(grid, all);
            var curve = full.All.Select(a => new CurvePoint(a.Policy.ToString(), a.Mean)).ToList();
            var (perQuery, chosen, repeats) = OutOfSample(benchmark, devBenchmark, grid, folds, options.Seed, options.Repeats, cosineNdcg);
            results.Add(Summarise(grid.Family, perQuery, cosineNdcg, chosen, full.Best.ToString(), curve, options.Seed) with { RepeatDeltas = repeats });
        }

        var stageResults = stages.Count == 1 ? [] : CompareStages(
            stages, documents, docEncodings, [.. queryList.Select(q => q.Text)], hits, judged, devJudged, context, grids, folds, cosine, options, cancellationToken);
        var confidence = Confidence(judged, context, cosineNdcg);
        var result = new ExperimentResult(
            Path.GetFileName(dataset.Directory.TrimEnd(Path.DirectorySeparatorChar)),
            options.Split,
            encoder.Model.Name,
            index.Description,
            devSplit ? "dev" : $"cv:{folds}",
            documents.Count,
            [.. judged.Select(q => q.QueryId)],
            hits.K,
            new NormSummary(docStats.MeanLogNorm, docStats.StdLogNorm, docStats.Percentile(0.5), docStats.LengthSlope, queryStats.MeanLogNorm, queryStats.StdLogNorm),
            results,
            confidence,
            clock.Elapsed.TotalSeconds)
        {
            Stages = stageResults,
            Repeats = devSplit ? 0 : options.Repeats,
            Fusion = stageResults.Count == 0 ? null : options.Fusion.ToString(),
        };

        var relevantNorms = new List<double>();
        var otherNorms = new List<double>();
        foreach (var q in judged)
        {
            foreach (var c in q.Candidates.Take(10))
            {
                (q.Judgments.TryGetValue(c.Key, out int g) && g > 0 ? relevantNorms : otherNorms).Add(c.Norm);
            }
        }

        return new ExperimentOutcome(
            result,
            [.. docEncodings.Select(e => (double)e.Norm)],
            [.. queryEncodings.Take(queries.Count).Select(e => (double)e.Norm)],
            relevantNorms,
            otherNorms);
    }

    /// <summary>
    /// Builds each stage's candidate lists for the same queries, evaluates them, and compares bm25 and hybrid with
    /// dense, and hybrid+norm (family and parameters chosen out of fold, or on the dev split) with hybrid.
    /// </summary>
    private static List<PolicyResult> CompareStages(
        IReadOnlyList<string> stages,
        List<BeirDocument> documents,
        IReadOnlyList<EncodedText> docEncodings,
        string[] queryTexts,
        VectorSearchResults hits,
        List<RerankingQuery> judged,
        List<RerankingQuery> devJudged,
        NormContext context,
        List<PolicyGrid> grids,
        int folds,
        IReadOnlyList<QueryMetrics> dense,
        RetrievalExperimentOptions options,
        CancellationToken cancellationToken)
    {
        options.Progress?.Report("bm25: indexing the corpus in SQLite FTS5");
        var bm25 = FirstStages.Bm25(documents, queryTexts, hits.K, cancellationToken);
        RerankCandidate<string> Candidate(int doc, double score) => new(documents[doc].Id, score, docEncodings[doc].Norm, docEncodings[doc].TokenCount);
        List<RerankingQuery> Lists(Func<int, IEnumerable<RerankCandidate<string>>> candidates) =>
            [.. judged.Concat(devJudged).Select((q, i) => q with { Candidates = [.. candidates(i)] })];

        var keyword = Lists(q => bm25[q].Select(h => Candidate(h.Document, h.Score)));
        var hybrid = Lists(q => HybridFusion.Fuse(
                [.. hits.Results(q).Select(h => ((int)h.Id, (double)h.Score))], bm25[q], options.Fusion)
            .Take(hits.K)
            .Select(f => Candidate(f.Key, f.Score)));

        double[] denseNdcg = [.. dense.Select(m => m.Ndcg)];
        var results = new List<PolicyResult>();
        IReadOnlyList<QueryMetrics>? hybridMetrics = null;
        foreach (string stage in stages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (stage)
            {
                case "bm25":
                    results.Add(Summarise("bm25", new RerankingBenchmark(keyword[..judged.Count], context).Evaluate(ScoringPolicy.Cosine), denseNdcg, [], null, [], options.Seed) with { Baseline = "dense" });
                    break;
                case "dense":
                    results.Add(Summarise("dense", dense, denseNdcg, [], null, [], options.Seed) with { Baseline = "dense", PValue = 1 });
                    break;
                case "hybrid":
                    hybridMetrics = new RerankingBenchmark(hybrid[..judged.Count], context).Evaluate(ScoringPolicy.Cosine);
                    results.Add(Summarise("hybrid", hybridMetrics, denseNdcg, [], null, [], options.Seed) with { Baseline = "dense" });
                    break;
                case "hybrid+norm":
                    options.Progress?.Report("calibrating hybrid+norm");
                    var benchmark = new RerankingBenchmark(hybrid[..judged.Count], context);
                    hybridMetrics ??= benchmark.Evaluate(ScoringPolicy.Cosine);
                    var union = PolicyGrid.Of("norm", [.. grids.SelectMany(g => g.Candidates).Prepend(ScoringPolicy.Cosine).Distinct()]);
                    double[] hybridNdcg = [.. hybridMetrics.Select(m => m.Ndcg)];
                    var (perQuery, chosen, repeats) = OutOfSample(benchmark, devJudged.Count == 0 ? null : new RerankingBenchmark(hybrid[judged.Count..], context), union, folds, options.Seed, options.Repeats, hybridNdcg);
                    results.Add(Summarise("hybrid+norm", perQuery, hybridNdcg, chosen, null, [], options.Seed) with { Baseline = "hybrid", RepeatDeltas = repeats });
                    break;
            }
        }

        return results;
    }

    /// <summary>
    /// Per-query metrics of a grid's choice made without the scored queries: on the dev benchmark, else by K-fold
    /// cross-validation repeated with <paramref name="repeats"/> fold assignments, each query's metrics averaged over
    /// the repeats; also each repeat's mean nDCG@10 difference to <paramref name="baseline"/>.
    /// </summary>
    private static (QueryMetrics[] PerQuery, List<string> Chosen, List<double> RepeatDeltas) OutOfSample(
        RerankingBenchmark benchmark, RerankingBenchmark? dev, PolicyGrid grid, int folds, int seed, int repeats, double[] baseline)
    {
        if (dev is not null)
        {
            var tuned = new PolicyCalibrator(dev).GridSearch(grid);
            return ([.. benchmark.Evaluate(tuned.Best)], [tuned.Best.ToString()], []);
        }

        int n = benchmark.Queries.Count;
        var sums = new (double Ndcg, double Recall, double Rr, double Ap)[n];
        var chosen = new List<string>();
        var deltas = new List<double>();
        var calibrator = new PolicyCalibrator(benchmark);
        for (int r = 0; r < repeats; r++)
        {
            var cv = calibrator.CrossValidate(grid, folds, seed + r);
            var perQuery = new QueryMetrics[n];
            foreach (var fold in cv.Folds)
            {
                var metrics = benchmark.Evaluate(fold.Chosen);
                foreach (int q in fold.TestQueries)
                {
                    perQuery[q] = metrics[q];
                }
            }

            for (int q = 0; q < n; q++)
            {
                var m = perQuery[q];
                sums[q] = (sums[q].Ndcg + m.Ndcg, sums[q].Recall + m.Recall, sums[q].Rr + m.ReciprocalRank, sums[q].Ap + m.AveragePrecision);
            }

            deltas.Add(Enumerable.Range(0, n).Average(q => perQuery[q].Ndcg - baseline[q]));
            chosen.AddRange(cv.Folds.Select(f => f.Chosen.ToString()));
        }

        var averaged = Enumerable.Range(0, n).Select(q => new QueryMetrics(
            benchmark.Queries[q].QueryId, sums[q].Ndcg / repeats, sums[q].Recall / repeats, sums[q].Rr / repeats, sums[q].Ap / repeats)).ToArray();
        return (averaged, chosen, deltas);
    }

    private static PolicyResult Summarise(string family, IReadOnlyList<QueryMetrics> metrics, double[] cosineNdcg, IReadOnlyList<string> chosen, string? best, IReadOnlyList<CurvePoint> curve, int seed)
    {
        double[] ndcg = [.. metrics.Select(m => m.Ndcg)];
        var difference = PairedDifference.Compute(cosineNdcg, ndcg, 10_000, seed);
        return new PolicyResult(
            family,
            ndcg.Average(),
            metrics.Average(m => m.Recall),
            metrics.Average(m => m.ReciprocalRank),
            metrics.Average(m => m.AveragePrecision),
            difference.Mean,
            difference.Lower,
            difference.Upper,
            family == "cosine" ? 1 : difference.PValue,
            chosen,
            best,
            curve,
            ndcg);
    }

    private static ConfidenceResult Confidence(IReadOnlyList<RerankingQuery> queries, NormContext context, double[] ndcg)
    {
        var signals = queries.Select(q => QueryConfidence.Compute(q.Query, q.Candidates, context)).ToList();
        double[] value = [.. signals.Select(s => s.Value)];
        (string Name, IReadOnlyList<double> Values)[] named =
        [
            ("confidence", value),
            ("topCosine", [.. signals.Select(s => s.TopCosine)]),
            ("gap", [.. signals.Select(s => s.Gap)]),
            ("queryNorm", [.. queries.Select(q => q.Query.Norm)]),
        ];

        // Is the cosine top result relevant? (The risk an application takes by answering from it.)
        double[] topRelevant = [.. queries.Select(q => q.Candidates.Count > 0 && q.Judgments.TryGetValue(q.Candidates.MaxBy(c => c.Cosine).Key, out int g) && g > 0 ? 1.0 : 0.0)];
        var curves = new Dictionary<string, IReadOnlyList<double>>();
        foreach (var (name, values) in named.Append(("oracle", topRelevant)))
        {
            double[] risks = AbstentionCalibrator.RiskCurve(values, topRelevant);
            curves[name] = risks.Length == 0 ? [] : [.. Enumerable.Range(1, 20).Select(i => risks[Math.Max(0, (int)Math.Ceiling(i * risks.Length / 20.0) - 1)])];
        }

        return new ConfidenceResult(
            RankCorrelation.Spearman(value, ndcg),
            RankCorrelation.KendallTauB(value, ndcg),
            RankCorrelation.Spearman(named[1].Values, ndcg),
            RankCorrelation.Spearman(named[2].Values, ndcg),
            RankCorrelation.Spearman(named[3].Values, ndcg))
        {
            Abstention = queries.Count < 2 ? null : AbstentionCalibrator.Choose(named, topRelevant, targetPrecision: 0.5),
            RiskCoverage = curves,
        };
    }

    private static (int Folds, bool Dev) ParseCalibration(string text)
    {
        if (text.Equals("dev", StringComparison.OrdinalIgnoreCase))
        {
            return (0, true);
        }

        if (text.StartsWith("cv:", StringComparison.OrdinalIgnoreCase) &&
            int.TryParse(text[3..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k >= 2)
        {
            return (k, false);
        }

        throw new ArgumentException($"--calibrate must be cv:K (K ≥ 2) or dev, not '{text}'.");
    }
}

/// <summary>An experiment's result and the raw series its plots draw.</summary>
/// <param name="Result">The result (results.json).</param>
/// <param name="DocumentNorms">Every document's raw norm.</param>
/// <param name="QueryNorms">Every evaluated query's raw norm.</param>
/// <param name="RelevantNorms">Norms of judged-relevant documents among each query's cosine top 10.</param>
/// <param name="OtherNorms">Norms of the other documents among each query's cosine top 10.</param>
public sealed record ExperimentOutcome(
    ExperimentResult Result, IReadOnlyList<double> DocumentNorms, IReadOnlyList<double> QueryNorms, IReadOnlyList<double> RelevantNorms, IReadOnlyList<double> OtherNorms);
