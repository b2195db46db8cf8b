using System.Globalization;
using Microsoft.Extensions.VectorData;
using NormRetrieval.SemanticKernel;

// A process for the crash test: upserts batches (with a full-text indexed property) into a store forever and prints "ack KEY" for every
// record of a batch once UpsertAsync has returned. The test kills it with SIGKILL at random moments.
// Usage: NormRetrieval.CrashWorker STORE_DIR PREFIX SEED
string directory = args[0];
string prefix = args[1];
var rng = new Random(int.Parse(args[2], CultureInfo.InvariantCulture));
using var store = new NormVectorStore(directory);
var definition = new VectorStoreCollectionDefinition
{
    Properties =
    [
        new VectorStoreKeyProperty("Key", typeof(string)),
        new VectorStoreDataProperty("Batch", typeof(int)),
        new VectorStoreDataProperty("Text", typeof(string)) { IsFullTextIndexed = true },
        new VectorStoreVectorProperty("Vector", typeof(float[]), 16),
    ],
};
var collection = store.GetDynamicCollection("crash", definition);
await collection.EnsureCollectionExistsAsync();
Console.Out.WriteLine("ready");
Console.Out.Flush();
for (int batch = 0; ; batch++)
{
    int size = rng.Next(1, 40);
    var records = new List<Dictionary<string, object?>>(size);
    for (int i = 0; i < size; i++)
    {
        var vector = new float[16];
        for (int d = 0; d < 16; d++)
        {
            vector[d] = (float)(rng.NextDouble() + 0.01);
        }

        // Every tenth record replaces an earlier key of this run.
        string key = i % 10 == 9 && batch > 0 ? $"{prefix}-{rng.Next(batch)}-0" : $"{prefix}-{batch}-{i}";
        records.Add(new Dictionary<string, object?> { ["Key"] = key, ["Batch"] = batch, ["Text"] = "record " + key.Replace('-', 'x'), ["Vector"] = vector });
    }

    await collection.UpsertAsync(records);
    foreach (var r in records)
    {
        Console.Out.WriteLine("ack " + r["Key"]);
    }

    Console.Out.Flush();
}
