// The mechanism behind norm-aware ranking, in a few lines: train free embeddings with a contrastive loss over
// cosines by plain SGD and watch the norm-growth identity ‖z_{t+1}‖² = ‖z_t‖² + η²‖∇L‖² hold — then break it
// with weight decay.
//
//   dotnet run --project samples/NormDynamics [steps]
using System.Globalization;
using NormRetrieval.Experiments.Dynamics;

int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var paper = new DynamicsOptions { Name = "plain SGD", Steps = steps };
var decayed = paper with { Name = "SGD + weight decay", WeightDecay = 1e-2 };

foreach (var options in new[] { paper, decayed })
{
    var result = ContrastiveDynamics.Run(options);
    Console.WriteLine(result.Summary());

    // The three most and least frequent concepts: their depth, how often they were updated, their norm.
    foreach (var c in result.Concepts.OrderByDescending(c => c.Frequency).Take(3).Concat(result.Concepts.OrderBy(c => c.Frequency).Take(3)))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  concept {c.Id,3} depth {c.Depth} frequency {c.Frequency:P2} updates {c.Updates,5}: norm {c.InitialNorm:F3} → {c.Norm:F3} (identity predicts {c.PredictedNorm:F3})"));
    }
}
