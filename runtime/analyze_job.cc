// analyze_job.cc: see analyze_job.h.
//
// Design:
//   * Two phases: the walk collects every FileEntry; then ParallelFor splits
//     the entries over the executor. The walk itself is shared between
//     threads (runtime/internal/parallel_walk.h) and yields the sequential
//     walk's list and report: a task per directory on the executor, or, on
//     two CPUs or fewer when the cache opener has a store to read, this
//     thread's sequential walk, which the opener joins once the cache is
//     open (the baseline uses the sequential walk alone). Each leaf of the
//     ParallelFor aggregates into a local Report and merges it into the
//     shared one under `mu` once, so the lock is taken once per leaf, not
//     per file.
//   * A FileAnalyzer is not thread-safe: each worker (and the calling thread,
//     which helps in ParallelFor) uses its own thread_local instance.
//   * The cache (and its L3, a RocksDB open plus a scan of its records) is
//     opened on a helper thread while the walk runs: the two overlap.
//   * Bulk L3 read: when the cache holds nothing in memory (L1 and L2 empty:
//     the first run in this process), every hit can only come from L3, so
//     the helper thread also reads all L3 entries under the root's path
//     (NamedCache::ScanL3, one RocksDB iterator) into a compact map
//     (runtime_internal::PreloadedResults), and each
//     file is looked up there instead of with a TieredCache::Get (an L1 and
//     an L2 miss, a stripe lock, a RocksDB point read and a copy into L1 per
//     file). Since the scan saw all of L3 under the prefix, a key it did not
//     see is a miss without asking the cache. The map is written by the
//     helper thread only and read after join() (which orders it). Hits and
//     misses of the map are reported as L3 hits and misses (L1/L2 were not
//     consulted). If L3 is not usable, the scan fails or the prefix holds
//     more than kMaxPreloaded entries, each file goes through Get as before.
//   * Cache key: "<path>\0<size>:<mtime_ns>:<inode>:<device>", so any change
//     of a file's size, mtime or identity misses and the file is recounted
//     (the stale entry ages out by policy). Value: CachedFile, trivially
//     copyable (cache/serializer.h's default serializer stores it in L3).
//     Results that describe a transient state (unreadable, vanished, empty
//     at read time) are not cached.
//   * Writes are batched: a leaf collects the results it counted and stores
//     them with one NamedCache::PutBatch when it ends (one RocksDB write per
//     leaf instead of one per file; the leaves are ~files / (8 x workers)).
//     A crash loses only the results of the leaves not finished yet: they
//     are recounted by the next run.
//   * Atomics: options.progress is incremented relaxed (display only);
//     from_cache / counted are relaxed counters read after ParallelFor's
//     join, which orders them.

#include "runtime/analyze_job.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/analyze/file_analyzer.h"
#include "runtime/analyze/language.h"
#include "runtime/internal/parallel_walk.h"
#include "runtime/internal/preloaded_results.h"
#include "sched/parallel_for.h"

namespace adaptrt {

namespace {

// One file's result as cached (and stored in L3).
struct CachedFile {
  char language[48];  // cloc's name, NUL-terminated; empty unless counted
  std::uint8_t kind;  // analyze::FileKind
  std::uint8_t skip_reason;  // analyze::SkipReason
  std::int64_t blank;
  std::int64_t comment;
  std::int64_t code;
  std::uint64_t bytes;
};
static_assert(std::is_trivially_copyable_v<CachedFile>);

using FileCache = NamedCache<std::string, CachedFile>;

// The Runtime's name of the per-file cache (its L3 lives in
// <cache directory>/analyze).
constexpr char kCacheName[] = "analyze";

// Entries, and bytes of their keys, the bulk L3 read keeps at most (~120
// bytes per entry); beyond, the per-file Get serves (a root such as "/" over
// a large L3). The key arena is reserved at its bound, so only the pages
// the keys fill are touched.
constexpr std::size_t kMaxPreloaded = std::size_t{1} << 20;
constexpr std::uint64_t kMaxPreloadedKeyBytes = std::uint64_t{256} << 20;

// Files the sequential walk reserves room for (~72 bytes each, virtual
// memory until used).
constexpr std::size_t kWalkReservedEntries = std::size_t{1} << 16;

// The L3 entries under a root, read in bulk (see the design notes).
struct Preloaded {
  bool complete = false;  // every usable L3 entry under the prefix is in `results`
  std::unique_ptr<runtime_internal::PreloadedResults> results;
};

// The prefix every cache key of a file under `root` starts with: the root
// as WalkTree spells the paths it yields (trailing slashes dropped).
std::string RootPrefix(std::string_view root) {
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  return std::string(root.empty() ? std::string_view(".") : root);
}

// Null when the record does not describe a result this build can use (a
// language it does not know, a kind out of range): the file is recounted.
std::optional<analyze::FileResult> FromCached(const CachedFile& c) {
  analyze::FileResult r;
  if (c.kind > static_cast<std::uint8_t>(analyze::FileKind::kVanished)) return std::nullopt;
  r.kind = static_cast<analyze::FileKind>(c.kind);
  r.skip_reason = static_cast<analyze::SkipReason>(c.skip_reason);
  if (r.kind == analyze::FileKind::kCounted) {
    const std::size_t n = strnlen(c.language, sizeof(c.language));
    r.language = analyze::FindLanguage(std::string_view(c.language, n));
    if (r.language == nullptr) return std::nullopt;
  }
  r.counts.blank = c.blank;
  r.counts.comment = c.comment;
  r.counts.code = c.code;
  r.bytes = c.bytes;
  return r;
}

// Fills `out` from `cache`'s L3 when the cache's memory tiers are empty.
void PreloadFromL3(FileCache& cache, const std::string& root, Preloaded* out) {
  const cache::TieredStats st = cache.Stats();
  if (!st.l3_enabled || st.l1.entries != 0 || st.l2.entries != 0) return;
  // L3's charge (keys plus records) bounds the key bytes under the prefix;
  // a store written meanwhile may exceed it: Add then fails, and the
  // per-file Get serves.
  out->results = std::make_unique<runtime_internal::PreloadedResults>(
      std::min<std::uint64_t>(st.l3.entries, kMaxPreloaded),
      std::min<std::uint64_t>(st.l3.bytes, kMaxPreloadedKeyBytes));
  bool overflow = false;
  absl::StatusOr<std::uint64_t> n =
      cache.ScanL3(RootPrefix(root), [&](std::string key, CachedFile value) {
        // A record this build cannot use is left out: a miss, recounted.
        if (std::optional<analyze::FileResult> r = FromCached(value)) {
          overflow = overflow || !out->results->Add(key, *r);
        }
      });
  out->complete = n.ok() && !overflow;
  if (!out->complete) out->results.reset();
}

std::string CacheKey(const analyze::FileEntry& e) {
  std::string key = e.path;
  key.push_back('\0');
  absl::StrAppend(&key, e.size, ":", e.mtime_ns, ":", e.inode, ":", e.device);
  return key;
}

bool Cacheable(const analyze::FileResult& r) {
  return r.kind == analyze::FileKind::kCounted || r.kind == analyze::FileKind::kBinary ||
         r.kind == analyze::FileKind::kNotCode;
}

std::optional<CachedFile> ToCached(const analyze::FileResult& r) {
  CachedFile c;
  std::memset(&c, 0, sizeof(c));
  if (r.kind == analyze::FileKind::kCounted) {
    if (r.language == nullptr || r.language->name.size() >= sizeof(c.language)) {
      return std::nullopt;
    }
    std::memcpy(c.language, r.language->name.data(), r.language->name.size());
  }
  c.kind = static_cast<std::uint8_t>(r.kind);
  c.skip_reason = static_cast<std::uint8_t>(r.skip_reason);
  c.blank = r.counts.blank;
  c.comment = r.counts.comment;
  c.code = r.counts.code;
  c.bytes = r.bytes;
  return c;
}

cache::TierStats Delta(const cache::TierStats& a, const cache::TierStats& b) {
  auto d = [](std::uint64_t x, std::uint64_t y) { return x >= y ? x - y : 0; };
  cache::TierStats s = a;  // gauges (bytes, entries, capacity) as of the end
  s.hits = d(a.hits, b.hits);
  s.misses = d(a.misses, b.misses);
  s.promotions = d(a.promotions, b.promotions);
  s.demotions = d(a.demotions, b.demotions);
  s.demotions_dropped = d(a.demotions_dropped, b.demotions_dropped);
  s.evictions = d(a.evictions, b.evictions);
  s.errors = d(a.errors, b.errors);
  return s;
}

analyze::FileAnalyzer& ThreadAnalyzer() {
  thread_local analyze::FileAnalyzer analyzer;
  return analyzer;
}

}  // namespace

double TierHitRate(const cache::TierStats& s) {
  const double n = static_cast<double>(s.hits + s.misses);
  return n > 0 ? static_cast<double>(s.hits) / n : 0.0;
}

absl::StatusOr<AnalyzeResult> RunAnalysis(Runtime* rt, const std::string& root,
                                          const AnalyzeOptions& options) {
  AnalyzeResult out;
  const absl::Time start = absl::Now();
  // Open the cache (L3: RocksDB open + validating scan) while the tree is
  // walked.
  absl::StatusOr<FileCache*> opened = absl::UnavailableError("not opened");
  Preloaded preloaded;
  // The cache opener is one thread; the walk spreads over the executor. On
  // two CPUs or fewer, when the opener has a store to read (tens of ms of
  // CPU), a parallel walk would take the opener's CPU (four runnable
  // threads on two CPUs): there, this thread walks sequentially, and the
  // opener joins the walk once the cache is open (JoinableWalk). Creating a
  // new store costs little CPU, so a first run keeps the parallel walk, and
  // a cache this Runtime already holds is not read again (its memory tiers
  // answer). Asked before the opener may create the store.
  const bool walk_with_opener = rt != nullptr && options.use_cache && options.persistent &&
                                rt->system().effective_cpus <= 2.0 &&
                                !rt->HasCache(kCacheName) &&
                                rt->PersistentCacheExists(kCacheName);
  std::vector<analyze::FileEntry> entries;
  // The sequential walk appends: reserving room for a large tree touches no
  // page, while growing by doubling touches and copies each one again.
  if (rt == nullptr || walk_with_opener) entries.reserve(kWalkReservedEntries);
  runtime_internal::JoinableWalk joinable(root, &entries);
  double helped_until = 0;  // when the opener's share of the walk ended
  std::thread opener;
  if (rt != nullptr && options.use_cache) {
    opener = std::thread([&, start, rt] {
      NamedCacheOptions co;
      co.persistent = options.persistent;
      // Entries are ~100 bytes: a few MB hold hundreds of thousands of files.
      co.l1_bytes = std::uint64_t{16} << 20;
      co.l2_bytes = std::uint64_t{64} << 20;
      co.l3_bytes = std::uint64_t{512} << 20;
      co.ttl = absl::InfiniteDuration();
      opened = rt->GetOrCreateCache<std::string, CachedFile>(kCacheName, co);
      if (opened.ok() && options.persistent) PreloadFromL3(**opened, root, &preloaded);
      out.cache_open_seconds = absl::ToDoubleSeconds(absl::Now() - start);
      if (walk_with_opener && joinable.Help() > 0) {
        helped_until = absl::ToDoubleSeconds(absl::Now() - start);
      }
    });
  }
  absl::Status walked;
  if (walk_with_opener) {
    walked = joinable.Walk();
  } else if (rt != nullptr) {
    walked = runtime_internal::ParallelWalk(rt->executor(), root, &entries, &out.walk);
  } else {
    walked = analyze::WalkTree(
        root, analyze::WalkOptions(),
        [&](analyze::FileEntry&& e) { entries.push_back(std::move(e)); }, &out.walk);
  }
  out.walk_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (opener.joinable()) opener.join();  // orders the opener's writes
  if (walk_with_opener) {
    joinable.Finish(&out.walk);
    out.walk_seconds = std::max(out.walk_seconds, helped_until);
  }
  if (!walked.ok()) return walked;
  out.report.AddWalk(out.walk);
  out.files = static_cast<std::int64_t>(entries.size());
  for (const auto& e : entries) out.bytes += e.size;
  if (options.on_walked) options.on_walked(out.files);

  if (rt == nullptr) {  // the baseline
    analyze::FileAnalyzer analyzer;
    for (const auto& e : entries) {
      out.report.Add(analyzer.AnalyzeFile(e.path));
      if (options.progress) options.progress->fetch_add(1, std::memory_order_relaxed);
    }
    out.counted = out.files;
    out.wall_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    return out;
  }

  FileCache* cache = nullptr;
  cache::TieredStats before;
  if (options.use_cache) {
    if (!opened.ok()) {
      out.cache_note = absl::StrCat("cache disabled: ", opened.status().message());
    } else {
      cache = *opened;
      before = cache->Stats();
      if (options.persistent && !before.l3_enabled) {
        out.cache_note = absl::StrCat("L3 unavailable: ", before.l3_status.message());
      }
    }
  }

  sched::Executor& executor = rt->executor();
  out.workers_start = executor.worker_count();
  std::mutex mu;
  std::atomic<std::int64_t> from_cache{0}, counted{0};
  auto leaf = [&](std::size_t lo, std::size_t hi) {
    analyze::Report local;
    analyze::FileAnalyzer& analyzer = ThreadAnalyzer();
    std::int64_t hits = 0, misses = 0;
    std::vector<std::pair<std::string, CachedFile>> to_store;
    for (std::size_t i = lo; i < hi; ++i) {
      const analyze::FileEntry& e = entries[i];
      std::optional<analyze::FileResult> result;
      std::string key;
      if (cache != nullptr) {
        key = CacheKey(e);
        if (preloaded.complete) {
          result = preloaded.results->Find(key);
        } else if (auto hit = cache->Get(key); hit != nullptr) {
          result = FromCached(*hit);
        }
      }
      if (result.has_value()) {
        ++hits;
      } else {
        result = analyzer.AnalyzeFile(e.path);
        ++misses;
        if (cache != nullptr && Cacheable(*result)) {
          if (std::optional<CachedFile> c = ToCached(*result)) {
            to_store.emplace_back(std::move(key), *c);
          }
        }
      }
      local.Add(*result);
      if (options.progress) options.progress->fetch_add(1, std::memory_order_relaxed);
    }
    // A refused entry only costs a recount next time.
    if (!to_store.empty()) (void)cache->PutBatch(to_store);
    from_cache.fetch_add(hits, std::memory_order_relaxed);
    counted.fetch_add(misses, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu);
    out.report.Merge(local);
  };
  const std::size_t grain = options.grain > 0 ? static_cast<std::size_t>(options.grain) : 0;
  sched::ParallelFor(executor, std::size_t{0}, entries.size(), grain, leaf);
  out.from_cache = from_cache.load(std::memory_order_relaxed);
  out.counted = counted.load(std::memory_order_relaxed);
  out.workers_end = executor.worker_count();
  if (cache != nullptr) {
    const cache::TieredStats after = cache->Stats();
    out.cache_used = true;
    out.cache.l1 = Delta(after.l1, before.l1);
    out.cache.l2 = Delta(after.l2, before.l2);
    out.cache.l3 = Delta(after.l3, before.l3);
    if (preloaded.complete) {  // lookups answered by the bulk L3 read
      const std::int64_t hits = out.from_cache, misses = out.files - out.from_cache;
      out.cache.l3.hits += static_cast<std::uint64_t>(hits);
      out.cache.l3.misses += static_cast<std::uint64_t>(misses);
    }
    out.cache.l3_enabled = after.l3_enabled;
    out.cache.l3_status = after.l3_status;
  }
  out.wall_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return out;
}

}  // namespace adaptrt
