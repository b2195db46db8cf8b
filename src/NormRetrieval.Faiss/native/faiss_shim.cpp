// NormRetrieval's native shim over the system's static Faiss (Debian/Ubuntu libfaiss-dev ships
// libfaiss.a and the C API headers, but not the C API library). It implements the few C API functions
// NormRetrieval needs, under their official names and signatures (faiss/c_api/*.h of Faiss 1.7.3;
// the search-parameter functions follow the names of later Faiss releases), plus nr_* helpers
// for ids, scoring by position, versions and threads. Every function catches C++ exceptions and reports them through
// faiss_get_last_error(), so no exception crosses into .NET.
//
// Build (done by NormRetrieval.Faiss.csproj):
//   g++ -std=c++17 -O2 -fPIC -fopenmp -shared -fvisibility=hidden -o libfaiss_shim.so faiss_shim.cpp
//       -Wl,--whole-archive /usr/lib/x86_64-linux-gnu/libfaiss.a -Wl,--no-whole-archive
//       -Wl,--exclude-libs,ALL -lblas -llapack

#include <dlfcn.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <faiss/Index.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/IndexIVF.h>
#include <faiss/AutoTune.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/HNSW.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/utils/distances.h>


#define NR_EXPORT extern "C" __attribute__((visibility("default")))

typedef int64_t idx_t;

namespace {
thread_local std::string last_error;

int fail(const char* what) {
    last_error = what ? what : "unknown error";
    return -2;
}

template <typename F>
int guarded(F&& body) {
    try {
        body();
        last_error.clear();
        return 0;
    } catch (const faiss::FaissException& e) {
        return fail(e.what());
    } catch (const std::exception& e) {
        return fail(e.what());
    } catch (...) {
        return fail("unknown C++ exception");
    }
}
}  // namespace

// ---- errors ----------------------------------------------------------------------------------

NR_EXPORT const char* faiss_get_last_error() {
    return last_error.empty() ? nullptr : last_error.c_str();
}

// ---- index lifecycle -------------------------------------------------------------------------

NR_EXPORT int faiss_index_factory(faiss::Index** p_index, int d, const char* description, int metric) {
    return guarded([&] {
        *p_index = faiss::index_factory(d, description, static_cast<faiss::MetricType>(metric));
    });
}

NR_EXPORT void faiss_Index_free(faiss::Index* index) {
    delete index;
}

NR_EXPORT int faiss_Index_d(const faiss::Index* index) { return index->d; }

NR_EXPORT int faiss_Index_is_trained(const faiss::Index* index) { return index->is_trained ? 1 : 0; }

NR_EXPORT idx_t faiss_Index_ntotal(const faiss::Index* index) { return index->ntotal; }

NR_EXPORT int faiss_Index_metric_type(const faiss::Index* index) { return static_cast<int>(index->metric_type); }

// ---- add, train, remove, search --------------------------------------------------------------

NR_EXPORT int faiss_Index_train(faiss::Index* index, idx_t n, const float* x) {
    return guarded([&] { index->train(n, x); });
}

NR_EXPORT int faiss_Index_add_with_ids(faiss::Index* index, idx_t n, const float* x, const idx_t* xids) {
    return guarded([&] { index->add_with_ids(n, x, xids); });
}

NR_EXPORT int faiss_Index_search(const faiss::Index* index, idx_t n, const float* x, idx_t k, float* distances, idx_t* labels) {
    return guarded([&] { index->search(n, x, k, distances, labels); });
}

NR_EXPORT int faiss_Index_search_with_params(
        const faiss::Index* index, idx_t n, const float* x, idx_t k,
        const faiss::SearchParameters* params, float* distances, idx_t* labels) {
    return guarded([&] {
        // Faiss 1.7.3's IndexIDMap refuses search parameters; pass them to the wrapped index and map
        // its row numbers to external ids, as IndexIDMap::search does itself. (Its IndexHNSW::search
        // ignores SearchParametersHNSW::efSearch, so the managed side sets efSearch on the index instead.)
        auto* map = dynamic_cast<const faiss::IndexIDMap*>(index);
        if (map == nullptr || params == nullptr) {
            index->search(n, x, k, distances, labels, params);
            return;
        }
        if (params->sel != nullptr) {
            throw std::invalid_argument("id selectors are not supported through IDMap");
        }
        map->index->search(n, x, k, distances, labels, params);
        for (idx_t i = 0; i < n * k; i++) {
            labels[i] = labels[i] < 0 ? labels[i] : map->id_map[labels[i]];
        }
    });
}

NR_EXPORT int faiss_Index_reset(faiss::Index* index) {
    return guarded([&] { index->reset(); });
}

NR_EXPORT int faiss_Index_remove_ids(faiss::Index* index, const faiss::IDSelector* sel, size_t* n_removed) {
    return guarded([&] { *n_removed = index->remove_ids(*sel); });
}

NR_EXPORT int faiss_Index_reconstruct(const faiss::Index* index, idx_t key, float* recons) {
    return guarded([&] { index->reconstruct(key, recons); });
}

// ---- id selectors ----------------------------------------------------------------------------

NR_EXPORT int faiss_IDSelectorBatch_new(faiss::IDSelectorBatch** p_sel, size_t n, const idx_t* indices) {
    return guarded([&] { *p_sel = new faiss::IDSelectorBatch(n, indices); });
}

NR_EXPORT void faiss_IDSelector_free(faiss::IDSelector* sel) {
    delete sel;
}

// ---- per-call search parameters --------------------------------------------------------------

NR_EXPORT int faiss_SearchParametersHNSW_new(faiss::SearchParametersHNSW** p_sp, faiss::IDSelector* sel, int ef_search) {
    return guarded([&] {
        auto* sp = new faiss::SearchParametersHNSW();
        sp->sel = sel;
        sp->efSearch = ef_search;
        *p_sp = sp;
    });
}

NR_EXPORT int faiss_SearchParametersIVF_new_with(faiss::SearchParametersIVF** p_sp, faiss::IDSelector* sel, size_t nprobe, size_t max_codes) {
    return guarded([&] {
        auto* sp = new faiss::SearchParametersIVF();
        sp->sel = sel;
        sp->nprobe = nprobe;
        sp->max_codes = max_codes;
        *p_sp = sp;
    });
}

NR_EXPORT void faiss_SearchParameters_free(faiss::SearchParameters* sp) {
    delete sp;
}

// ---- index parameters (AutoTune) -------------------------------------------------------------

NR_EXPORT int faiss_ParameterSpace_new(faiss::ParameterSpace** space) {
    return guarded([&] { *space = new faiss::ParameterSpace(); });
}

NR_EXPORT void faiss_ParameterSpace_free(faiss::ParameterSpace* space) {
    delete space;
}

NR_EXPORT int faiss_ParameterSpace_set_index_parameter(const faiss::ParameterSpace* space, faiss::Index* index, const char* name, double value) {
    return guarded([&] { space->set_index_parameter(index, name, value); });
}

// ---- persistence ------------------------------------------------------------------------------

NR_EXPORT int faiss_write_index_fname(const faiss::Index* index, const char* fname) {
    return guarded([&] { faiss::write_index(index, fname); });
}

NR_EXPORT int faiss_read_index_fname(const char* fname, int io_flags, faiss::Index** p_out) {
    return guarded([&] { *p_out = faiss::read_index(fname, io_flags); });
}

// ---- NormRetrieval helpers -------------------------------------------------------------------

// Writes the external ids of every stored vector (n = ntotal) for IDMap and IVF indexes; fails for others.
NR_EXPORT int nr_faiss_ids(const faiss::Index* index, idx_t* out, size_t n) {
    return guarded([&] {
        if (static_cast<size_t>(index->ntotal) != n) {
            throw std::invalid_argument("the id buffer does not match the index size");
        }
        if (auto* map = dynamic_cast<const faiss::IndexIDMap*>(index)) {
            std::copy(map->id_map.begin(), map->id_map.end(), out);
            return;
        }
        if (auto* ivf = dynamic_cast<const faiss::IndexIVF*>(index)) {
            size_t at = 0;
            for (size_t list = 0; list < ivf->nlist; list++) {
                size_t size = ivf->invlists->list_size(list);
                if (size == 0) {
                    continue;
                }
                faiss::InvertedLists::ScopedIds ids(ivf->invlists, list);
                std::copy(ids.get(), ids.get() + size, out + at);
                at += size;
            }
            return;
        }
        throw std::invalid_argument("the index type keeps no external ids (wrap it in IDMap)");
    });
}

// Inner products of one query with the vectors at the given positions of an IDMap index (a position indexes its
// id map: 0 <= position < ntotal), as the inner index decodes them: exact for flat storage (HNSW's), approximate for
// quantised codes. Fails for indexes without an id map (IVF keeps its ids in the inverted lists).
NR_EXPORT int nr_faiss_inner_products_at(const faiss::Index* index, const float* query, size_t n, const idx_t* positions, float* scores) {
    return guarded([&] {
        auto* map = dynamic_cast<const faiss::IndexIDMap*>(index);
        if (map == nullptr) {
            throw std::invalid_argument("the index keeps no id map (IDMap)");
        }
        std::vector<float> vector(index->d);
        for (size_t i = 0; i < n; i++) {
            if (positions[i] < 0 || positions[i] >= map->index->ntotal) {
                throw std::out_of_range("a position lies outside the index");
            }
            map->index->reconstruct(positions[i], vector.data());
            scores[i] = faiss::fvec_inner_product(query, vector.data(), index->d);
        }
    });
}

// An HNSW graph's efConstruction (the candidate list while inserting; Faiss's default 40): set when set >= 1, then read
// into *value. The graph may sit behind an IDMap; anything else (including an IVF index's HNSW quantiser) fails.
NR_EXPORT int nr_faiss_hnsw_ef_construction(faiss::Index* index, int set, int* value) {
    return guarded([&] {
        faiss::Index* inner = index;
        if (auto* map = dynamic_cast<faiss::IndexIDMap*>(index)) {
            inner = map->index;
        }
        auto* graph = dynamic_cast<faiss::IndexHNSW*>(inner);
        if (graph == nullptr) {
            throw std::invalid_argument("the index is not an HNSW graph");
        }
        if (set >= 1) {
            graph->hnsw.efConstruction = set;
        }
        *value = graph->hnsw.efConstruction;
    });
}

NR_EXPORT const char* nr_faiss_version() {
    static const std::string version = std::to_string(FAISS_VERSION_MAJOR) + "." +
            std::to_string(FAISS_VERSION_MINOR) + "." + std::to_string(FAISS_VERSION_PATCH);
    return version.c_str();
}

// OpenMP's thread count is a per-thread setting: call this on the thread that will search.
NR_EXPORT void nr_faiss_set_omp_threads(int threads) {
    omp_set_num_threads(threads < 1 ? 1 : threads);
}

NR_EXPORT int nr_faiss_get_omp_threads() {
    return omp_get_max_threads();
}

#ifdef NR_STATIC_BLAS
// OpenBLAS is linked into this library (the packaged build): call it directly; its symbols are hidden.
extern "C" char* openblas_get_config();
extern "C" void openblas_set_num_threads(int);

// The one libgfortran routine the LAPACK objects Faiss uses reference (string concatenation in error
// paths). libgfortran.a cannot be linked into a shared library (its thread-local storage is not
// position-independent), so this is the documented libgfortran ABI of _gfortran_concat_string:
// copy s1 then s2 into dest, truncated to destlen and blank-padded.
extern "C" void _gfortran_concat_string(size_t destlen, char* dest, size_t len1, const char* s1, size_t len2, const char* s2) {
    if (len1 >= destlen) {
        std::memcpy(dest, s1, destlen);
        return;
    }
    std::memcpy(dest, s1, len1);
    dest += len1;
    destlen -= len1;
    if (len2 >= destlen) {
        std::memcpy(dest, s2, destlen);
        return;
    }
    std::memcpy(dest, s2, len2);
    std::memset(dest + len2, ' ', destlen - len2);
}

NR_EXPORT const char* nr_blas_info() {
    static const std::string info = std::string(openblas_get_config()) + " (linked statically)";
    return info.c_str();
}

NR_EXPORT int nr_blas_set_threads(int threads) {
    openblas_set_num_threads(threads < 1 ? 1 : threads);
    return 1;
}
#else
// Which BLAS the process resolved (OpenBLAS reports its build configuration); computed once.
NR_EXPORT const char* nr_blas_info() {
    static const std::string info = [] {
        using config_fn = char* (*)();
        auto config = reinterpret_cast<config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
        return config ? std::string(config()) : std::string("reference BLAS");
    }();
    return info.c_str();
}

// OpenBLAS's thread count is process-wide; callers must not change it while another thread is inside BLAS.
NR_EXPORT int nr_blas_set_threads(int threads) {
    using threads_fn = void (*)(int);
    auto set = reinterpret_cast<threads_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (set == nullptr) {
        return 0;
    }
    set(threads < 1 ? 1 : threads);
    return 1;
}
#endif
