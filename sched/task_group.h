// task_group.h: fork/join over an Executor.
//
// TaskGroup g(executor); g.Run(a); g.Run(b); g.Wait();
// Wait() returns when every task Run on the group has finished, and runs
// other queued tasks (its own group's or any other) on the calling thread
// meanwhile, so nested fork/join never deadlocks and needs no extra threads,
// also when Wait() is called from inside a task.
//
// Thread-safety: Run may be called concurrently from any thread, including
//                from the group's own tasks. Wait by one thread at a time.
// Complexity:    Run O(1) (one pooled node, no heap allocation for callables
//                of up to 40 bytes); Wait O(tasks it helps with).
//                Wait must be called on the thread that created the group.
// Ownership:     the group must outlive its tasks: destroy it only after
//                Wait() (the destructor calls Wait() and drops exceptions).
// Errors:        Wait() rethrows the first exception a task threw (others
//                are dropped), or TaskCancelledError if Shutdown(kCancel)
//                dropped one of its tasks. After Shutdown, Run from a thread
//                that is not a worker runs the task inline on the caller.
#ifndef ADAPTRT_SCHED_TASK_GROUP_H_
#define ADAPTRT_SCHED_TASK_GROUP_H_

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>

#include "sched/executor.h"
#include "sched/internal/futex.h"
#include "sched/internal/task.h"

namespace adaptrt::sched {

class TaskGroup {
 public:
  explicit TaskGroup(Executor& executor)
      : executor_(&executor), owner_(&sched_internal::tls_context) {}
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  template <typename F>
  void Run(F&& fn);

  // Blocks until all tasks of the group finished, running queued tasks in
  // the meantime; rethrows the first task exception (see Errors).
  // REQUIRES: called on the thread that constructed the group.
  void Wait();

  Executor& executor() const { return *executor_; }

 private:
  template <typename F>
  friend class GroupTask;

  void RecordException(std::exception_ptr e) noexcept;

  // Counts one more pending task. The constructing thread reserves counts in
  // doubling batches up to kCreditBatch (about one RMW per kCreditBatch Runs,
  // so it does not fight the thieves' Done() for the cache line on every
  // spawn) and returns the unused ones in Wait(); other threads add one at a
  // time.
  void Reserve() {
    if (&sched_internal::tls_context == owner_) {
      if (credits_ == 0) {  // batches 1, 2, 4, ... kCreditBatch: a group
        state_.fetch_add(2 * next_batch_, std::memory_order_relaxed);
        credits_ = next_batch_;  // with one Run (fib) costs one RMW
        if (next_batch_ < kCreditBatch) next_batch_ *= 2;
      }
      --credits_;
    } else {
      state_.fetch_add(2, std::memory_order_relaxed);
    }
  }
  // Called once per task, last thing it does with the group.
  void Done() noexcept {
    // state_ = 2 * pending + waiter bit. A waiter sleeps on state_ only with
    // the bit set; the last task wakes it. The futex wake touches no user
    // memory, so the group may already be gone when it runs (futex.h).
    const uint32_t old = state_.fetch_sub(2, std::memory_order_acq_rel);
    if (old == 3) sched_internal::FutexWake(&state_, 1 << 30);
  }

  static constexpr uint32_t kCreditBatch = 64;

  Executor* const executor_;
  const void* const owner_;  // &tls_context of the constructing thread
  uint32_t credits_ = 0;     // owner only: reserved, not yet used counts
  uint32_t next_batch_ = 1;  // owner only
  std::atomic<uint32_t> state_{0};
  std::atomic<bool> has_error_{false};
  std::mutex error_mu_;
  std::exception_ptr error_;  // guarded by error_mu_
};

template <typename F>
class GroupTask {
 public:
  template <typename G>
  GroupTask(TaskGroup* group, G&& fn) : group_(group) {
    ::new (static_cast<void*>(&fn_)) F(std::forward<G>(fn));
  }
  // fn_ is destroyed before Done() (the waiter may return right after).
  ~GroupTask() {}
  GroupTask(const GroupTask&) = delete;
  GroupTask& operator=(const GroupTask&) = delete;

  void operator()() noexcept {
    try {
      fn_();
    } catch (...) {
      group_->RecordException(std::current_exception());
    }
    fn_.~F();
    group_->Done();
  }
  void Cancel() noexcept {
    fn_.~F();
    group_->RecordException(std::make_exception_ptr(TaskCancelledError()));
    group_->Done();
  }

 private:
  TaskGroup* const group_;
  union {
    F fn_;
  };
};

template <typename F>
void TaskGroup::Run(F&& fn) {
  using Fn = std::decay_t<F>;
  if (executor_->InWorker()) {
    Reserve();
    executor_->Schedule(
        sched_internal::MakeTask<GroupTask<Fn>>(this, std::forward<F>(fn)));
    return;
  }
  if (!executor_->BeginExternalSubmit()) {
    // Shut down: run inline so Wait() keeps its meaning.
    try {
      fn();
    } catch (...) {
      RecordException(std::current_exception());
    }
    return;
  }
  Reserve();
  executor_->Schedule(
      sched_internal::MakeTask<GroupTask<Fn>>(this, std::forward<F>(fn)));
  executor_->EndExternalSubmit();
}

}  // namespace adaptrt::sched

#endif  // ADAPTRT_SCHED_TASK_GROUP_H_
