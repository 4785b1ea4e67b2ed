// cache_benchmark.cc: adaptrt's Cache<K, V> against its peers, in one binary.
//
// Implementations: adaptrt (cache/cache.h, read with Cache::Read;
// adaptrt_getptr: read with Cache::Get; adaptrt_k16: std::array<char, 16>
// keys; both get-hit only), rocksdb_lru (rocksdb::NewLRUCache),
// rocksdb_hcc (rocksdb::HyperClockCache), mutex_lru (one std::mutex over a
// std::list + std::unordered_map LRU). Keys are 16 bytes (HyperClockCache's
// fixed key size), values 8 bytes, each entry charged kCharge; RocksDB's
// metadata is not charged, so every cache holds the same number of entries.
//
// Workloads (names `<workload>/<implementation>/real_time/threads:N`, N = 1,
// 2, ... this machine's cores: benchmarks/common/thread_counts.h), keys
// drawn from Zipf(0.99) over a universe of kUniverse keys, ranks scattered
// over the key space so hot keys land in different shards; the key sequences
// are precomputed outside the timed loop, one per thread:
//   get-hit   every key resident; Get only.
//   get-miss  Get of keys never inserted.
//   put       Put into a cache that holds a quarter of the universe.
//   mix       90% Get / 10% Put, same quarter-size cache.
// Plus overhead/<implementation>: resident bytes per entry after inserting
// 1M entries (RSS delta measured in a forked child, so allocator state of
// other benchmarks does not leak in), reported as counter bytes_per_entry
// (includes the 16-byte key and 8-byte value each entry stores).

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <list>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/common/thread_counts.h"
#include "cache/cache.h"
#include "rocksdb/cache.h"

namespace {

constexpr std::size_t kCharge = 64;
constexpr std::uint32_t kUniverse = 1u << 18;
constexpr std::size_t kSequence = 1u << 20;  // Accesses precomputed per thread.
constexpr double kZipfTheta = 0.99;

// ---- Keys and Zipf sequences ------------------------------------------------

// Key i as 16 bytes: a 64-bit mix of i then i itself (distinct, well spread).
std::string KeyBytes(std::uint64_t i) {
  std::uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 31;
  std::string k(16, '\0');
  std::memcpy(k.data(), &h, 8);
  std::memcpy(k.data() + 8, &i, 8);
  return k;
}

// Zipf(theta) over [0, n): inverse-CDF table built once, sampled by binary
// search (sampling happens only when sequences are precomputed).
class Zipf {
 public:
  Zipf(std::uint32_t n, double theta) : cdf_(n) {
    double sum = 0;
    for (std::uint32_t i = 0; i < n; ++i) sum += 1.0 / std::pow(i + 1.0, theta);
    double acc = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      acc += 1.0 / std::pow(i + 1.0, theta) / sum;
      cdf_[i] = acc;
    }
    cdf_.back() = 1.0;
  }
  template <typename Rng>
  std::uint32_t operator()(Rng& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<std::uint32_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) -
                                      cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

struct Workload {
  std::vector<std::string> keys;        // The universe (resident candidates).
  std::vector<std::string> miss_keys;   // Never inserted.
  // Per thread: indices into keys, and whether the access is a Put (mix).
  std::vector<std::vector<std::uint32_t>> seq;
  std::vector<std::vector<std::uint8_t>> is_put;
};

const Workload& GetWorkload() {
  static const Workload* w = [] {
    auto* w = new Workload;
    w->keys.reserve(kUniverse);
    w->miss_keys.reserve(kUniverse);
    for (std::uint32_t i = 0; i < kUniverse; ++i) {
      w->keys.push_back(KeyBytes(i));
      w->miss_keys.push_back(KeyBytes(i + (1ull << 40)));
    }
    const Zipf zipf(kUniverse, kZipfTheta);
    // Rank r -> key index: multiply by an odd constant mod 2^18 (a bijection).
    // One sequence per thread of the largest registered thread count.
    for (int t = 0; t < adaptrt::bench::BenchThreadCounts().back(); ++t) {
      std::mt19937_64 rng(1234 + t);
      std::vector<std::uint32_t> s(kSequence);
      std::vector<std::uint8_t> p(kSequence);
      for (std::size_t i = 0; i < kSequence; ++i) {
        s[i] = (zipf(rng) * 2654435761u) & (kUniverse - 1);
        p[i] = (rng() % 10) == 0;
      }
      w->seq.push_back(std::move(s));
      w->is_put.push_back(std::move(p));
    }
    return w;
  }();
  return *w;
}

// ---- Implementations, one adapter each ----------------------------------------
// Adapter: explicit Adapter(std::size_t capacity_entries);
//          bool Get(const std::string& key); void Put(const std::string& key, uint64_t v).

class RocksDBAdapter {
 public:
  static std::shared_ptr<rocksdb::Cache> Lru(std::size_t entries) {
    rocksdb::LRUCacheOptions o;
    o.capacity = entries * kCharge;
    o.metadata_charge_policy = rocksdb::kDontChargeCacheMetadata;
    return rocksdb::NewLRUCache(o);
  }
  static std::shared_ptr<rocksdb::Cache> Hcc(std::size_t entries) {
    rocksdb::HyperClockCacheOptions o(entries * kCharge, kCharge);
    o.metadata_charge_policy = rocksdb::kDontChargeCacheMetadata;
    return o.MakeSharedCache();
  }
  explicit RocksDBAdapter(std::shared_ptr<rocksdb::Cache> cache) : cache_(std::move(cache)) {}

  bool Get(const std::string& key) {
    rocksdb::Cache::Handle* h = cache_->Lookup(key);
    if (h == nullptr) return false;
    benchmark::DoNotOptimize(cache_->Value(h));
    cache_->Release(h);
    return true;
  }
  void Put(const std::string& key, std::uint64_t v) {
    // The value is the integer itself (no allocation), like the others' 8 bytes.
    cache_->Insert(key, reinterpret_cast<void*>(v), kCharge, &NoDelete).PermitUncheckedError();
  }

 private:
  static void NoDelete(const rocksdb::Slice&, void*) {}
  std::shared_ptr<rocksdb::Cache> cache_;
};

struct RocksLru : RocksDBAdapter {
  explicit RocksLru(std::size_t entries) : RocksDBAdapter(Lru(entries)) {}
};
struct RocksHcc : RocksDBAdapter {
  explicit RocksHcc(std::size_t entries) : RocksDBAdapter(Hcc(entries)) {}
};

// adaptrt's Cache<K, V> (LRU), every entry charged kCharge like the peers.
// Get reads through Cache::Read (the value is visited under the shard's
// read hold, no refcount), which is what the RocksDB adapters' Lookup +
// Value + Release does; AdaptrtSharedPtr below measures Cache::Get, which
// hands out a shared_ptr (registered as `adaptrt_getptr` for get-hit).
class AdaptrtLru {
 public:
  explicit AdaptrtLru(std::size_t entries) {
    adaptrt::cache::CacheOptions<std::string, std::uint64_t> o;
    o.capacity = entries * kCharge;
    o.policy = adaptrt::cache::PolicyKind::kLru;
    o.weigher = [](const std::string&, const std::uint64_t&) { return kCharge; };
    auto c = adaptrt::cache::Cache<std::string, std::uint64_t>::Create(std::move(o));
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", std::string(c.status().message()).c_str());
      std::abort();
    }
    cache_ = std::move(*c);
  }
  bool Get(const std::string& key) {
    return cache_->Read(key, [](const std::uint64_t& v) { benchmark::DoNotOptimize(v); });
  }
  void Put(const std::string& key, std::uint64_t v) { cache_->Put(key, v).IgnoreError(); }

 protected:
  std::unique_ptr<adaptrt::cache::Cache<std::string, std::uint64_t>> cache_;
};

// The same cache read through Get (a shared_ptr copy and release per hit).
class AdaptrtSharedPtr : public AdaptrtLru {
 public:
  using AdaptrtLru::AdaptrtLru;
  bool Get(const std::string& key) {
    auto v = cache_->Get(key);
    benchmark::DoNotOptimize(v.get());
    return v != nullptr;
  }
};

// The same cache keyed by std::array<char, 16>: the key is stored as itself
// (std::string keys of up to 31 bytes are stored inline in the entry too,
// so the `adaptrt` row no longer pays a heap buffer per hit; this row shows
// what a fixed-size key saves beyond that: no size/length compare, no
// std::string hashing). The 16 bytes are copied from the benchmark's
// std::string per call, inside the timed loop. Registered as `adaptrt_k16`,
// get-hit only.
class AdaptrtK16 {
 public:
  using Key = std::array<char, 16>;
  explicit AdaptrtK16(std::size_t entries) {
    adaptrt::cache::CacheOptions<Key, std::uint64_t> o;
    o.capacity = entries * kCharge;
    o.policy = adaptrt::cache::PolicyKind::kLru;
    o.weigher = [](const Key&, const std::uint64_t&) { return kCharge; };
    auto c = adaptrt::cache::Cache<Key, std::uint64_t>::Create(std::move(o));
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", std::string(c.status().message()).c_str());
      std::abort();
    }
    cache_ = std::move(*c);
  }
  static Key ToKey(const std::string& key) {
    Key k;
    std::memcpy(k.data(), key.data(), k.size());
    return k;
  }
  bool Get(const std::string& key) {
    return cache_->Read(ToKey(key), [](const std::uint64_t& v) { benchmark::DoNotOptimize(v); });
  }
  void Put(const std::string& key, std::uint64_t v) { cache_->Put(ToKey(key), v).IgnoreError(); }

 private:
  std::unique_ptr<adaptrt::cache::Cache<Key, std::uint64_t>> cache_;
};

// The textbook LRU: one mutex, a recency list and a hash map into it.
class MutexLru {
 public:
  explicit MutexLru(std::size_t entries) : capacity_(entries) { map_.reserve(entries); }

  bool Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    list_.splice(list_.begin(), list_, it->second);
    benchmark::DoNotOptimize(it->second->second);
    return true;
  }
  void Put(const std::string& key, std::uint64_t v) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) {
      it->second->second = v;
      list_.splice(list_.begin(), list_, it->second);
      return;
    }
    if (map_.size() >= capacity_) {
      map_.erase(list_.back().first);
      list_.pop_back();
    }
    list_.emplace_front(key, v);
    map_.emplace(key, list_.begin());
  }

 private:
  using Node = std::pair<std::string, std::uint64_t>;
  std::mutex mu_;
  const std::size_t capacity_;
  std::list<Node> list_;
  std::unordered_map<std::string, std::list<Node>::iterator> map_;
};

// ---- Workloads -------------------------------------------------------------------

enum class Kind { kGetHit, kGetMiss, kPut, kMix };

// One cache per (implementation, workload), shared by the threads of a run and
// kept across repetitions; thread 0 builds it, the others wait.
template <typename Impl>
Impl& SharedCache(Kind kind) {
  static std::mutex mu;
  static std::array<std::unique_ptr<Impl>, 4> caches;
  std::lock_guard<std::mutex> lock(mu);
  auto& c = caches[static_cast<int>(kind)];
  if (c == nullptr) {
    const Workload& w = GetWorkload();
    const bool full = kind == Kind::kGetHit || kind == Kind::kGetMiss;
    const std::size_t entries = full ? kUniverse + kUniverse / 8 : kUniverse / 4;
    c = std::make_unique<Impl>(entries);
    const std::size_t fill = full ? kUniverse : kUniverse / 4;
    for (std::size_t i = 0; i < fill; ++i) c->Put(w.keys[i], i);
    if (kind == Kind::kGetHit) {
      for (std::size_t i = 0; i < kUniverse; ++i) {
        if (!c->Get(w.keys[i])) {
          std::fprintf(stderr, "get-hit setup: key %zu not resident\n", i);
          std::abort();
        }
      }
    }
  }
  return *c;
}

template <typename Impl, Kind kKind>
void BM_Cache(benchmark::State& state) {
  const Workload& w = GetWorkload();
  Impl& cache = SharedCache<Impl>(kKind);
  const std::vector<std::uint32_t>& seq = w.seq[state.thread_index()];
  const std::vector<std::uint8_t>& put = w.is_put[state.thread_index()];
  std::size_t i = state.thread_index() * 7919;
  benchmark::IterationCount hits = 0;
  for (auto _ : state) {
    i = (i + 1) & (kSequence - 1);
    const std::uint32_t k = seq[i];
    switch (kKind) {
      case Kind::kGetHit:
        hits += cache.Get(w.keys[k]);
        break;
      case Kind::kGetMiss:
        hits += cache.Get(w.miss_keys[k]);
        break;
      case Kind::kPut:
        cache.Put(w.keys[k], i);
        break;
      case Kind::kMix:
        if (put[i]) {
          cache.Put(w.keys[k], i);
        } else {
          hits += cache.Get(w.keys[k]);
        }
        break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (kKind == Kind::kGetHit && hits != state.iterations()) state.SkipWithError("get-hit missed");
  if (kKind == Kind::kGetMiss && hits != 0) state.SkipWithError("get-miss hit");
  if (kKind == Kind::kMix) {
    state.counters["hit_ratio"] = benchmark::Counter(
        static_cast<double>(hits) / static_cast<double>(state.iterations()),
        benchmark::Counter::kAvgThreads);
  }
}

long ResidentBytes() {
  long pages = 0, resident = 0;
  std::ifstream("/proc/self/statm") >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Resident bytes per entry of `Impl` holding n entries, measured in a child.
template <typename Impl>
void BM_Overhead(benchmark::State& state) {
  constexpr std::size_t n = 1u << 20;
  double per_entry = 0;
  for (auto _ : state) {
    std::vector<std::string> keys;
    keys.reserve(n);
    for (std::size_t i = 0; i < n; ++i) keys.push_back(KeyBytes(i));
    int fds[2];
    if (pipe(fds) != 0) {
      state.SkipWithError("pipe failed");
      return;
    }
    const pid_t pid = fork();
    if (pid == 0) {
      const long before = ResidentBytes();
      {
        auto cache = std::make_unique<Impl>(n);
        for (std::size_t i = 0; i < n; ++i) cache->Put(keys[i], i);
        const double v = static_cast<double>(ResidentBytes() - before) / n;
        (void)!write(fds[1], &v, sizeof v);
        _exit(0);
      }
    }
    close(fds[1]);
    if (read(fds[0], &per_entry, sizeof per_entry) != sizeof per_entry) {
      state.SkipWithError("child failed");
    }
    close(fds[0]);
    waitpid(pid, nullptr, 0);
  }
  state.counters["bytes_per_entry"] = per_entry;
}

// Registers `workload` for every implementation, next to each other, so that
// peers are measured close in time (and --benchmark_enable_random_interleaving
// can mix their repetitions).
template <Kind kKind>
void RegisterWorkload(const char* workload) {
  auto reg = [&](const char* impl, benchmark::internal::Function* fn) {
    auto* b = benchmark::RegisterBenchmark((std::string(workload) + "/" + impl).c_str(), fn);
    for (int threads : adaptrt::bench::BenchThreadCounts()) b->Threads(threads);
    b->UseRealTime();
  };
  reg("adaptrt", &BM_Cache<AdaptrtLru, kKind>);
  reg("rocksdb_lru", &BM_Cache<RocksLru, kKind>);
  reg("rocksdb_hcc", &BM_Cache<RocksHcc, kKind>);
  reg("mutex_lru", &BM_Cache<MutexLru, kKind>);
  if (kKind == Kind::kGetHit) {
    reg("adaptrt_getptr", &BM_Cache<AdaptrtSharedPtr, kKind>);
    reg("adaptrt_k16", &BM_Cache<AdaptrtK16, kKind>);
  }
}

template <typename Impl>
void RegisterOverhead(const char* impl) {
  benchmark::RegisterBenchmark((std::string("overhead/") + impl).c_str(), &BM_Overhead<Impl>)
      ->Iterations(1);
}

}  // namespace

int main(int argc, char** argv) {
  GetWorkload();
  RegisterWorkload<Kind::kGetHit>("get-hit");
  RegisterWorkload<Kind::kGetMiss>("get-miss");
  RegisterWorkload<Kind::kPut>("put");
  RegisterWorkload<Kind::kMix>("mix");
  RegisterOverhead<AdaptrtLru>("adaptrt");
  RegisterOverhead<RocksLru>("rocksdb_lru");
  RegisterOverhead<RocksHcc>("rocksdb_hcc");
  RegisterOverhead<MutexLru>("mutex_lru");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
