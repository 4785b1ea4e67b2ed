// runtime.h: adaptrt's facade. One object a host creates once: it loads a
// profile, builds the work-stealing executor, hands out named tiered caches,
// and runs the auto-tuner wired to both (worker count, tier capacities).
//
//   adaptrt::RuntimeOptions options;          // profile "auto", its target
//   options.target = adaptrt::tuning::TuningTarget::kLatency;
//   ASSIGN_OR_RETURN(auto rt, adaptrt::Runtime::Create(options));
//   adaptrt::sched::ParallelFor(rt->executor(), 0, n, 0, [&](int i) {...});
//   ASSIGN_OR_RETURN(auto* users,
//                    rt->GetOrCreateCache<std::string, User>("users"));
//   auto user = users->Get("ada");            // std::shared_ptr<const User>
//   rt->Shutdown();                           // or let the destructor do it
//
// Thread-safety: thread-safe. Every method may be called from any thread,
//                except Shutdown and the destructor, which must not run on
//                one of the runtime's own executor tasks.
// Complexity:    Create profiles the machine (hwloc, milliseconds: hwloc
//                dlopens every installed plugin at its first topology load,
//                10-15 ms with the PCI/OpenCL/GL/libxml ones; a host that
//                wants a fast start sets HWLOC_PLUGINS_BLACKLIST before any
//                thread starts, as the adaptrt command does in main()) and
//                reads one YAML file; GetOrCreateCache is O(caches) under a
//                mutex (look caches up once, keep the pointer); cache and
//                executor calls cost what they cost in cache/ and sched/
//                plus, for caches, one hash compare per access (key
//                sampling for the tuner).
// Ownership:     the Runtime owns the executor, the caches and the tuner.
//                Pointers returned by executor() and GetOrCreateCache stay
//                valid until the Runtime is destroyed (also after Shutdown).
// Errors:        Create returns InvalidArgument for bad options, NotFound for
//                an unknown profile name or a missing profiles directory /
//                profile file (the message names the file or the places
//                searched), the YAML loader's error (file:line) for a bad
//                profile. GetOrCreateCache returns InvalidArgument for a bad
//                name or options and FailedPrecondition when the name exists
//                with other key/value types. No exception crosses this API
//                except a task's own, rethrown at its future/TaskGroup.
//
// What it is not: not a process-wide singleton (create as many as you like,
// each has its own threads), and not restartable: after Shutdown the
// executor rejects new external tasks; the caches keep working.

#ifndef ADAPTRT_RUNTIME_RUNTIME_H_
#define ADAPTRT_RUNTIME_RUNTIME_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cache/options.h"
#include "cache/tiered_cache.h"
#include "runtime/internal/knob_adapters.h"
#include "sched/executor.h"
#include "tuning/auto_tuner.h"
#include "tuning/profile/profile.h"
#include "tuning/system_profile.h"

namespace adaptrt {

// Options of Runtime::Create. All fixed once the runtime exists.
struct RuntimeOptions {
  // "auto" (default): select a profile from the machine and expected_files
  // (tuning::SelectProfile). A name: profiles_dir/<name>.yaml. Anything
  // with a '/' or ending in ".yaml": that file.
  std::string profile = "auto";
  // Tuning target. Unset (default): the profile's tuning.target.
  std::optional<tuning::TuningTarget> target;
  // Where the named profiles live. Empty (default): $ADAPTRT_PROFILES_DIR,
  // then the binary's runfiles (<exe>.runfiles/adaptrt/profiles, or
  // $RUNFILES_DIR / $TEST_SRCDIR), then <exe dir>/profiles and
  // <exe dir>/../share/adaptrt/profiles.
  std::string profiles_dir;
  // Input size hint for "auto" (files or items the job will touch).
  std::uint64_t expected_files = 0;
  // Workers at start. 0 (default): the profile's executor.workers, capped
  // at the hardware threads (profiles are written for bigger machines).
  int workers = 0;
  // Upper bound for the tuner and Resize. 0 (default): max(8, 4 x
  // effective CPUs, the start count).
  int max_workers = 0;
  // Run the auto-tuner. Unset (default): the profile's tuning.enabled.
  std::optional<bool> auto_tune;
  // Tuner period. Zero (default): the profile's tuning.period_ms.
  absl::Duration tuner_period = absl::ZeroDuration();
  // Root of persistent (L3) caches: each gets <cache_directory>/<name>.
  // Empty (default): $XDG_CACHE_HOME/adaptrt, else $HOME/.cache/adaptrt.
  std::string cache_directory;
  // Workload signature for the tuning history (tuning/history.h). Empty
  // (default): no history is read or written.
  std::string history_signature;
  // History file. Empty (default): tuning::History::DefaultPath().
  std::string history_path;
  // Measure each task's CPU and wall time (two clock reads per task) so the
  // tuner sees task CPU/wall and mean run time. Default true.
  bool measure_task_time = true;
  // Executor thread names: "<prefix><slot>".
  std::string thread_name_prefix = "adaptrt-w";
};

// Options of one named cache. Zero sizes take the profile's values.
struct NamedCacheOptions {
  std::uint64_t l1_bytes = 0;  // profile cache.l1_mb
  std::uint64_t l2_bytes = 0;  // profile cache.l2_mb
  // Persist to L3 under RuntimeOptions::cache_directory/<name>. Needs a
  // serializer for K and V (cache/serializer.h). Default false.
  bool persistent = false;
  std::uint64_t l3_bytes = 0;  // profile cache.l3_mb
  // Fail instead of running without L3 when it cannot be opened.
  bool l3_required = false;
  // Policy of L1 and L2. Unset: the profile's cache.policy.
  std::optional<cache::PolicyKind> policy;
  // TTL of entries. Zero: the profile's cache.ttl_hours.
  absl::Duration ttl = absl::ZeroDuration();
  // Share of accesses whose key hash is passed to the tuner's miss-ratio
  // curve (a spatial sample). In (0, 1]. Default 1/16.
  double key_sampling_rate = 1.0 / 16;
};

// A tiered cache owned by a Runtime, with the key sampling the tuner needs.
// The same contract as cache::TieredCache (see tiered_cache.h), which
// tiered() exposes for anything not forwarded here.
template <typename K, typename V>
class NamedCache final : public runtime_internal::TunableCache {
 public:
  using Tiered = cache::TieredCache<K, V>;
  using ValuePtr = typename Tiered::ValuePtr;

  NamedCache(std::string name, std::unique_ptr<Tiered> tiered, double sampling_rate)
      : name_(std::move(name)), tiered_(std::move(tiered)), sampler_(sampling_rate) {}

  ValuePtr Get(const K& key) {
    Sample(key);
    return tiered_->Get(key);
  }
  absl::Status Put(const K& key, V value) {
    Sample(key);
    return tiered_->Put(key, std::move(value));
  }
  // TieredCache::PutBatch: one L3 write for all entries (sampled per key).
  absl::Status PutBatch(std::span<const std::pair<K, V>> entries) {
    for (const auto& e : entries) Sample(e.first);
    return tiered_->PutBatch(entries);
  }
  bool Erase(const K& key) { return tiered_->Erase(key); }
  // TieredCache::ScanL3: the L3 entries under a serialized-key prefix, with
  // one RocksDB iterator (not sampled: the caller's Gets, if any, are).
  absl::StatusOr<std::uint64_t> ScanL3(std::string_view key_prefix,
                                       absl::FunctionRef<void(K key, V value)> fn) {
    return tiered_->ScanL3(key_prefix, fn);
  }
  template <typename Fn>
  absl::StatusOr<ValuePtr> GetOrCompute(const K& key, Fn&& fn) {
    Sample(key);
    return tiered_->GetOrCompute(key, std::forward<Fn>(fn));
  }
  cache::TieredStats Stats() const { return tiered_->Stats(); }
  Tiered& tiered() { return *tiered_; }

  // TunableCache.
  const std::string& name() const override { return name_; }
  cache::TieredStats TierStats() const override { return tiered_->Stats(); }
  absl::Status SetTierCapacity(cache::Tier tier, std::uint64_t bytes) override {
    return tiered_->SetTierCapacity(tier, bytes);
  }
  void DrainSampledHashes(std::vector<std::uint64_t>* out) override { sampler_.Drain(out); }
  double key_sampling_rate() const override { return sampler_.rate(); }

 private:
  void Sample(const K& key) { sampler_.Record(absl::HashOf(key)); }

  const std::string name_;
  const std::unique_ptr<Tiered> tiered_;
  runtime_internal::HashSampler sampler_;
};

struct CacheStatsEntry {
  std::string name;
  cache::TieredStats stats;
};

struct RuntimeStats {
  sched::ExecutorStats executor;
  std::vector<CacheStatsEntry> caches;  // in creation order
  std::uint64_t tuner_iterations = 0;
  bool tuner_running = false;
};

// How the profile was chosen, for `adaptrt profile` and logs.
struct ProfileSelection {
  std::string name;         // the profile's name
  std::string source;       // the file it was read from
  std::string explanation;  // why this one (auto: the rule that fired)
};

class Runtime {
 public:
  // Resolves and loads the profile, profiles the system, starts the executor
  // and (unless disabled) the auto-tuner.
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(const RuntimeOptions& options = {});

  // Shutdown(), then frees the caches and the executor.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The executor (never null). Valid until destruction.
  sched::Executor& executor() { return *executor_; }

  // The cache called `name` with key K and value V, created with `options`
  // on first use (later calls ignore `options`). Names: [A-Za-z0-9_.-]+.
  // Errors: InvalidArgument for a bad name or options (or the cache's own
  // Create error); FailedPrecondition if `name` exists with other types.
  template <typename K, typename V>
  absl::StatusOr<NamedCache<K, V>*> GetOrCreateCache(const std::string& name,
                                                     const NamedCacheOptions& options = {});

  // Executor and per-cache counters; tuner iterations.
  RuntimeStats Stats() const;
  // The tuner's decisions, oldest first (empty without a tuner).
  std::vector<tuning::Decision> TuningLog() const;

  // Stops the tuner (recording history), then drains and stops the
  // executor. Idempotent. REQUIRES: not called from an executor task.
  absl::Status Shutdown();

  const tuning::Profile& profile() const { return profile_; }
  const ProfileSelection& selection() const { return selection_; }
  const tuning::SystemProfile& system() const { return system_; }
  tuning::TuningTarget target() const { return target_; }
  bool auto_tune() const { return tuner_ != nullptr; }
  // The directory persistent caches live under.
  const std::string& cache_directory() const { return cache_directory_; }
  // Whether the persistent (L3) store of cache `name` exists under
  // cache_directory(), created by this process or an earlier one (it may
  // hold no entries). One stat; opens nothing. For callers that plan work
  // around the cost of opening it.
  bool PersistentCacheExists(const std::string& name) const;
  // Whether this Runtime already holds the cache `name` (created by
  // GetOrCreateCache). Thread-safe.
  bool HasCache(const std::string& name) const;

 private:
  Runtime() = default;

  using Factory =
      absl::FunctionRef<absl::StatusOr<std::shared_ptr<runtime_internal::TunableCache>>()>;
  absl::StatusOr<runtime_internal::TunableCache*> FindOrCreate(const std::string& name,
                                                               std::type_index type,
                                                               Factory factory,
                                                               const NamedCacheOptions& o);
  // Fills tiered options from the profile and `o`.
  absl::Status ResolveCacheOptions(const std::string& name, const NamedCacheOptions& o,
                                   std::uint64_t* l1, std::uint64_t* l2, std::uint64_t* l3,
                                   cache::PolicyKind* policy, absl::Duration* ttl,
                                   std::string* l3_dir) const;
  // Where the L3 of cache `name` lives: <cache_directory_>/<name>.
  std::string L3Directory(const std::string& name) const;

  tuning::Profile profile_;
  ProfileSelection selection_;
  tuning::SystemProfile system_;
  tuning::TuningTarget target_ = tuning::TuningTarget::kThroughput;
  std::string cache_directory_;

  std::unique_ptr<sched::Executor> executor_;
  runtime_internal::CacheSet cache_set_;
  std::unique_ptr<runtime_internal::ExecutorWorkerKnob> worker_knob_;
  std::unique_ptr<runtime_internal::ExecutorSampler> executor_sampler_;
  std::unique_ptr<runtime_internal::TierCapacityKnob> tier_knobs_[3];
  std::unique_ptr<runtime_internal::CacheSampler> cache_sampler_;
  std::unique_ptr<tuning::AutoTuner> tuner_;

  mutable std::mutex mu_;  // caches_ and shutdown
  struct Named {
    std::type_index type;
    std::shared_ptr<runtime_internal::TunableCache> cache;
  };
  std::map<std::string, Named> caches_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

// "throughput", "latency", "memory" -> target. InvalidArgument otherwise.
absl::StatusOr<tuning::TuningTarget> ParseTuningTarget(absl::string_view text);
const char* TuningTargetName(tuning::TuningTarget target);

// The profiles directory as RuntimeOptions::profiles_dir describes.
// Errors: NotFound listing the places searched.
absl::StatusOr<std::string> FindProfilesDir(const std::string& explicit_dir = "");

// $XDG_CACHE_HOME/adaptrt, else $HOME/.cache/adaptrt, else ".cache/adaptrt".
std::string DefaultCacheDirectory();

// ---- implementation ----

template <typename K, typename V>
absl::StatusOr<NamedCache<K, V>*> Runtime::GetOrCreateCache(const std::string& name,
                                                            const NamedCacheOptions& options) {
  auto factory = [&]() -> absl::StatusOr<std::shared_ptr<runtime_internal::TunableCache>> {
    typename cache::TieredCache<K, V>::Options to;
    std::uint64_t l1 = 0, l2 = 0, l3 = 0;
    cache::PolicyKind policy = cache::PolicyKind::kLru;
    absl::Duration ttl;
    std::string l3_dir;
    absl::Status s = ResolveCacheOptions(name, options, &l1, &l2, &l3, &policy, &ttl, &l3_dir);
    if (!s.ok()) return s;
    to.l1_capacity = l1;
    to.l2_capacity = l2;
    to.l1_policy = policy;
    to.l2_policy = policy;
    to.default_ttl = ttl;
    if (options.persistent) {
      if constexpr (cache::TieredCache<K, V>::kSerializable) {
        to.l3_directory = l3_dir;
        to.l3_capacity = l3;
        to.l3_required = options.l3_required;
      } else {
        return absl::InvalidArgumentError(
            "cache \"" + name + "\": persistent needs a serializer for K and V "
            "(specialize adaptrt::cache::Serializer<T>, see cache/serializer.h)");
      }
    }
    auto tiered = cache::TieredCache<K, V>::Create(std::move(to));
    if (!tiered.ok()) {
      return absl::Status(tiered.status().code(),
                          "cache \"" + name + "\": " + std::string(tiered.status().message()));
    }
    return std::shared_ptr<runtime_internal::TunableCache>(
        std::make_shared<NamedCache<K, V>>(name, *std::move(tiered), options.key_sampling_rate));
  };
  auto found = FindOrCreate(name, std::type_index(typeid(NamedCache<K, V>)), factory, options);
  if (!found.ok()) return found.status();
  return static_cast<NamedCache<K, V>*>(*found);
}

}  // namespace adaptrt

#endif  // ADAPTRT_RUNTIME_RUNTIME_H_
