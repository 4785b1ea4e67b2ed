// executor.h: adaptrt's work-stealing executor, resizable at run time.
//
// An Executor owns worker threads, each with a Chase–Lev deque. Tasks
// submitted from a worker go to its own deque (LIFO for the owner, FIFO for
// thieves); tasks from other threads go to a sharded injection queue. Idle
// workers steal from random victims, spin briefly, then park (no CPU). The
// worker count can change at any time with Resize; every accepted task runs
// exactly once (or, after Shutdown(kCancel), is completed with
// TaskCancelledError) whatever the resizes.
//
// Thread-safety: thread-safe. Submit/Spawn/Resize/Stats may be called from
//                any thread, including from tasks. Shutdown and destruction
//                must not be called from one of this executor's own tasks.
// Complexity:    Submit/Spawn O(1) (no allocation for small callables on the
//                worker path beyond the future's shared state); Resize O(max
//                workers); Stats O(workers).
// Ownership:     callables are moved into the executor and destroyed after
//                they run (or are cancelled).
// Errors:        Create/Resize/Shutdown/Submit/Spawn return absl::Status;
//                Submit/Spawn fail with FailedPrecondition after Shutdown
//                (tasks submitted by this executor's own running tasks are
//                still accepted while it drains). A task's own exception is
//                rethrown by its future's get() or its TaskGroup's Wait().
//                Cancelled tasks complete with TaskCancelledError.
//
// PERFORMANCE: future::get() called from inside a task blocks that worker;
// use TaskGroup (which runs other tasks while it waits) for fork/join.
#ifndef ADAPTRT_SCHED_EXECUTOR_H_
#define ADAPTRT_SCHED_EXECUTOR_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sched/internal/injector.h"
#include "sched/internal/task.h"
#include "sched/internal/worker.h"
#include "sched/options.h"

struct hwloc_topology;
struct hwloc_bitmap_s;

namespace adaptrt::sched {

// The exception a cancelled task's future (or TaskGroup::Wait) rethrows.
class TaskCancelledError : public std::runtime_error {
 public:
  TaskCancelledError()
      : std::runtime_error("adaptrt::sched: task cancelled by Shutdown") {}
};

// Counters of one worker slot. Read without stopping the pool (each value is
// individually atomic; a snapshot is not a consistent cut).
struct WorkerStats {
  int slot = 0;
  bool active = false;     // a thread runs in this slot now
  bool temporary = false;  // added by BlockingScope
  uint64_t tasks_run = 0;
  uint64_t steals = 0;         // tasks taken from another deque or the injector
  uint64_t failed_steals = 0;  // full victim sweeps that found nothing
  uint64_t parks = 0;          // times the worker went to sleep
  uint64_t busy_ns = 0;        // wall time not parked (running or searching)
  uint64_t idle_ns = 0;        // wall time parked
  uint64_t busy_cpu_ns = 0;    // thread CPU time while not parked
  uint64_t task_wall_ns = 0;   // sum over tasks (Options::measure_task_time)
  uint64_t task_cpu_ns = 0;    // sum over tasks (Options::measure_task_time)
};

struct ExecutorStats {
  int worker_count = 0;       // regular workers requested (Resize target)
  int temporary_workers = 0;  // BlockingScope workers running now
  std::vector<WorkerStats> workers;  // every slot ever used
  WorkerStats total;                 // sums over `workers`
  uint64_t external_tasks_run = 0;   // tasks run by non-worker helpers
  uint64_t unhandled_exceptions = 0;
  int64_t queued_injector = 0;  // approximate
};

class TaskGroup;
class BlockingScope;

class Executor {
 public:
  // Starts options.num_workers workers.
  // Errors: InvalidArgument for a bad field (named), Internal if a thread
  // cannot be started.
  static absl::StatusOr<std::unique_ptr<Executor>> Create(
      const Options& options = Options());

  // Shutdown(kDrain) if not shut down yet; joins every thread. Never leaks a
  // thread; waits for running tasks to return.
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues fn() and returns a future for its result; get() rethrows fn's
  // exception, or TaskCancelledError if Shutdown(kCancel) dropped it.
  // Errors: FailedPrecondition after Shutdown (from non-worker threads).
  template <typename F>
  auto Submit(F&& fn)
      -> absl::StatusOr<std::future<std::invoke_result_t<std::decay_t<F>&>>>;

  // Queues fn() without a result. Exceptions go to
  // Options::on_unhandled_exception (default: counted and dropped).
  // Errors: FailedPrecondition after Shutdown (from non-worker threads).
  template <typename F>
  absl::Status Spawn(F&& fn);

  // Sets the number of regular workers. Growing starts (or re-activates)
  // workers before returning; shrinking asks the highest slots to retire:
  // each finishes its current task, hands its queued tasks to the injector
  // and exits (asynchronously). Callable from tasks.
  // Errors: InvalidArgument unless 1 <= n <= max_workers; FailedPrecondition
  // after Shutdown.
  absl::Status Resize(int n);

  // Regular workers requested (the last Resize target). Knob for tuning.
  int worker_count() const {
    return target_workers_.load(std::memory_order_relaxed);
  }
  int max_workers() const { return max_workers_; }

  ExecutorStats Stats() const;

  // Stops accepting external submissions, then drains or cancels queued
  // tasks and joins all workers. Idempotent (later calls return OK).
  // Bound: a running task is never interrupted (C++ cannot stop a thread
  // safely), so Shutdown returns once every running task has returned:
  // with kCancel after the longest remaining running task plus a worker
  // wake-up (milliseconds); with kDrain after the queue (and what it
  // spawns) has run too. A task that never returns makes Shutdown (and
  // the destructor) wait forever: long-running tasks must poll
  // shutting_down() and return. Concurrent Resize calls return OK or
  // FailedPrecondition; calls after Shutdown fail (see Errors).
  // Errors: FailedPrecondition when called from one of this executor's
  // workers (it would join itself).
  absl::Status Shutdown(ShutdownMode mode = ShutdownMode::kDrain);
  // True once Shutdown has begun (external submissions are refused from
  // then on). Long-running tasks poll it to return early. Any thread.
  bool shutting_down() const { return !accepting_.load(std::memory_order_acquire); }

  // True if the calling thread is one of this executor's workers.
  bool InWorker() const { return sched_internal::tls_context.executor == this; }

 private:
  friend class TaskGroup;
  friend class BlockingScope;
  template <typename F>
  friend class SpawnTask;

  explicit Executor(const Options& options);

  // Queues a task: own deque on a worker, else the injector; then wakes a
  // sleeper if no worker is searching.
  void Schedule(sched_internal::TaskNode* task) {
    sched_internal::ThreadContext& ctx = sched_internal::tls_context;
    if (ctx.executor == this) {
      ctx.slot->deque.Push(task);
    } else {
      injector_.Push(task, ShardHint(ctx));
    }
    NotifyWork();
  }

  // Both loads come after the caller's seq_cst push (any order is correct);
  // idle_count_ first because it changes rarely while workers are busy,
  // whereas searching_ changes on every steal.
  void NotifyWork() {
    if (idle_count_.load(std::memory_order_seq_cst) > 0 &&
        searching_.load(std::memory_order_seq_cst) == 0) {
      WakeOne();
    }
  }

  // External submission gate (see executor.cc, "Shutdown").
  bool BeginExternalSubmit() {
    submitters_.fetch_add(1, std::memory_order_seq_cst);
    if (!accepting_.load(std::memory_order_seq_cst)) {
      submitters_.fetch_sub(1, std::memory_order_release);
      return false;
    }
    return true;
  }
  void EndExternalSubmit() {
    submitters_.fetch_sub(1, std::memory_order_release);
  }
  static absl::Status ShutdownError(const char* what);

  static uint32_t ShardHint(sched_internal::ThreadContext& ctx);
  void WakeOne();
  void WakeAll();
  void WakeSlot(sched_internal::WorkerSlot* slot);

  // For TaskGroup::Wait: finds a task the calling thread may run (own deque
  // first on a worker, then stealing and the injector unless the thread is
  // already nested kMax*HelpDepth deep), or nullptr.
  sched_internal::TaskNode* FindTaskForHelper();
  void RunHelped(sched_internal::TaskNode* task);

  void ReportUnhandled(std::exception_ptr e);

  // Worker side (executor.cc).
  void WorkerMain(sched_internal::WorkerSlot* slot);
  sched_internal::TaskNode* StealSweep(sched_internal::WorkerSlot* self,
                                       uint64_t* rng);
  sched_internal::TaskNode* Idle(sched_internal::WorkerSlot* slot,
                                 bool* searching, bool* exit);
  bool Park(sched_internal::WorkerSlot* slot, bool* searching);
  void StopSearching();
  bool HasWork() const;
  bool MustExit(const sched_internal::WorkerSlot* slot) const;
  void Execute(sched_internal::WorkerSlot* slot,
               sched_internal::TaskNode* task);
  bool CommitRetire(sched_internal::WorkerSlot* slot);
  void ExitWorker(sched_internal::WorkerSlot* slot, bool searching);
  void FlushTime(sched_internal::WorkerSlot* slot, bool parked_interval);

  // Control side; REQUIRE mu_ held.
  absl::Status StartWorkerLocked(bool temporary, int* slot_index,
                                 std::unique_lock<std::mutex>& lock);
  void ReapLocked();
  void CancelAllQueued();

  // Hooks run on the worker thread at start (placement, name, user hook).
  void StartHook(sched_internal::WorkerSlot* slot);

  // BlockingScope support: returns the temporary slot started, or -1.
  int BeginBlocking();
  void EndBlocking(int slot);

  const Options options_;
  const int max_workers_;
  const int num_slots_;
  std::vector<std::unique_ptr<sched_internal::WorkerSlot>> slots_;
  // Slots [0, slots_in_use_) may hold tasks; thieves scan only those.
  std::atomic<int> slots_in_use_{0};

  sched_internal::Injector injector_;

  // Searching workers (including woken ones holding a wake token) and parked
  // workers; both seq_cst (executor.cc, "No lost wake-up").
  alignas(64) std::atomic<int> searching_{0};
  alignas(64) std::atomic<int> idle_count_{0};
  alignas(64) std::mutex idle_mu_;
  std::vector<sched_internal::WorkerSlot*> idle_list_;  // guarded by idle_mu_

  // Lifecycle; lock order: mu_ before idle_mu_.
  mutable std::mutex mu_;
  std::condition_variable exit_cv_;  // a slot became kExited
  std::atomic<int> target_workers_{0};
  int temporary_workers_ = 0;  // guarded by mu_
  bool shut_down_ = false;     // guarded by mu_
  std::mutex shutdown_mu_;     // serializes Shutdown calls

  alignas(64) std::atomic<bool> accepting_{true};
  std::atomic<int> submitters_{0};
  std::atomic<bool> stopping_{false};   // Shutdown began: exit when idle
  std::atomic<bool> cancelling_{false};  // Shutdown(kCancel): exit now

  std::atomic<uint64_t> external_tasks_run_{0};
  std::atomic<uint64_t> unhandled_exceptions_{0};

  hwloc_topology* topology_ = nullptr;
  std::vector<hwloc_bitmap_s*> cpusets_;  // per slot, when placement is set
};

// A task that announces it blocks (I/O, a lock, a future from elsewhere):
// while the scope lives the executor may run one extra temporary worker so
// the cores stay busy (bounded by Options::max_blocking_workers; none is
// added if a worker is parked and can take the queued work). The extra worker
// retires after its current task once the scope ends. A no-op outside
// executor workers.
//
// Thread-safety: construct and destroy on the same thread.
class BlockingScope {
 public:
  BlockingScope();
  ~BlockingScope();
  BlockingScope(const BlockingScope&) = delete;
  BlockingScope& operator=(const BlockingScope&) = delete;

  // True if a temporary worker was added for this scope.
  bool added_worker() const { return slot_ >= 0; }

 private:
  Executor* executor_;
  int slot_ = -1;
};

// ---------------------------------------------------------------------------
// Implementation details of the templates.

namespace sched_detail {

template <typename F, typename R>
class PromiseTask {
 public:
  template <typename G>
  PromiseTask(G&& fn, std::promise<R> p)
      : fn_(std::forward<G>(fn)), promise_(std::move(p)) {}
  void operator()() noexcept {
    try {
      if constexpr (std::is_void_v<R>) {
        fn_();
        promise_.set_value();
      } else {
        promise_.set_value(fn_());
      }
    } catch (...) {
      promise_.set_exception(std::current_exception());
    }
  }
  void Cancel() noexcept {
    promise_.set_exception(std::make_exception_ptr(TaskCancelledError()));
  }

 private:
  F fn_;
  std::promise<R> promise_;
};

}  // namespace sched_detail

template <typename F>
class SpawnTask {
 public:
  template <typename G>
  SpawnTask(Executor* e, G&& fn) : executor_(e), fn_(std::forward<G>(fn)) {}
  void operator()() noexcept {
    try {
      fn_();
    } catch (...) {
      executor_->ReportUnhandled(std::current_exception());
    }
  }
  void Cancel() noexcept {}

 private:
  Executor* executor_;
  F fn_;
};

template <typename F>
auto Executor::Submit(F&& fn)
    -> absl::StatusOr<std::future<std::invoke_result_t<std::decay_t<F>&>>> {
  using Fn = std::decay_t<F>;
  using R = std::invoke_result_t<Fn&>;
  const bool external = !InWorker();
  if (external && !BeginExternalSubmit()) return ShutdownError("Submit");
  std::promise<R> promise;
  std::future<R> future = promise.get_future();
  Schedule(sched_internal::MakeTask<sched_detail::PromiseTask<Fn, R>>(
      std::forward<F>(fn), std::move(promise)));
  if (external) EndExternalSubmit();
  return future;
}

template <typename F>
absl::Status Executor::Spawn(F&& fn) {
  using Fn = std::decay_t<F>;
  const bool external = !InWorker();
  if (external && !BeginExternalSubmit()) return ShutdownError("Spawn");
  Schedule(
      sched_internal::MakeTask<SpawnTask<Fn>>(this, std::forward<F>(fn)));
  if (external) EndExternalSubmit();
  return absl::OkStatus();
}

}  // namespace adaptrt::sched

#endif  // ADAPTRT_SCHED_EXECUTOR_H_
