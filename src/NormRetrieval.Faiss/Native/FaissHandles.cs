using System.Runtime.InteropServices;

namespace NormRetrieval.Faiss.Native;

/// <summary>Owns a native Faiss object: invalid when null, freed once by the function of its type.</summary>
internal abstract class FaissHandle() : SafeHandle(IntPtr.Zero, ownsHandle: true)
{
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Frees the native object.</summary>
    protected abstract void Free(IntPtr pointer);

    protected override bool ReleaseHandle()
    {
        Free(handle);
        return true;
    }
}

/// <summary>Owns a native <c>faiss::Index</c>.</summary>
internal sealed class FaissIndexHandle : FaissHandle
{
    protected override void Free(IntPtr pointer) => FaissNative.faiss_Index_free(pointer);
}

/// <summary>Owns a native <c>faiss::IDSelector</c>.</summary>
internal sealed class FaissIdSelectorHandle : FaissHandle
{
    protected override void Free(IntPtr pointer) => FaissNative.faiss_IDSelector_free(pointer);
}

/// <summary>Owns a native <c>faiss::SearchParameters</c>.</summary>
internal sealed class FaissSearchParametersHandle : FaissHandle
{
    protected override void Free(IntPtr pointer) => FaissNative.faiss_SearchParameters_free(pointer);
}

/// <summary>Owns a native <c>faiss::ParameterSpace</c>.</summary>
internal sealed class FaissParameterSpaceHandle : FaissHandle
{
    protected override void Free(IntPtr pointer) => FaissNative.faiss_ParameterSpace_free(pointer);
}
