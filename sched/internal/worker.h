// worker.h: per-worker state of the executor (a "slot"), shared between the
// worker thread that owns it, thieves, and the executor's control paths.
//
// Thread-safety: see each field. Slots are allocated when the executor is
//                created and live until it is destroyed, so any thread may
//                read a slot's deque, counters and wake word at any time.
// Complexity:    n/a (data).
// Ownership:     owned by the Executor.
// Errors:        none.
#ifndef ADAPTRT_SCHED_INTERNAL_WORKER_H_
#define ADAPTRT_SCHED_INTERNAL_WORKER_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "sched/internal/work_stealing_deque.h"

namespace adaptrt::sched {
class Executor;
}  // namespace adaptrt::sched

namespace adaptrt::sched_internal {

// A counter with a single writer (the slot's owner thread) and any number of
// readers: relaxed load + store, no read-modify-write on the hot path.
class OwnerCounter {
 public:
  void Add(uint64_t d) {
    v_.store(v_.load(std::memory_order_relaxed) + d,
             std::memory_order_relaxed);
  }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct WorkerCounters {
  OwnerCounter tasks_run, steals, failed_steals, parks;
  OwnerCounter busy_ns, idle_ns, busy_cpu_ns, task_wall_ns, task_cpu_ns;
};

enum class SlotState : int { kFree, kActive, kDraining, kExited };

struct alignas(64) WorkerSlot {
  explicit WorkerSlot(int i) : index(i) {}

  // Push/Pop by the thread running in this slot; Steal by anyone.
  WorkStealingDeque deque;
  const int index;

  // Lifecycle; guarded by Executor::mu_.
  SlotState state = SlotState::kFree;
  bool temporary = false;
  std::thread thread;

  // Set by Resize/BlockingScope (under mu_), read by the owner between tasks.
  std::atomic<bool> retire{false};

  // Parking: 0 = asleep; kWakeToken / kWakePlain written by a waker under
  // Executor::idle_mu_. in_idle_list guarded by idle_mu_.
  static constexpr uint32_t kWakeToken = 1;  // woken to search (owns a token)
  static constexpr uint32_t kWakePlain = 2;  // woken to re-check flags
  std::atomic<uint32_t> wake_word{0};
  bool in_idle_list = false;

  // Owner-only.
  uint64_t rng = 0;
  uint64_t period_start_ns = 0;   // start of the current busy/idle interval
  uint64_t period_start_cpu = 0;  // thread CPU clock at that start

  WorkerCounters counters;
};

// Which executor and slot the current thread works for (null if none).
struct ThreadContext {
  sched::Executor* executor = nullptr;
  WorkerSlot* slot = nullptr;
  uint32_t shard_hint = 0;
};
inline thread_local ThreadContext tls_context;

// How many tasks this thread is running nested inside TaskGroup::Wait.
// Stealing while waiting stops at a bound so the stack stays bounded (a
// worker still pops its own deque, which holds the waiter's descendants).
inline thread_local int tls_help_depth = 0;
inline constexpr int kMaxWorkerHelpDepth = 64;
inline constexpr int kMaxExternalHelpDepth = 8;

}  // namespace adaptrt::sched_internal

#endif  // ADAPTRT_SCHED_INTERNAL_WORKER_H_
