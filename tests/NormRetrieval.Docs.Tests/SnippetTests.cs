using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NormRetrieval.Testing;



namespace NormRetrieval.Docs.Tests;

/// <summary>
/// Every C# block of every README compiles against the real libraries, and the ones that need no server
/// and take seconds also run (in a temporary folder) and print what their comments say. A snippet may
/// lean on a context (variables and types it names but does not declare); each is registered below, so
/// a new snippet fails until someone decides how it is checked.
/// </summary>
[Collection("docs: one working folder at a time")]
public sealed class SnippetTests
{
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading.Tasks;
        global using Microsoft.Extensions.AI;
        global using Microsoft.Extensions.VectorData;
        global using Microsoft.SemanticKernel.Data;
        global using NormRetrieval.Beir;
        global using NormRetrieval.Experiments;
        global using NormRetrieval.Garnet;
        global using NormRetrieval.Indexing;
        global using NormRetrieval.Onnx.Encoders;
        global using NormRetrieval.Onnx.Models;
        global using NormRetrieval.Ranking;
        global using NormRetrieval.Scoring;
        global using NormRetrieval.SemanticKernel;
        global using NormRetrieval.Statistics;
        global using NormRetrieval.VectorData;
        global using NormRetrieval.Vectors;
        """;

    private const string PassageType = """
        public sealed class Passage(string id, string text)
        {
            public Passage() : this("", "") { }
            [VectorStoreKey] public string Id { get; set; } = id;
            [VectorStoreData] public string Text { get; set; } = text;
            [VectorStoreVector(384)] public string? Embedding { get; set; } = text;
        }
        """;

    /// <summary>How each snippet is checked: what it leans on, whether it runs, what it must print.</summary>
    private static readonly Dictionary<string, Snippet> Snippets = new()
    {
        ["README.md#0"] = new(Run: true, Expect: ["specificity:0.02: cos", "QueryConfidence"]),
        ["README.md#1"] = new(
            Run: true,
            Preamble: """
                using var encoder = new OnnxEncoder(EncoderModel.ArcticXs);
                using var store = new NormVectorStore("store", new NormVectorStoreOptions { EmbeddingGenerator = encoder });
                var passages = store.GetCollection<string, Passage>("passages");
                MapFromResultToString stringMapper = r => ((Passage)r).Text;
                MapFromResultToTextSearchResult resultMapper = r => new TextSearchResult(((Passage)r).Text);
                """,
            Types: PassageType),
        ["README.md#2"] = new(Run: true, Expect: ["p1 "]),
        ["README.md#3"] = new(Run: true, Expect: ["4 judged queries, 2-fold CV × 5"]),
        ["src/NormRetrieval.Core/README.md#0"] = new(
            Run: true,
            Preamble: """
                float[] rawEmbedding = [3f, 4f, 0f];
                var candidates = new List<RerankCandidate<string>> { new("a", 0.9, 5.0, 12), new("b", 0.8, 6.0, 30) };
                double queryNorm = 4.5;
                """,
            Expect: ["specificity:0.02: cos"]),
        ["src/NormRetrieval.Experiments/README.md#0"] = new(Run: false, Why: "a full evaluation takes minutes; the Experiments tests run it"),
        ["src/NormRetrieval.Experiments/README.md#1"] = new(Run: true, Expect: ["sgd: identity rel. error ", "norm decreases 0/"]),
        ["src/NormRetrieval.Faiss/README.md#0"] = new(
            Run: true,
            Preamble: """
                long[] ids = [1, 2];
                float[] unitVectors = new float[2 * 384];
                unitVectors[0] = 1;
                unitVectors[384 + 1] = 1;
                float[] queries = unitVectors[..384];
                """,
            NeedsFaiss: true),
        ["src/NormRetrieval.Garnet/README.md#0"] = new(
            Run: false,
            Why: "needs a three-node Garnet cluster; the Garnet tests run the same calls on in-process servers",
            Preamble: """
                string password = Environment.GetEnvironmentVariable("NORMRETRIEVAL_GARNET_PASSWORD") ?? "";
                using var encoder = new OnnxEncoder(EncoderModel.ArcticXs);
                Note[] records = [];
                """,
            Types: """
                public sealed class Note
                {
                    [VectorStoreKey] public string Id { get; set; } = "";
                    [VectorStoreData] public string Text { get; set; } = "";
                    [VectorStoreVector(384)] public string? Embedding { get; set; }
                }
                """),
        ["src/NormRetrieval.Onnx/README.md#0"] = new(Run: true),
        ["src/NormRetrieval.VectorData/README.md#0"] = new(
            Run: true,
            Preamble: """
                using var other = new NormVectorStore("other-connector", new NormVectorStoreOptions { Engine = "flat" });
                var otherConnectorCollection = other.GetCollection<string, Doc>("docs");
                await otherConnectorCollection.EnsureCollectionExistsAsync();
                Doc[] docs = [new("a", [3f, 4f, 0f]), new("b", [0f, 1f, 1f]), new("c", [1f, 1f, 0f])];
                await otherConnectorCollection.UpsertAsync(docs);
                double[] storedNorms = [.. docs.Select(d => d.Norm)];
                float[] queryVector = [1f, 1f, 0f];
                """,
            Types: """
                public sealed class Doc(string id, float[] vector)
                {
                    public Doc() : this("", [0f, 0f, 1f]) { }
                    [VectorStoreKey] public string Id { get; set; } = id;
                    [VectorStoreData] public double Norm { get; set; } = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
                    [VectorStoreVector(3)] public float[] Vector { get; set; } = vector;
                }
                """,
            Expect: ["3 results ranked by specificity"]),
        ["src/NormRetrieval.SemanticKernel/README.md#0"] = new(
            Run: true,
            Preamble: """string text = "Flutter of a swept wing at transonic speeds.";""",
            Types: PassageType,
            Expect: ["1 0."]),
    };

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (string readme in Markdown.Readmes())
        {
            var blocks = Markdown.Blocks(readme, "csharp");
            for (int i = 0; i < blocks.Count; i++)
            {
                data.Add($"{readme}#{i}");
            }
        }

        return data;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Every_registered_snippet_still_exists() =>
        Assert.Empty(Snippets.Keys.Except(All().Select(d => (string)d.Data)));

    [Theory]
    [MemberData(nameof(All))]
    public async Task Snippet_compiles_and_runs(string id)
    {
        Assert.True(Snippets.TryGetValue(id, out var snippet), $"{id} is a new C# block: register how it is checked in {nameof(SnippetTests)}.");
        string[] parts = id.Split('#');
        string code = Markdown.Blocks(parts[0], "csharp")[int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)];
        var assembly = Compile(id, Program(code, snippet));
        if (!snippet.Run || (snippet.NeedsFaiss && !NormRetrieval.Faiss.FaissRuntime.IsAvailable))
        {
            Assert.False(snippet.Run && !snippet.NeedsFaiss, snippet.Why);
            return;
        }

        string output = await RunAsync(assembly);
        foreach (string fragment in snippet.Expect ?? [])
        {
            Assert.Contains(fragment, output, StringComparison.Ordinal);
        }
    }

    /// <summary>The snippet's using directives first, then its context, its statements, its types and the context's types.</summary>
    private static string Program(string code, Snippet snippet)
    {
        var lines = code.Split('\n');
        var usings = lines.Where(IsUsingDirective).ToList();
        var body = lines.Where(l => !IsUsingDirective(l));
        return string.Join('\n', usings) + "\n" + (snippet.Preamble ?? string.Empty) + "\n" + string.Join('\n', body) + "\n" + (snippet.Types ?? string.Empty);
    }

    private static bool IsUsingDirective(string line) =>
        line.StartsWith("using ", StringComparison.Ordinal) && !line.StartsWith("using var ", StringComparison.Ordinal) && !line.StartsWith("using (", StringComparison.Ordinal);

    private static Assembly Compile(string id, string program)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var compilation = CSharpCompilation.Create(
            "Snippet_" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(GlobalUsings, parse), CSharpSyntaxTree.ParseText(program, parse)],
            References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable)

                // Semantic Kernel and MEVD mark these APIs experimental; a user's project suppresses them the same way.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["SKEXP0001"] = ReportDiagnostic.Suppress, ["MEVD9001"] = ReportDiagnostic.Suppress }));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(result.Success, $"{id} does not compile:\n{string.Join('\n', errors)}\n--- program ---\n{program}");
        stream.Position = 0;
        return AssemblyLoadContext.Default.LoadFromStream(stream);
    }

    private static List<MetadataReference> References()
    {
        var references = new List<MetadataReference>();
        foreach (string path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
        {
            try
            {
                _ = AssemblyName.GetAssemblyName(path);
                references.Add(MetadataReference.CreateFromFile(path));
            }
            catch (BadImageFormatException)
            {
                // A native library.
            }
        }

        return references;
    }

    /// <summary>Runs the snippet's entry point in a temporary folder, capturing standard output.</summary>
    private static async Task<string> RunAsync(Assembly assembly)
    {
        using var folder = new TempDirectory();
        string previous = Environment.CurrentDirectory;
        var console = Console.Out;
        using var captured = new StringWriter();
        Environment.CurrentDirectory = folder.Path;
        Console.SetOut(captured);
        try
        {
            var entry = assembly.EntryPoint!;
            object? result = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
            if (result is Task task)
            {
                await task.WaitAsync(TimeSpan.FromMinutes(2), Ct);
            }
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = previous;
        }

        return captured.ToString();
    }

    private sealed record Snippet(bool Run, string? Preamble = null, string? Types = null, string[]? Expect = null, bool NeedsFaiss = false, string? Why = null);
}
