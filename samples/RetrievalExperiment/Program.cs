// RetrievalExperiment: the evaluation API from code on a BEIR folder, with plots.
// Usage: dotnet run --project samples/RetrievalExperiment -- [BEIR_DIR] [MODEL] [OUT_DIR]
using NormRetrieval.Experiments;

string dataset = args.Length > 0 ? args[0] : Path.Combine("data", "beir", "cisi");
string model = args.Length > 1 ? args[1] : "minilm";
string output = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "normretrieval-experiment");

var outcome = RetrievalExperiment.Run(new RetrievalExperimentOptions
{
    Dataset = dataset,
    Model = model,
    Policies = ["specificity", "specificity,residual", "adaptive"],
    Calibrate = "cv:5",
    CacheDirectory = Path.Combine(Path.GetTempPath(), "normretrieval-cache"),
    Progress = new Progress<string>(line => Console.Error.WriteLine(line)),
});
var files = ExperimentReport.Write(outcome, output);

var r = outcome.Result;
Console.WriteLine($"{r.Dataset}: {r.Queries.Count} queries, {r.Documents} documents, {r.Model}");
foreach (var p in r.Policies)
{
    Console.WriteLine($"  {p.Policy,-22} nDCG@10 {p.Ndcg10:F4}  Δ {p.DeltaNdcg10:+0.0000;-0.0000} [{p.DeltaLower:+0.0000;-0.0000}, {p.DeltaUpper:+0.0000;-0.0000}]  p {p.PValue:F3}");
}

Console.WriteLine($"confidence vs nDCG@10: Spearman {r.Confidence.ValueSpearman:+0.000;-0.000}");
Console.WriteLine($"{files.Count} files written to {output}");
