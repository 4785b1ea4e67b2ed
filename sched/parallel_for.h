// parallel_for.h: data-parallel loops over an Executor, by recursive binary
// splitting into TaskGroup tasks (the caller runs one half, the other half
// is stealable), down to `grain` indices per leaf.
//
// Thread-safety: fn may be invoked concurrently from several threads on
//                disjoint sub-ranges; it must be safe for that.
// Complexity:    O((end - begin) / grain) tasks, O(log) depth.
// Ownership:     fn is borrowed for the duration of the call.
// Errors:        rethrows the first exception a leaf threw (other leaves may
//                still run). Callable from inside tasks (nested parallelism).
#ifndef ADAPTRT_SCHED_PARALLEL_FOR_H_
#define ADAPTRT_SCHED_PARALLEL_FOR_H_

#include <algorithm>
#include <type_traits>
#include <utility>

#include "sched/executor.h"
#include "sched/task_group.h"

namespace adaptrt::sched {

namespace sched_detail {

template <typename Index>
Index DefaultGrain(const Executor& e, Index begin, Index end) {
  const Index n = end - begin;
  const Index parts = static_cast<Index>(8 * std::max(1, e.worker_count()));
  return std::max<Index>(1, n / parts);
}

template <typename Index, typename F>
void ForLeaf(Index lo, Index hi, const F& fn) {
  if constexpr (std::is_invocable_v<const F&, Index, Index>) {
    fn(lo, hi);
  } else {
    for (Index i = lo; i < hi; ++i) fn(i);
  }
}

template <typename Index, typename F>
void ForSplit(TaskGroup& g, Index lo, Index hi, Index grain, const F& fn) {
  while (hi - lo > grain) {
    const Index mid = lo + (hi - lo) / 2;
    g.Run([&g, mid, hi, grain, &fn] { ForSplit(g, mid, hi, grain, fn); });
    hi = mid;
  }
  ForLeaf(lo, hi, fn);
}

template <typename Index, typename T, typename Map, typename Combine>
T ReduceSplit(Executor& e, Index lo, Index hi, Index grain, const T& identity,
              const Map& map, const Combine& combine) {
  if (hi - lo <= grain) return map(lo, hi);
  const Index mid = lo + (hi - lo) / 2;
  T right = identity;
  TaskGroup g(e);
  g.Run([&] { right = ReduceSplit(e, mid, hi, grain, identity, map, combine); });
  T left = ReduceSplit(e, lo, mid, grain, identity, map, combine);
  g.Wait();
  return combine(std::move(left), std::move(right));
}

}  // namespace sched_detail

// Calls fn(i) for every i in [begin, end), or fn(lo, hi) on sub-ranges if fn
// takes two indices. grain <= 0 picks (end - begin) / (8 * workers).
template <typename Index, typename F>
void ParallelFor(Executor& executor, Index begin, Index end, Index grain,
                 const F& fn) {
  static_assert(std::is_integral_v<Index>, "ParallelFor needs integer indices");
  if (begin >= end) return;
  if (grain <= 0) grain = sched_detail::DefaultGrain(executor, begin, end);
  TaskGroup g(executor);
  sched_detail::ForSplit(g, begin, end, grain, fn);
  g.Wait();
}

// Returns combine over map(lo, hi) of the leaves, in index order (combine
// need only be associative). identity initializes results.
template <typename Index, typename T, typename Map, typename Combine>
T ParallelReduce(Executor& executor, Index begin, Index end, Index grain,
                 T identity, const Map& map, const Combine& combine) {
  static_assert(std::is_integral_v<Index>,
                "ParallelReduce needs integer indices");
  if (begin >= end) return identity;
  if (grain <= 0) grain = sched_detail::DefaultGrain(executor, begin, end);
  return sched_detail::ReduceSplit(executor, begin, end, grain, identity, map,
                                   combine);
}

}  // namespace adaptrt::sched

#endif  // ADAPTRT_SCHED_PARALLEL_FOR_H_
