using System.Runtime.InteropServices;
using NormRetrieval.Faiss.Native;

namespace NormRetrieval.Faiss;

/// <summary>Whether the native Faiss engine can be used in this process, and which Faiss and BLAS it runs.</summary>
/// <remarks>Thread-safe; the probe runs once.</remarks>
public static class FaissRuntime
{
    private static readonly Lazy<(bool Available, string? Version, string? Blas, string? Reason)> Probe = new(Load);
    private static readonly Lazy<string?> LoadedFrom = new(FindLoadedShim);

    /// <summary>Whether the shim and Faiss loaded.</summary>
    public static bool IsAvailable => Probe.Value.Available;

    /// <summary>The Faiss version (e.g. <c>1.7.3</c>), or null when unavailable.</summary>
    public static string? Version => Probe.Value.Version;

    /// <summary>The BLAS Faiss uses (OpenBLAS with its build configuration, or the reference BLAS), or null when unavailable.</summary>
    public static string? Blas => Probe.Value.Blas;

    /// <summary>
    /// The file the native shim was loaded from (from the process's memory map, Linux), e.g. a package's
    /// <c>runtimes/linux-x64/native/libfaiss_shim.so</c>; null when Faiss is unavailable or the map cannot be read.
    /// </summary>
    public static string? NativeLibraryPath => IsAvailable ? LoadedFrom.Value : null;

    /// <summary>Why Faiss is unavailable, or null when it is available.</summary>
    public static string? UnavailableReason => Probe.Value.Reason;

    /// <summary>Throws when Faiss is unavailable.</summary>
    /// <exception cref="PlatformNotSupportedException">Faiss cannot be loaded; the message says why.</exception>
    public static void EnsureAvailable()
    {
        if (!IsAvailable)
        {
            throw new PlatformNotSupportedException($"Faiss is unavailable: {UnavailableReason}");
        }
    }

    /// <summary>
    /// Sets the number of BLAS threads, which Flat batch searches use (OpenBLAS only; returns false for
    /// other BLAS libraries). The setting is process-wide: call it at start-up or between searches, never
    /// while another thread searches.
    /// </summary>
    /// <param name="threads">The thread count (≥ 1).</param>
    /// <returns>Whether the BLAS library accepted it.</returns>
    public static bool SetBlasThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        EnsureAvailable();
        return FaissNative.nr_blas_set_threads(threads) != 0;
    }

    private static (bool, string?, string?, string?) Load()
    {
        try
        {
            string version = Marshal.PtrToStringUTF8(FaissNative.nr_faiss_version()) ?? "unknown";
            string blas = Marshal.PtrToStringUTF8(FaissNative.nr_blas_info()) ?? "unknown";
            return (true, version, blas, null);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            string reason = OperatingSystem.IsLinux()
                ? $"the native shim libfaiss_shim.so could not be loaded ({ex.Message.Split('\n')[0]}); install libfaiss-dev and libopenblas-dev and rebuild"
                : $"the Faiss engine is built for Linux only ({ex.GetType().Name})";
            return (false, null, null, reason);
        }
    }

    private static string? FindLoadedShim()
    {
        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/', StringComparison.Ordinal) is int at and >= 0 ? line[at..] : null)
                .FirstOrDefault(path => path is not null && Path.GetFileName(path) == "libfaiss_shim.so");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
