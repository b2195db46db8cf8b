using System.Text.Json;

namespace NormRetrieval.Benchmarks;

/// <summary>Real short texts for encoder benchmarks: the Cranfield queries (about 20–30 tokens each).</summary>
internal static class BenchmarkTexts
{
    public static string[] CranfieldQueries(int count)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "data", "cranfield-queries.jsonl");
        return [.. File.ReadLines(path)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!)
            .Take(count)];
    }
}
