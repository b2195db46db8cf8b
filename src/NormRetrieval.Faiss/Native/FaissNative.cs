using System.Runtime.InteropServices;

namespace NormRetrieval.Faiss.Native;

/// <summary>Every native entry point of the shim, in one place (official Faiss C API names where they exist).</summary>
internal static partial class FaissNative
{
    public const string Library = "faiss_shim";

    /// <summary>Faiss's METRIC_INNER_PRODUCT.</summary>
    public const int MetricInnerProduct = 0;

    [LibraryImport(Library)]
    public static partial IntPtr faiss_get_last_error();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int faiss_index_factory(out FaissIndexHandle index, int d, string description, int metric);

    [LibraryImport(Library)]
    public static partial void faiss_Index_free(IntPtr index);

    [LibraryImport(Library)]
    public static partial int faiss_Index_d(FaissIndexHandle index);

    [LibraryImport(Library)]
    public static partial int faiss_Index_is_trained(FaissIndexHandle index);

    [LibraryImport(Library)]
    public static partial long faiss_Index_ntotal(FaissIndexHandle index);

    [LibraryImport(Library)]
    public static partial int faiss_Index_metric_type(FaissIndexHandle index);

    [LibraryImport(Library)]
    public static unsafe partial int faiss_Index_train(FaissIndexHandle index, long n, float* x);

    [LibraryImport(Library)]
    public static unsafe partial int faiss_Index_add_with_ids(FaissIndexHandle index, long n, float* x, long* ids);

    [LibraryImport(Library)]
    public static unsafe partial int faiss_Index_search(FaissIndexHandle index, long n, float* x, long k, float* distances, long* labels);

    [LibraryImport(Library)]
    public static unsafe partial int faiss_Index_search_with_params(
        FaissIndexHandle index, long n, float* x, long k, FaissSearchParametersHandle parameters, float* distances, long* labels);

    [LibraryImport(Library)]
    public static partial int faiss_Index_reset(FaissIndexHandle index);

    [LibraryImport(Library)]
    public static partial int faiss_Index_remove_ids(FaissIndexHandle index, FaissIdSelectorHandle selector, out nuint removed);

    [LibraryImport(Library)]
    public static unsafe partial int faiss_IDSelectorBatch_new(out FaissIdSelectorHandle selector, nuint n, long* ids);

    [LibraryImport(Library)]
    public static partial void faiss_IDSelector_free(IntPtr selector);

    [LibraryImport(Library)]
    public static partial int faiss_SearchParametersHNSW_new(out FaissSearchParametersHandle parameters, IntPtr selector, int efSearch);

    [LibraryImport(Library)]
    public static partial int faiss_SearchParametersIVF_new_with(out FaissSearchParametersHandle parameters, IntPtr selector, nuint nprobe, nuint maxCodes);

    [LibraryImport(Library)]
    public static partial void faiss_SearchParameters_free(IntPtr parameters);

    [LibraryImport(Library)]
    public static partial int faiss_ParameterSpace_new(out FaissParameterSpaceHandle space);

    [LibraryImport(Library)]
    public static partial void faiss_ParameterSpace_free(IntPtr space);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int faiss_ParameterSpace_set_index_parameter(FaissParameterSpaceHandle space, FaissIndexHandle index, string name, double value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int faiss_write_index_fname(FaissIndexHandle index, string fileName);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int faiss_read_index_fname(string fileName, int ioFlags, out FaissIndexHandle index);

    [LibraryImport(Library)]
    public static unsafe partial int nr_faiss_ids(FaissIndexHandle index, long* ids, nuint n);

    [LibraryImport(Library)]
    public static unsafe partial int nr_faiss_inner_products_at(FaissIndexHandle index, float* query, nuint n, long* positions, float* scores);

    [LibraryImport(Library)]
    public static partial int nr_faiss_hnsw_ef_construction(FaissIndexHandle index, int set, out int value);

    [LibraryImport(Library)]
    public static partial IntPtr nr_faiss_version();

    [LibraryImport(Library)]
    public static partial void nr_faiss_set_omp_threads(int threads);

    [LibraryImport(Library)]
    public static partial int nr_faiss_get_omp_threads();

    [LibraryImport(Library)]
    public static partial IntPtr nr_blas_info();

    [LibraryImport(Library)]
    public static partial int nr_blas_set_threads(int threads);

    /// <summary>Turns a native status into a <see cref="FaissException"/> carrying Faiss's message.</summary>
    public static void Check(int status, string operation)
    {
        if (status != 0)
        {
            string message = Marshal.PtrToStringUTF8(faiss_get_last_error()) ?? "no message";
            throw new FaissException(operation, message);
        }
    }
}
