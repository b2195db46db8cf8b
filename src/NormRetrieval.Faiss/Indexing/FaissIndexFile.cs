using NormRetrieval.Faiss.Native;

namespace NormRetrieval.Faiss.Indexing;

/// <summary>
/// An index on disk: Faiss's own file, written to a temporary name and renamed into place, with the factory
/// string beside it (<c>…​.factory</c>) because Faiss files do not record it.
/// </summary>
internal static class FaissIndexFile
{
    /// <summary>Writes an index and its factory string; each file replaces the old one atomically.</summary>
    public static void Save(FaissIndexHandle handle, string path, string factory)
    {
        string temp = path + ".tmp";
        FaissNative.Check(FaissNative.faiss_write_index_fname(handle, temp), $"write_index(\"{temp}\")");
        File.WriteAllText(path + ".factory.tmp", factory);
        File.Move(path + ".factory.tmp", path + ".factory", overwrite: true);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads an index, checks its metric and ids, and returns it with its factory string and id set.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FaissException">Faiss cannot read the file, or it holds another metric or repeated ids.</exception>
    public static (FaissIndexHandle Handle, string Factory, HashSet<long> Ids) Load(string path, string? defaultFactory)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The Faiss index file '{path}' does not exist.", path);
        }

        string factory = File.Exists(path + ".factory") ? File.ReadAllText(path + ".factory").Trim() : defaultFactory ?? "Flat";
        FaissNative.Check(FaissNative.faiss_read_index_fname(path, 0, out var handle), $"read_index(\"{path}\")");
        try
        {
            if (FaissNative.faiss_Index_metric_type(handle) != FaissNative.MetricInnerProduct)
            {
                throw new FaissException($"The index in '{path}' does not use the inner-product metric.");
            }

            long n = FaissNative.faiss_Index_ntotal(handle);
            var ids = new long[n];
            unsafe
            {
                fixed (long* p = ids)
                {
                    FaissNative.Check(FaissNative.nr_faiss_ids(handle, p, (nuint)n), "list ids");
                }
            }

            var set = new HashSet<long>(ids);
            return set.Count == ids.Length ? (handle, factory, set) : throw new FaissException($"The index in '{path}' holds repeated ids.");
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
