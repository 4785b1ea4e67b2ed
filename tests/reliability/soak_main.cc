// soak: cache + executor + auto-tuner together under a mixed load, through
// the adaptrt::Runtime facade (so the tuner drives the real knobs: worker
// count, tier capacities), for --duration, checking invariants all along:
//
//   every task exactly once  tasks are submitted in batches (TaskGroup::Run,
//                            Submit futures, Spawn); each has an id and a
//                            run counter, checked == 1 after its batch.
//   no value mismatch        values encode key + version. A writer of key k
//                            holds k's token (one writer per key, on any
//                            thread), publishes attempted[k] before and
//                            acked[k] after its Put/Erase. A reader loads
//                            acked[k] before Get and attempted[k] after: a
//                            value must parse for k with acked <= version <=
//                            attempted (null is a miss, always allowed).
//                            GetOrCompute keys ("c<i>") have one right value.
//   capacity never exceeded  a sampler checks each tier's bytes <= capacity
//                            (a sample counts only if the capacity did not
//                            change since the previous sample: a shrink in
//                            progress may hold the old capacity's bytes,
//                            cache.h "Capacity").
//   memory bounded           RSS sampled every 100 ms; bound = RSS after the
//                            warm-up (first 10% of the run, at most 30 s)
//                            x 1.5 + 64 MiB.
//
// Exit status 0 if every invariant held, 1 otherwise, 2 on a setup error.
// Not part of `bazel test`: run it, e.g.
//   bazel run -c opt //tests/reliability:soak -- --duration=10m
//   bazel run --config=tsan //tests/reliability:soak -- --duration=60s

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runtime/runtime.h"
#include "sched/task_group.h"
#include "tests/reliability/reliability_util.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::soak {
namespace {

// Command line. (Not absl flags: their GetFlag uses a fence that gcc's TSan
// build rejects, -Werror=tsan.)
struct Flags {
  absl::Duration duration = absl::Minutes(10);  // --duration=10m: how long to run
  int clients = 2;        // --clients=N: threads submitting task batches
  int keys = 20000;       // --keys=N: versioned keys (the working set)
  bool l3 = false;        // --l3: a RocksDB L3 (off by default: not TSan-instrumented)
  std::string profiles_dir;  // --profiles_dir=DIR (default: the runfiles)
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    absl::string_view value;
    auto is = [&](absl::string_view name) {
      const std::string prefix = absl::StrCat("--", name, "=");
      if (!absl::StartsWith(arg, prefix)) return false;
      value = arg.substr(prefix.size());
      return true;
    };
    bool ok = true;
    if (is("duration")) {
      ok = absl::ParseDuration(value, &f->duration) && f->duration > absl::ZeroDuration();
    } else if (is("clients")) {
      ok = absl::SimpleAtoi(value, &f->clients) && f->clients > 0;
    } else if (is("keys")) {
      ok = absl::SimpleAtoi(value, &f->keys) && f->keys > 0;
    } else if (arg == "--l3" || arg == "--l3=true") {
      f->l3 = true;
    } else if (arg == "--l3=false") {
      f->l3 = false;
    } else if (is("profiles_dir")) {
      f->profiles_dir = std::string(value);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr,
                   "soak: bad argument \"%s\"\nusage: soak [--duration=10m] [--clients=2] "
                   "[--keys=20000] [--l3] [--profiles_dir=DIR]\n",
                   argv[i]);
      return false;
    }
  }
  return true;
}

using testing::ParseVersioned;
using testing::VersionedValue;
using Cache = NamedCache<std::string, std::string>;

constexpr int kComputeKeys = 2000;
constexpr int kBatch = 256;
constexpr std::size_t kValueMin = 40;

std::string Key(int i) { return absl::StrCat("k", i); }
std::string ComputeKey(int i) { return absl::StrCat("c", i); }
std::string ComputeValue(const std::string& key) { return VersionedValue(key, 0, 96); }

std::uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

struct Counters {
  std::atomic<std::uint64_t> tasks{0}, gets{0}, hits{0}, puts{0}, erases{0}, computes{0},
      checks{0}, mismatches{0}, task_errors{0}, capacity_samples{0}, capacity_violations{0},
      rss_samples{0}, token_busy{0};
};

class Soak {
 public:
  Soak(Runtime& rt, Cache& cache, int keys)
      : rt_(rt),
        cache_(cache),
        keys_(keys),
        token_(keys),
        attempted_(keys),
        acked_(keys),
        next_version_(keys) {}

  // One cache operation chosen by `r` (a random number).
  void Op(std::uint64_t r) {
    const int k = static_cast<int>((r >> 8) % static_cast<std::uint64_t>(keys_));
    const unsigned kind = r % 100;
    if (kind < 55) {
      Read(k);
    } else if (kind < 85) {
      Write(k, /*erase=*/false);
    } else if (kind < 90) {
      Write(k, /*erase=*/true);
    } else {
      Compute(static_cast<int>((r >> 8) % kComputeKeys));
    }
  }

  void Read(int k) {
    const std::string key = Key(k);
    const std::uint64_t lower = acked_[k].load(std::memory_order_seq_cst);
    const Cache::ValuePtr v = cache_.Get(key);
    const std::uint64_t upper = attempted_[k].load(std::memory_order_seq_cst);
    c_.gets.fetch_add(1, std::memory_order_relaxed);
    if (v == nullptr) return;
    c_.hits.fetch_add(1, std::memory_order_relaxed);
    c_.checks.fetch_add(1, std::memory_order_relaxed);
    const std::optional<std::uint64_t> got = ParseVersioned(key, *v);
    if (!got.has_value() || *got < lower || *got > upper) {
      if (c_.mismatches.fetch_add(1) < 5) {
        std::fprintf(stderr, "MISMATCH %s: read \"%.40s\", acked %" PRIu64 ", attempted %" PRIu64
                     "\n", key.c_str(), v->c_str(), lower, upper);
      }
    }
  }

  void Write(int k, bool erase) {
    if (token_[k].exchange(true, std::memory_order_acquire)) {  // another writer: read instead
      c_.token_busy.fetch_add(1, std::memory_order_relaxed);
      Read(k);
      return;
    }
    const std::string key = Key(k);
    const std::uint64_t version = ++next_version_[k];  // token holder only
    attempted_[k].store(version, std::memory_order_seq_cst);
    if (erase) {
      cache_.Erase(key);
      c_.erases.fetch_add(1, std::memory_order_relaxed);
    } else {
      const std::size_t size = kValueMin + (version * 37 + static_cast<std::uint64_t>(k)) % 200;
      if (!cache_.Put(key, VersionedValue(key, version, size)).ok()) {
        c_.mismatches.fetch_add(1);
        std::fprintf(stderr, "Put(%s) failed\n", key.c_str());
      }
      c_.puts.fetch_add(1, std::memory_order_relaxed);
    }
    acked_[k].store(version, std::memory_order_seq_cst);
    token_[k].store(false, std::memory_order_release);
  }

  void Compute(int i) {
    const std::string key = ComputeKey(i);
    auto v = cache_.GetOrCompute(key, [&key] { return ComputeValue(key); });
    c_.computes.fetch_add(1, std::memory_order_relaxed);
    c_.checks.fetch_add(1, std::memory_order_relaxed);
    if (!v.ok() || *v == nullptr || **v != ComputeValue(key)) {
      if (c_.mismatches.fetch_add(1) < 5) {
        std::fprintf(stderr, "MISMATCH compute %s\n", key.c_str());
      }
    }
  }

  // A client: batches of tasks, each task a few cache operations; checks
  // every task of a batch ran exactly once.
  void Client(int id, absl::Time end) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(id) * 7919 + 1);
    std::vector<std::atomic<int>> ran(kBatch);
    sched::Executor& ex = rt_.executor();
    std::uint64_t batch = 0;
    while (absl::Now() < end) {
      for (auto& r : ran) r.store(0, std::memory_order_relaxed);
      const std::uint64_t seed = rng();
      auto task = [this, &ran, seed](int t) {
        ran[t].fetch_add(1, std::memory_order_relaxed);
        std::mt19937_64 r(seed + static_cast<std::uint64_t>(t));
        for (int i = 0; i < 8; ++i) Op(r());
      };
      const int mode = static_cast<int>(batch++ % 3);
      if (mode == 0) {  // fork/join
        sched::TaskGroup g(ex);
        for (int t = 0; t < kBatch; ++t) g.Run([&task, t] { task(t); });
        g.Wait();
      } else if (mode == 1) {  // futures
        std::vector<std::future<void>> fs;
        fs.reserve(kBatch);
        for (int t = 0; t < kBatch; ++t) {
          auto f = ex.Submit([&task, t] { task(t); });
          if (f.ok()) {
            fs.push_back(std::move(*f));
          } else {
            c_.task_errors.fetch_add(1);
            task(t);
          }
        }
        for (auto& f : fs) f.get();
      } else {  // fire and forget, counted down
        std::atomic<int> left{kBatch};
        for (int t = 0; t < kBatch; ++t) {
          const absl::Status s = ex.Spawn([&task, &left, t] {
            task(t);
            left.fetch_sub(1, std::memory_order_release);
          });
          if (!s.ok()) {
            c_.task_errors.fetch_add(1);
            task(t);
            left.fetch_sub(1, std::memory_order_release);
          }
        }
        while (left.load(std::memory_order_acquire) != 0) std::this_thread::yield();
      }
      for (int t = 0; t < kBatch; ++t) {
        const int n = ran[t].load(std::memory_order_relaxed);
        if (n != 1) {
          c_.task_errors.fetch_add(1);
          std::fprintf(stderr, "task %d of a batch ran %d times\n", t, n);
        }
      }
      c_.tasks.fetch_add(kBatch, std::memory_order_relaxed);
    }
  }

  // Capacity and RSS sampler (its own thread).
  void Sampler(absl::Time start, absl::Time end) {
    const absl::Duration warmup = std::min(absl::Seconds(30), (end - start) / 10);
    std::uint64_t prev_cap[2] = {0, 0};
    while (absl::Now() < end) {
      const cache::TieredStats s = cache_.Stats();
      const cache::TierStats* tiers[2] = {&s.l1, &s.l2};
      for (int t = 0; t < 2; ++t) {
        const cache::TierStats& ts = *tiers[t];
        if (ts.capacity == prev_cap[t]) {
          c_.capacity_samples.fetch_add(1, std::memory_order_relaxed);
          if (ts.bytes > ts.capacity && c_.capacity_violations.fetch_add(1) < 5) {
            std::fprintf(stderr, "L%d holds %" PRIu64 " bytes > capacity %" PRIu64 "\n", t + 1,
                         ts.bytes, ts.capacity);
          }
        }
        prev_cap[t] = ts.capacity;
      }
      min_l1_ = std::min(min_l1_, s.l1.capacity);
      max_l1_ = std::max(max_l1_, s.l1.capacity);
      const int workers = rt_.executor().worker_count();
      min_workers_ = std::min(min_workers_, workers);
      max_workers_ = std::max(max_workers_, workers);
      const std::uint64_t rss = RssBytes();
      c_.rss_samples.fetch_add(1, std::memory_order_relaxed);
      if (absl::Now() - start < warmup) {
        rss_warm_ = std::max(rss_warm_, rss);
      } else {
        rss_max_ = std::max(rss_max_, rss);
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  int Report(absl::Duration ran_for) {
    const RuntimeStats rs = rt_.Stats();
    const std::vector<tuning::Decision> log = rt_.TuningLog();
    int applied = 0;
    for (const auto& d : log) applied += d.applied;
    const std::uint64_t bound = rss_warm_ + rss_warm_ / 2 + (std::uint64_t{64} << 20);
    const bool rss_ok = rss_max_ <= bound;
    const cache::TieredStats s = cache_.Stats();
    const std::uint64_t ops = c_.gets + c_.puts + c_.erases + c_.computes;
    std::printf(
        "soak: %.1f s, %" PRIu64 " tasks (each exactly once: %s), %" PRIu64 " cache ops (%" PRIu64
        " gets, %" PRIu64 " hits, %" PRIu64 " puts, %" PRIu64 " erases, %" PRIu64
        " get-or-compute), %" PRIu64 " values checked, %" PRIu64 " mismatches\n",
        absl::ToDoubleSeconds(ran_for), c_.tasks.load(), c_.task_errors == 0 ? "yes" : "NO",
        ops, c_.gets.load(), c_.hits.load(), c_.puts.load(), c_.erases.load(),
        c_.computes.load(), c_.checks.load(), c_.mismatches.load());
    std::printf("soak: capacity: %" PRIu64 " samples, %" PRIu64
                " violations; L1 capacity moved within [%" PRIu64 ", %" PRIu64
                "] bytes; L3 %s (%" PRIu64 " errors)\n",
                c_.capacity_samples.load(), c_.capacity_violations.load(), min_l1_, max_l1_,
                s.l3_enabled ? "on" : "off", s.l3.errors);
    std::printf("soak: tuner: %" PRIu64 " iterations, %zu decisions logged (%d applied); workers "
                "moved within [%d, %d]\n",
                rs.tuner_iterations, log.size(), applied, min_workers_, max_workers_);
    std::printf("soak: RSS: %.1f MiB after warm-up, max %.1f MiB, bound %.1f MiB (%s), %" PRIu64
                " samples\n",
                static_cast<double>(rss_warm_) / (1 << 20), static_cast<double>(rss_max_) / (1 << 20),
                static_cast<double>(bound) / (1 << 20), rss_ok ? "held" : "EXCEEDED",
                c_.rss_samples.load());
    const bool ok = c_.mismatches == 0 && c_.task_errors == 0 && c_.capacity_violations == 0 &&
                    rss_ok && c_.tasks > 0;
    std::printf("soak: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
  }

 private:
  Runtime& rt_;
  Cache& cache_;
  const int keys_;
  std::vector<std::atomic<bool>> token_;
  std::vector<std::atomic<std::uint64_t>> attempted_, acked_;
  std::vector<std::uint64_t> next_version_;  // written by the token holder only
  Counters c_;
  // Sampler thread only (read after it is joined).
  std::uint64_t min_l1_ = UINT64_MAX, max_l1_ = 0, rss_warm_ = 0, rss_max_ = 0;
  int min_workers_ = 1 << 20, max_workers_ = 0;
};

int Main(const Flags& flags) {
  const absl::Duration duration = flags.duration;
  testing::ScopedTempDir dir("soak");
  RuntimeOptions o;
  o.profile = "small_project";
  o.profiles_dir = flags.profiles_dir;
  o.cache_directory = dir.Sub("cache");
  o.auto_tune = true;
  o.tuner_period = absl::Milliseconds(50);
  o.workers = 2;
  o.max_workers = 6;
  auto rt = Runtime::Create(o);
  if (!rt.ok()) {
    std::fprintf(stderr, "soak: %s\n", rt.status().ToString().c_str());
    return 2;
  }
  NamedCacheOptions co;
  co.l1_bytes = 512 << 10;
  co.l2_bytes = 1 << 20;
  co.persistent = flags.l3;
  co.l3_required = co.persistent;
  co.l3_bytes = 64 << 20;
  co.key_sampling_rate = 0.25;
  auto cache = (*rt)->GetOrCreateCache<std::string, std::string>("soak", co);
  if (!cache.ok()) {
    std::fprintf(stderr, "soak: %s\n", cache.status().ToString().c_str());
    return 2;
  }
  Soak soak(**rt, **cache, flags.keys);
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::printf("soak: %s, %d clients, %d keys, L3 %s, tuner every 50 ms\n",
              absl::FormatDuration(duration).c_str(), flags.clients, flags.keys, co.persistent ? "on" : "off");
  std::fflush(stdout);
  std::thread sampler([&] { soak.Sampler(start, end); });
  std::vector<std::thread> clients;
  for (int i = 0; i < flags.clients; ++i) {
    clients.emplace_back([&soak, i, end] { soak.Client(i, end); });
  }
  for (auto& t : clients) t.join();
  sampler.join();
  const absl::Duration ran_for = absl::Now() - start;
  const int rc = soak.Report(ran_for);
  if (!(*rt)->Shutdown().ok()) return 1;
  return rc;
}

}  // namespace
}  // namespace adaptrt::soak

int main(int argc, char** argv) {
  adaptrt::soak::Flags flags;
  if (!adaptrt::soak::ParseFlags(argc, argv, &flags)) return 2;
  return adaptrt::soak::Main(flags);
}
