// knobs.h: how tuning sees the world. Samples come in, decisions go out, and
// knobs act on them. runtime/ implements these interfaces over the real cache
// and executor; tests implement them over simulations. tuning/ never includes
// cache/ or sched/ headers for this.
//
// Thread-safety: knob and source implementations must be callable from the
//                auto-tuner's thread while the cache/executor run elsewhere.
// Complexity:    a sample should cost O(sampled keys); a knob may do work
//                proportional to what it evicts or retires.
// Ownership:     the auto-tuner borrows knobs and sources; their owner keeps
//                them alive until the auto-tuner is destroyed.
// Errors:        knobs return absl::Status (e.g. a capacity below the
//                entries pinned by handles); the auto-tuner logs and retries.

#ifndef ADAPTRT_TUNING_KNOBS_H_
#define ADAPTRT_TUNING_KNOBS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace adaptrt::tuning {

// What the executor reports for one sampling window.
struct ExecutorSample {
  absl::Time now;                // end of the window (injected in tests)
  absl::Duration window;         // its length
  int workers = 0;               // workers running during the window
  double throughput = 0;         // tasks completed per second in the window
  double cpu_utilization = 0;    // process CPU time / (window x effective CPUs)
  // Busy share of all the machine's CPUs in the window (any process; Linux
  // /proc/stat), 0 when unknown. Near 1 when other processes saturate the
  // CPUs: our threads then wait in the run queue, which makes CPU-bound
  // tasks look blocked (task CPU << task wall).
  double system_cpu_utilization = 0;
  double idle_fraction = 0;      // share of worker time spent without a task
  double task_cpu_seconds = 0;   // CPU time of the tasks completed
  double task_wall_seconds = 0;  // their wall time (run start to end)
  double mean_run_ms = 0;        // mean task run time, start to end (queueing is not measured)
};

// What a cache tier chain reports for one window.
struct CacheSample {
  absl::Time now;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t bytes_used = 0;       // charge held by all tiers
  uint64_t mean_entry_bytes = 0; // mean charge of an entry (0: unknown)
  // A sample of accessed key hashes (any uniform 64-bit hash), in access
  // order, e.g. every key whose hash passes the source's own filter. Feeds
  // miss-ratio curves; may be empty.
  std::vector<uint64_t> key_hashes;
  // The share of accesses the source forwarded in key_hashes (1 = all).
  double key_sampling_rate = 1.0;
};

// Acts on one cache tier's byte capacity.
class CapacityKnob {
 public:
  virtual ~CapacityKnob() = default;
  // REQUIRES: bytes > 0. Shrinking evicts (or demotes) down to `bytes`.
  virtual absl::Status SetCapacity(uint64_t bytes) = 0;
  virtual uint64_t capacity() const = 0;
};

// Acts on the executor's worker count.
class WorkerKnob {
 public:
  virtual ~WorkerKnob() = default;
  // REQUIRES: workers >= 1. Retiring workers drains their queues first.
  virtual absl::Status Resize(int workers) = 0;
  virtual int workers() const = 0;
};

// Sources of samples. Each call returns the window since the previous call.
class ExecutorSampleSource {
 public:
  virtual ~ExecutorSampleSource() = default;
  virtual ExecutorSample SampleExecutor(absl::Time now) = 0;
};

class CacheSampleSource {
 public:
  virtual ~CacheSampleSource() = default;
  virtual CacheSample SampleCache(absl::Time now) = 0;
};

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_KNOBS_H_
