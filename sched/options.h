// options.h: configuration of an adaptrt::sched::Executor.
//
// Thread-safety: plain value type.
// Complexity:    n/a.
// Ownership:     copied into the executor by Executor::Create.
// Errors:        Executor::Create validates and returns InvalidArgument naming
//                the field.
#ifndef ADAPTRT_SCHED_OPTIONS_H_
#define ADAPTRT_SCHED_OPTIONS_H_

#include <cstdint>
#include <exception>
#include <functional>
#include <string>

namespace adaptrt::sched {

// Where worker threads are bound (hwloc). Applied once when a worker starts.
enum class Placement {
  kNone,     // no binding: the OS scheduler places threads
  kCompact,  // worker i on core i mod cores (fill a package first)
  kScatter,  // spread workers over packages/NUMA nodes (hwloc_distrib)
};

struct Options {
  // Regular workers at start. 0 means std::thread::hardware_concurrency().
  // Changes at run time through Executor::Resize.
  int num_workers = 0;

  // Upper bound for Resize. 0 means max(64, 4 * hardware_concurrency()).
  // Fixed at creation (per-worker slots are allocated up front).
  int max_workers = 0;

  // Bound on temporary workers added by BlockingScope (0 disables them).
  // Fixed at creation.
  int max_blocking_workers = 4;

  // Failed steal sweeps an idle worker makes (with a CPU pause in between)
  // before it parks. Fixed at creation.
  int spin_rounds = 64;

  // Thread placement; failures to bind are ignored (the worker still runs).
  Placement placement = Placement::kNone;

  // Thread names are "<prefix><slot>" (Linux truncates to 15 characters).
  std::string thread_name_prefix = "adaptrt-w";

  // Measure every task with the thread CPU clock and the steady clock
  // (task_cpu_ns / task_wall_ns in WorkerStats). Costs two clock_gettime
  // system calls per task; off by default. busy/idle and busy_cpu_ns are
  // always measured (per park/unpark and every 1024 tasks).
  bool measure_task_time = false;

  // Called on the worker thread before it runs tasks, with its slot index.
  std::function<void(int slot)> on_worker_start;

  // Receives exceptions thrown by Spawn()ed tasks (which have no future).
  // Default: counted in ExecutorStats::unhandled_exceptions and dropped.
  std::function<void(std::exception_ptr)> on_unhandled_exception;
};

// How Shutdown treats tasks still queued.
enum class ShutdownMode {
  kDrain,   // run every queued task (and what they spawn), then stop
  kCancel,  // finish running tasks only; queued ones complete with
            // TaskCancelledError (futures, task groups) or are dropped (Spawn)
};

}  // namespace adaptrt::sched

#endif  // ADAPTRT_SCHED_OPTIONS_H_
