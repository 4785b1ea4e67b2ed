// thread_pool.h: a drop-in for the typical hand-written pool
// (`ThreadPool pool(n); auto f = pool.enqueue(fn, args...); f.get();`),
// backed by adaptrt's work-stealing Executor. A host swaps pools by changing
// one type; the executor stays reachable for Resize/Stats (tuning knobs).
//
// Thread-safety: thread-safe.
// Complexity:    enqueue O(1) plus std::future's shared state.
// Ownership:     callables and arguments are decay-copied into the task.
// Errors:        like the pools it replaces, enqueue throws
//                std::runtime_error after the pool stopped, and the
//                constructor throws std::runtime_error if workers cannot be
//                started (the only exceptions adaptrt itself throws). The
//                destructor runs every queued task, then joins.
#ifndef ADAPTRT_SCHED_THREAD_POOL_H_
#define ADAPTRT_SCHED_THREAD_POOL_H_

#include <cstddef>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "sched/executor.h"

namespace adaptrt::sched {

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads) {
    Options o;
    o.num_workers = static_cast<int>(threads == 0 ? 1 : threads);
    auto e = Executor::Create(o);
    if (!e.ok()) throw std::runtime_error(std::string(e.status().message()));
    executor_ = *std::move(e);
  }

  template <class F, class... Args>
  auto enqueue(F&& f, Args&&... args)
      -> std::future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
    auto fut = executor_->Submit(
        [fn = std::forward<F>(f),
         tup = std::make_tuple(std::forward<Args>(args)...)]() mutable {
          return std::apply(std::move(fn), std::move(tup));
        });
    if (!fut.ok()) throw std::runtime_error("enqueue on stopped ThreadPool");
    return *std::move(fut);
  }

  size_t size() const { return static_cast<size_t>(executor_->worker_count()); }
  Executor& executor() { return *executor_; }

 private:
  std::unique_ptr<Executor> executor_;
};

}  // namespace adaptrt::sched

#endif  // ADAPTRT_SCHED_THREAD_POOL_H_
