// knob_adapters.h: the tuning/knobs.h interfaces over the real executor and
// the runtime's tiered caches. This is the only place where tuning's view of
// the world (samples, knobs) meets sched/ and cache/.
//
//   WorkerKnob            -> Executor::Resize / worker_count
//   ExecutorSampleSource  -> deltas of Executor::Stats() between two calls
//   CapacityKnob (x3)     -> TieredCache::SetTierCapacity of one tier, over
//                            every cache of a CacheSet (the tier's budget is
//                            split by each cache's share, see CacheSet)
//   CacheSampleSource     -> deltas of the tier stats of every cache, plus
//                            the key hashes the caches sampled
//
// Thread-safety: every adapter is thread-safe (the auto-tuner's thread calls
//                them while the executor and caches run elsewhere); CacheSet
//                is thread-safe (caches may be added while the tuner runs).
// Complexity:    SampleExecutor O(workers); SampleCache O(caches + sampled
//                hashes); SetCapacity O(caches) plus what the caches evict.
// Ownership:     adapters borrow the executor / CacheSet, which must outlive
//                them. CacheSet shares ownership of its members.
// Errors:        Resize/SetCapacity return the executor's / cache's status
//                (the first failing cache's, after trying all of them).

#ifndef ADAPTRT_RUNTIME_INTERNAL_KNOB_ADAPTERS_H_
#define ADAPTRT_RUNTIME_INTERNAL_KNOB_ADAPTERS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cache/tiered_cache.h"
#include "sched/executor.h"
#include "tuning/knobs.h"

namespace adaptrt::runtime_internal {

// A type-erased tiered cache as the tuner sees it: tier stats, tier
// capacities, and the key hashes sampled from its accesses.
class TunableCache {
 public:
  virtual ~TunableCache() = default;
  virtual const std::string& name() const = 0;
  virtual cache::TieredStats TierStats() const = 0;
  virtual absl::Status SetTierCapacity(cache::Tier tier, std::uint64_t bytes) = 0;
  // Moves the hashes sampled since the last call into *out (appends).
  virtual void DrainSampledHashes(std::vector<std::uint64_t>* out) = 0;
  // The share of accesses whose hash is sampled (in (0, 1]).
  virtual double key_sampling_rate() const = 0;
};

// Key-hash sampler shared by the runtime's cache wrappers: keeps the hashes
// h with (h >> 54) < rate * 1024 (a spatial filter, as SHARDS samples), up to
// `max_pending` between drains (older-window excess is dropped).
class HashSampler {
 public:
  // REQUIRES: 0 < rate <= 1.
  explicit HashSampler(double rate, std::size_t max_pending = 1 << 16);
  // Cheap when the hash is filtered out (one compare); a mutex otherwise.
  void Record(std::uint64_t hash) {
    if ((hash >> 54) >= threshold_) return;
    RecordSlow(hash);
  }
  void Drain(std::vector<std::uint64_t>* out);
  double rate() const { return rate_; }

 private:
  void RecordSlow(std::uint64_t hash);
  const double rate_;
  const std::uint64_t threshold_;  // out of 1024
  const std::size_t max_pending_;
  std::mutex mu_;
  std::vector<std::uint64_t> pending_ ABSL_GUARDED_BY(mu_);
};

// The caches a runtime tunes together. Each tier's knob capacity is split
// among the caches in proportion to the capacity each was created with.
class CacheSet {
 public:
  void Add(std::shared_ptr<TunableCache> cache, std::uint64_t l1, std::uint64_t l2,
           std::uint64_t l3);
  std::vector<std::shared_ptr<TunableCache>> Snapshot() const;
  // Sets `tier` of every cache to its share of `bytes` (at least 1 byte
  // each); remembers `bytes` as the tier's total.
  absl::Status SetTierTotal(cache::Tier tier, std::uint64_t bytes);
  // The tier's total: the last SetTierTotal, else the sum of the initial
  // capacities of the member caches.
  std::uint64_t TierTotal(cache::Tier tier) const;

 private:
  struct Member {
    std::shared_ptr<TunableCache> cache;
    std::uint64_t initial[3];
  };
  mutable std::mutex mu_;
  std::vector<Member> members_ ABSL_GUARDED_BY(mu_);
  std::uint64_t set_total_[3] ABSL_GUARDED_BY(mu_) = {0, 0, 0};  // 0: never set
};

class ExecutorWorkerKnob final : public tuning::WorkerKnob {
 public:
  explicit ExecutorWorkerKnob(sched::Executor* executor) : executor_(executor) {}
  absl::Status Resize(int workers) override { return executor_->Resize(workers); }
  int workers() const override { return executor_->worker_count(); }

 private:
  sched::Executor* const executor_;
};

// ExecutorSample from Stats() deltas. mean_run_ms is the mean task run
// time (task_wall_ns / tasks, needs Options::measure_task_time); queueing
// time is not measured by the executor and is not included.
// cpu_utilization is the whole process's CPU time over the window
// (CLOCK_PROCESS_CPUTIME_ID, at least the workers' own busy CPU), divided by
// window x effective_cpus: threads outside the executor (the host's, a
// caller helping in Wait, RocksDB's) load the same CPUs, so the tuner must
// not add workers when they saturate them. system_cpu_utilization is the
// machine's busy share over the window, from /proc/stat's "cpu" line
// (everything but idle and iowait over the total), 0 where it cannot be
// read: other processes saturating the CPUs veto additions as well.
class ExecutorSampler final : public tuning::ExecutorSampleSource {
 public:
  // `effective_cpus` scales cpu_utilization. REQUIRES: effective_cpus > 0.
  ExecutorSampler(const sched::Executor* executor, double effective_cpus);
  tuning::ExecutorSample SampleExecutor(absl::Time now) override;

 private:
  const sched::Executor* const executor_;
  const double effective_cpus_;
  std::mutex mu_;
  bool first_ ABSL_GUARDED_BY(mu_) = true;
  absl::Time last_time_ ABSL_GUARDED_BY(mu_);
  sched::WorkerStats last_ ABSL_GUARDED_BY(mu_);
  std::uint64_t last_external_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t last_process_cpu_ns_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t last_machine_busy_ ABSL_GUARDED_BY(mu_) = 0;   // /proc/stat ticks
  std::uint64_t last_machine_total_ ABSL_GUARDED_BY(mu_) = 0;
};

// The machine's CPU time in clock ticks since boot, from /proc/stat's
// aggregate "cpu" line: `busy` is everything but idle and iowait. False
// when the file cannot be read or parsed.
bool ReadMachineCpuTicks(std::uint64_t* busy, std::uint64_t* total);

class TierCapacityKnob final : public tuning::CapacityKnob {
 public:
  TierCapacityKnob(CacheSet* caches, cache::Tier tier) : caches_(caches), tier_(tier) {}
  absl::Status SetCapacity(std::uint64_t bytes) override {
    return caches_->SetTierTotal(tier_, bytes);
  }
  std::uint64_t capacity() const override { return caches_->TierTotal(tier_); }

 private:
  CacheSet* const caches_;
  const cache::Tier tier_;
};

// CacheSample: hits are lookups any tier answered, misses the lookups no
// tier answered (L1 misses not answered below), both as deltas since the
// previous call; bytes_used the charge of all tiers now.
class CacheSampler final : public tuning::CacheSampleSource {
 public:
  explicit CacheSampler(CacheSet* caches) : caches_(caches) {}
  tuning::CacheSample SampleCache(absl::Time now) override;

 private:
  CacheSet* const caches_;
  std::mutex mu_;
  std::uint64_t last_hits_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t last_misses_ ABSL_GUARDED_BY(mu_) = 0;
};

// Lookups answered by some tier, and lookups no tier answered.
void HitsAndMisses(const cache::TieredStats& s, std::uint64_t* hits, std::uint64_t* misses);

}  // namespace adaptrt::runtime_internal

#endif  // ADAPTRT_RUNTIME_INTERNAL_KNOB_ADAPTERS_H_
