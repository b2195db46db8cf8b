using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace NormRetrieval.Docs.Tests;

/// <summary>
/// The package structure the README promises, checked against the project files: which project references
/// which, what the Garnet package may not drag in, and how large a source file may grow.
/// </summary>
public sealed partial class ArchitectureTests
{
    /// <summary>The picture the structure issue asked for; the README must show exactly this, and the project files must match it.</summary>
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["Core"] = [],
        ["Onnx"] = ["Core"],
        ["Faiss"] = ["Core"],
        ["VectorData"] = ["Core"],
        ["SemanticKernel"] = ["VectorData", "Faiss"],
        ["Garnet"] = ["VectorData"],
        ["Experiments"] = ["Core", "Onnx", "Faiss", "SemanticKernel"],
        ["Cli"] = ["Core", "Onnx", "Faiss", "VectorData", "SemanticKernel", "Garnet", "Experiments"],
    };

    private const int MaxSourceLines = 430;

    [Fact]
    public void Project_references_match_the_dependency_picture()
    {
        var actual = References();
        Assert.Equal(Expected.Keys.Order(), actual.Keys.Order());
        foreach (var (project, references) in Expected)
        {
            Assert.True(references.Order().SequenceEqual(actual[project].Order()), $"{project} references {string.Join(", ", actual[project])}; the picture says {string.Join(", ", references)}");
        }
    }

    [Fact]
    public void The_readme_shows_the_dependency_picture()
    {
        string readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md"));
        var block = DependencyBlock().Match(readme);
        Assert.True(block.Success, "README.md has no <!-- dependencies --> block");
        var shown = new Dictionary<string, string[]>();
        foreach (string line in block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = line.Split("->", StringSplitOptions.TrimEntries);
            string name = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            shown[name] = parts.Length == 1 ? [] : parts[1].Split(',', StringSplitOptions.TrimEntries);
        }

        Assert.Equal(Expected.Keys.Order(), shown.Keys.Order());
        foreach (var (project, references) in Expected)
        {
            Assert.Equal(references, shown[project]);
        }
    }

    [Fact]
    public void Garnet_never_depends_on_sqlite_or_faiss()
    {
        var references = References();
        var closure = new HashSet<string>();
        var pending = new Stack<string>(["Garnet"]);
        while (pending.Count > 0)
        {
            foreach (string r in references[pending.Pop()])
            {
                if (closure.Add(r))
                {
                    pending.Push(r);
                }
            }
        }

        Assert.DoesNotContain("SemanticKernel", closure);
        Assert.DoesNotContain("Faiss", closure);
        foreach (string project in closure.Append("Garnet"))
        {
            var packages = Project(project).Descendants("PackageReference").Select(p => (string?)p.Attribute("Include")).ToList();
            Assert.DoesNotContain("Microsoft.Data.Sqlite", packages);
        }
    }

    [Fact]
    public void No_source_file_is_over_the_size_limit()
    {
        var large = Directory.EnumerateFiles(Path.Combine(RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(RepoRoot, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxSourceLines)
            .ToList();
        Assert.True(large.Count == 0, "over " + MaxSourceLines + " lines: " + string.Join(", ", large.Select(f => $"{f.File} ({f.Lines})")));
    }

    [Fact]
    public void Libraries_expose_internals_only_to_their_own_tests()
    {
        foreach (string project in Expected.Keys)
        {
            var friends = Project(project).Descendants("InternalsVisibleTo").Select(e => (string)e.Attribute("Include")!).ToList();
            Assert.All(friends, f => Assert.True(f.EndsWith(".Tests", StringComparison.Ordinal) || f == "NormRetrieval.Benchmarks", $"{project} exposes its internals to {f}"));
        }
    }

    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NormRetrieval.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("The repository root (NormRetrieval.sln) was not found above the test's folder.");
        }
    }

    private static XDocument Project(string name) => XDocument.Load(Path.Combine(RepoRoot, "src", "NormRetrieval." + name, "NormRetrieval." + name + ".csproj"));

    private static Dictionary<string, string[]> References() => Directory.EnumerateDirectories(Path.Combine(RepoRoot, "src"), "NormRetrieval.*")
        .Select(d => Path.GetFileName(d)["NormRetrieval.".Length..])
        .Where(name => File.Exists(Path.Combine(RepoRoot, "src", "NormRetrieval." + name, "NormRetrieval." + name + ".csproj")))
        .ToDictionary(
            name => name,
            name => Project(name).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(((string)r.Attribute("Include")!).Replace('\\', '/'))["NormRetrieval.".Length..])
                .ToArray());

    [GeneratedRegex(@"<!-- dependencies -->\s*```\s*\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex DependencyBlock();
}
