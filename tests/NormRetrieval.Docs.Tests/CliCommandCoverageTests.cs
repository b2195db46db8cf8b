using System.Text.RegularExpressions;

namespace NormRetrieval.Docs.Tests;

/// <summary>
/// Every command line of the CLI that a README shows is either run by a test (the tour) or listed here
/// with the reason it is not: a new README command fails this test until someone decides.
/// </summary>
public sealed partial class CliCommandCoverageTests
{
    /// <summary>Commands not run by the documentation tests, by how they start, and why.</summary>
    private static readonly (string Prefix, string Why)[] NotRun =
    [
        ("src/NormRetrieval.Cli -c Release -- demo", "the main job: encodes 1,400 abstracts, minutes on a cold machine; DemoCommandTests run demo on a small collection"),
        ("src/NormRetrieval.Cli -c Release -- index --store garnet:", "needs the README's three-node cluster; GarnetCommandsTests run index/search/stats on an in-process server"),
        ("src/NormRetrieval.Cli -c Release -- search --store garnet:", "needs the README's three-node cluster (see above)"),
        ("src/NormRetrieval.Cli -c Release -- stats --store garnet:", "needs the README's three-node cluster (see above)"),
        ("normretrieval demo --limit", "the installed tool (Install section): PackageTests installs the packed tool from a local feed and runs demo --limit 100 outside a clone"),
        ("normretrieval eval", "a cross-validated evaluation of every policy: minutes per collection and model; writes the published results"),
        ("normretrieval norms --model <model>", "a template, not a command"),
        ("normretrieval norms --model arctic-xs --single-token", "regenerates the published WordNet figure in results/"),
        ("normretrieval calibrate --store DIR", "a template, not a command; the tour runs calibrate on data/examples/judged"),
        ("normretrieval dynamics --out results/dynamics", "regenerates the published lab in results/dynamics; the tour runs dynamics --steps 300"),
    ];

    [Fact]
    public void Every_cli_command_in_the_readmes_is_run_or_known_not_to_be()
    {
        var tour = Markdown.Blocks("src/NormRetrieval.Cli/README.md", "bash")[0].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        var unaccounted = new List<string>();
        foreach (string readme in Markdown.Readmes())
        {
            string text = File.ReadAllText(Path.Combine(Markdown.Root, readme));
            foreach (Match m in Command().Matches(text))
            {
                string command = m.Value.Trim();
                if (!tour.Contains(command) && !NotRun.Any(n => command.StartsWith(n.Prefix, StringComparison.Ordinal)))
                {
                    unaccounted.Add($"{readme}: {command}");
                }
            }
        }

        Assert.Empty(unaccounted);
    }

    [GeneratedRegex(@"(normretrieval|src/NormRetrieval\.Cli -c Release --) (demo|eval|norms|info|embed|index|search|stats|calibrate|dynamics|backup|verify|drop)[^`|\n]*")]
    private static partial Regex Command();
}
