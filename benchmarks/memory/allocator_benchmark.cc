// allocator_benchmark: allocation throughput and fragmentation under cache-entry
// churn, mimalloc (what cache entries use) against glibc malloc, in one binary.
//
// Workload: a pool of live "entries" with sizes drawn from a cache-like
// distribution (mostly small, a long tail up to 16 KiB). Each iteration frees
// a random live entry and allocates a new one of a fresh size, the pattern of
// a full cache evicting to admit. Counters:
//   items_per_second  free+malloc pairs per second;
//   overhead_ratio    bytes the allocator holds from the OS / bytes requested
//                     by live entries at the end (1.0 = no overhead; counts
//                     size-class rounding and fragmentation), from the
//                     allocator's own accounting: glibc mallinfo2() after
//                     malloc_trim, mimalloc the committed bytes of its heap.
//
// Names: churn/<implementation>/<live entries>, implementations mimalloc, glibc.

#include <malloc.h>
#include <mimalloc.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"

namespace {

// Sizes of cache entries: 70% 32-256 B, 25% 256 B-2 KiB, 5% 2-16 KiB.
std::vector<std::size_t> EntrySizes(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> pick(0.0, 1.0);
  std::vector<std::size_t> sizes(count);
  for (auto& size : sizes) {
    const double p = pick(rng);
    if (p < 0.70) {
      size = std::uniform_int_distribution<std::size_t>(32, 256)(rng);
    } else if (p < 0.95) {
      size = std::uniform_int_distribution<std::size_t>(257, 2048)(rng);
    } else {
      size = std::uniform_int_distribution<std::size_t>(2049, 16384)(rng);
    }
  }
  return sizes;
}

struct GlibcHeap {
  void* Allocate(std::size_t bytes) { return std::malloc(bytes); }
  void Free(void* ptr) { std::free(ptr); }
  // Bytes glibc holds from the OS (arenas plus mmapped chunks), process-wide:
  // the benchmark's pool dominates once earlier runs are trimmed away.
  static std::size_t HeldBytes() {
    const struct mallinfo2 info = mallinfo2();
    return info.arena + info.hblkhd;
  }
};

struct MimallocHeap {
  mi_heap_t* heap = mi_heap_new();
  ~MimallocHeap() { mi_heap_destroy(heap); }
  void* Allocate(std::size_t bytes) { return mi_heap_malloc(heap, bytes); }
  void Free(void* ptr) { mi_free(ptr); }
  // Bytes committed by this heap's areas.
  std::size_t HeldBytes() const {
    std::size_t committed = 0;
    mi_heap_visit_blocks(
        heap, /*visit_all_blocks=*/false,
        [](const mi_heap_t*, const mi_heap_area_t* area, void* block, std::size_t,
           void* arg) {
          if (block == nullptr) *static_cast<std::size_t*>(arg) += area->committed;
          return true;
        },
        &committed);
    return committed;
  }
};

template <typename Heap>
void RunChurn(benchmark::State& state, Heap& heap) {
  const std::size_t live = static_cast<std::size_t>(state.range(0));
  const std::vector<std::size_t> sizes = EntrySizes(live * 4, /*seed=*/42);
  std::vector<void*> entries(live);
  std::vector<std::size_t> entry_sizes(live);
  std::size_t live_bytes = 0;
  for (std::size_t i = 0; i < live; ++i) {
    entry_sizes[i] = sizes[i];
    entries[i] = heap.Allocate(sizes[i]);
    std::memset(entries[i], 1, 16);
    live_bytes += sizes[i];
  }
  std::mt19937_64 rng(7);
  std::size_t next_size = 0;
  for (auto _ : state) {
    const std::size_t victim = rng() % live;
    heap.Free(entries[victim]);
    live_bytes -= entry_sizes[victim];
    const std::size_t size = sizes[next_size++ % sizes.size()];
    void* fresh = heap.Allocate(size);
    std::memset(fresh, 1, 16);  // Touch it, as a cache writes its entry.
    benchmark::DoNotOptimize(fresh);
    entries[victim] = fresh;
    entry_sizes[victim] = size;
    live_bytes += size;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["overhead_ratio"] =
      static_cast<double>(heap.HeldBytes()) / static_cast<double>(live_bytes);
  state.counters["live_MiB"] = static_cast<double>(live_bytes) / (1 << 20);
  for (void* entry : entries) heap.Free(entry);
}

void BM_ChurnGlibc(benchmark::State& state) {
  malloc_trim(0);  // Return what earlier runs left, so HeldBytes is ours.
  GlibcHeap heap;
  RunChurn(state, heap);
}

void BM_ChurnMimalloc(benchmark::State& state) {
  MimallocHeap heap;
  RunChurn(state, heap);
}

BENCHMARK(BM_ChurnMimalloc)->Name("churn/mimalloc")->Arg(10000)->Arg(200000);
BENCHMARK(BM_ChurnGlibc)->Name("churn/glibc")->Arg(10000)->Arg(200000);

}  // namespace

BENCHMARK_MAIN();
