using System.Text.RegularExpressions;

namespace NormRetrieval.Docs.Tests;

/// <summary>The repository's READMEs and their fenced code blocks.</summary>
internal static partial class Markdown
{
    /// <summary>The repository root, found from the test's folder upwards.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>README.md and every package and sample README, as paths relative to the root.</summary>
    public static IEnumerable<string> Readmes() =>
        new[] { "README.md" }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "src"), "README.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "samples"), "README.md", SearchOption.AllDirectories))
            .Select(p => Path.GetRelativePath(Root, Path.Combine(Root, p)).Replace('\\', '/'))
            .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal))
            .Distinct()
            .Order(StringComparer.Ordinal);

    /// <summary>The fenced blocks of one language in a README, in order.</summary>
    public static List<string> Blocks(string readme, string language)
    {
        string text = File.ReadAllText(Path.Combine(Root, readme)).Replace("\r\n", "\n", StringComparison.Ordinal);
        return [.. Fence().Matches(text).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value)];
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "NormRetrieval.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (NormRetrieval.sln) was not found above the test folder.");
    }

    [GeneratedRegex(@"^```([a-z]*)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
