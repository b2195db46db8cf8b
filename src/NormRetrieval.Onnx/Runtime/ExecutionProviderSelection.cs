using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace NormRetrieval.Onnx.Runtime;

/// <summary>
/// Chooses the execution provider to try from the preference (option, then the
/// <see cref="EnvironmentVariable"/> environment variable, then <see cref="ExecutionProvider.Auto"/>) and
/// what the loaded ONNX Runtime offers, and says why a preferred one was skipped.
/// </summary>
public static class ExecutionProviderSelection
{
    /// <summary>The environment variable that sets the preference when no option does: auto, cpu, cuda, directml or coreml.</summary>
    public const string EnvironmentVariable = "NORMRETRIEVAL_EXECUTION_PROVIDER";

    /// <summary>The providers the loaded ONNX Runtime offers (ONNX Runtime names, e.g. <c>CUDAExecutionProvider</c>).</summary>
    /// <returns>The provider names.</returns>
    public static IReadOnlyList<string> Available() => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>Resolves a preference to the provider to try first.</summary>
    /// <param name="preference">The option's preference.</param>
    /// <param name="available">The providers the runtime offers.</param>
    /// <param name="environmentValue">The environment variable's value, if any.</param>
    /// <returns>The provider to use, and the reason the preferred one was not used (null when it was).</returns>
    /// <exception cref="ArgumentException">The environment variable holds an unknown name.</exception>
    public static (ExecutionProvider Provider, string? SkipReason) Choose(
        ExecutionProvider preference, IReadOnlyCollection<string> available, string? environmentValue)
    {
        ArgumentNullException.ThrowIfNull(available);
        if (preference == ExecutionProvider.Auto && !string.IsNullOrWhiteSpace(environmentValue))
        {
            preference = Enum.TryParse(environmentValue.Trim(), ignoreCase: true, out ExecutionProvider parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new ArgumentException($"{EnvironmentVariable}='{environmentValue}' is not one of auto, cpu, cuda, directml, coreml.");
        }

        if (preference == ExecutionProvider.Auto)
        {
            foreach (var candidate in new[] { ExecutionProvider.Cuda, ExecutionProvider.DirectML, ExecutionProvider.CoreML })
            {
                if (Offers(candidate, available) && PlatformAllows(candidate))
                {
                    return (candidate, null);
                }
            }

            return (ExecutionProvider.Cpu, null);
        }

        if (preference == ExecutionProvider.Cpu)
        {
            return (ExecutionProvider.Cpu, null);
        }

        if (!PlatformAllows(preference))
        {
            return (ExecutionProvider.Cpu, $"{preference} is not supported on {RuntimeInformation.OSDescription}");
        }

        return Offers(preference, available)
            ? (preference, null)
            : (ExecutionProvider.Cpu, $"the loaded ONNX Runtime offers only {string.Join(", ", available)} (for CUDA, build with -p:NormRetrievalOnnxRuntime=Gpu)");
    }

    /// <summary>The ONNX Runtime name of a provider.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>E.g. <c>CUDAExecutionProvider</c>.</returns>
    public static string OrtName(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cuda => "CUDAExecutionProvider",
        ExecutionProvider.DirectML => "DmlExecutionProvider",
        ExecutionProvider.CoreML => "CoreMLExecutionProvider",
        _ => "CPUExecutionProvider",
    };

    private static bool Offers(ExecutionProvider provider, IReadOnlyCollection<string> available) =>
        available.Contains(OrtName(provider), StringComparer.OrdinalIgnoreCase);

    private static bool PlatformAllows(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.DirectML => OperatingSystem.IsWindows(),
        ExecutionProvider.CoreML => OperatingSystem.IsMacOS() || OperatingSystem.IsIOS(),
        _ => true,
    };
}
