using System.Runtime.InteropServices;

namespace NormRetrieval.Faiss.Native;

/// <summary>Owns a native <c>faiss::Index</c>.</summary>
internal sealed class FaissIndexHandle : SafeHandle
{
    public FaissIndexHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        FaissNative.faiss_Index_free(handle);
        return true;
    }
}

/// <summary>Owns a native <c>faiss::IDSelector</c>.</summary>
internal sealed class FaissIdSelectorHandle : SafeHandle
{
    public FaissIdSelectorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        FaissNative.faiss_IDSelector_free(handle);
        return true;
    }
}

/// <summary>Owns a native <c>faiss::SearchParameters</c>.</summary>
internal sealed class FaissSearchParametersHandle : SafeHandle
{
    public FaissSearchParametersHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        FaissNative.faiss_SearchParameters_free(handle);
        return true;
    }
}

/// <summary>Owns a native <c>faiss::ParameterSpace</c>.</summary>
internal sealed class FaissParameterSpaceHandle : SafeHandle
{
    public FaissParameterSpaceHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        FaissNative.faiss_ParameterSpace_free(handle);
        return true;
    }
}
