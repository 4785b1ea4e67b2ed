// task_group.cc: TaskGroup::Wait.
//
// Design: state_ packs 2 * pending + a waiter bit in one 32-bit futex word.
// Run adds 2 (relaxed: the task that subtracts is published to its runner
// through the deque/injector, which orders the add before the subtract); the
// constructing thread adds in batches of kCreditBatch and returns the unused
// part first thing in Wait, so pending is over-counted until then (a task
// can never see it reach 0 early) and exact afterwards.
// Done subtracts 2 with acq_rel: every write of a finished task happens
// before the waiter's acquire load that sees pending == 0. The waiter first
// helps (runs any task it can find), spins briefly, then sets the waiter bit
// with a RMW and sleeps on the exact word value; the task that brings pending
// to 0 with the bit set (old value 3) wakes it, so no wake-up is lost. The
// sleep has a short, growing timeout so a waiting worker goes back to helping
// when new tasks appear elsewhere (its tasks' children, for instance).
#include "sched/task_group.h"

#include <algorithm>
#include <cassert>

namespace adaptrt::sched {

TaskGroup::~TaskGroup() {
  if (credits_ != 0 || (state_.load(std::memory_order_acquire) >> 1) != 0) {
    try {
      Wait();
    } catch (...) {
    }
  }
}

void TaskGroup::RecordException(std::exception_ptr e) noexcept {
  if (has_error_.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard<std::mutex> lock(error_mu_);
  error_ = std::move(e);
}

void TaskGroup::Wait() {
  assert(&sched_internal::tls_context == owner_);
  constexpr int kSpins = 128;
  int spins = 0;
  int64_t timeout_ns = 20'000;
  for (;;) {
    // Give back the unused reservation (also after helped tasks that Run on
    // this group from this thread): from here on state_ is exact.
    if (credits_ != 0) {
      state_.fetch_sub(2 * credits_, std::memory_order_acq_rel);
      credits_ = 0;
    }
    next_batch_ = 1;
    uint32_t s = state_.load(std::memory_order_acquire);
    if ((s >> 1) == 0) break;
    if (sched_internal::TaskNode* task = executor_->FindTaskForHelper()) {
      ++sched_internal::tls_help_depth;
      executor_->RunHelped(task);
      --sched_internal::tls_help_depth;
      spins = 0;
      timeout_ns = 20'000;
      continue;
    }
    if (++spins < kSpins) {
      sched_internal::CpuRelax();
      continue;
    }
    s = state_.fetch_or(1, std::memory_order_acq_rel) | 1;
    if ((s >> 1) == 0) break;
    sched_internal::FutexWait(&state_, s, timeout_ns);
    timeout_ns = std::min<int64_t>(timeout_ns * 2, 2'000'000);
    spins = 0;
  }
  // pending == 0: no task of this group touches state_ any more (Run by
  // another thread concurrently with Wait returning is a caller error).
  state_.store(0, std::memory_order_relaxed);
  if (has_error_.load(std::memory_order_acquire)) {
    std::exception_ptr e;
    {
      std::lock_guard<std::mutex> lock(error_mu_);
      e = std::move(error_);
      error_ = nullptr;
    }
    has_error_.store(false, std::memory_order_relaxed);
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace adaptrt::sched
