// executor_benchmark.cc: adaptrt's Executor vs oneTBB vs a plain
// mutex+condition-variable pool, with the same number of threads each.
//
// Names: <workload>/<implementation>/threads:<n>, implementations adaptrt,
// tbb, mutex_pool. Workloads (after Taskflow's benchmark set):
//   fib         fib(30) by recursive task groups, no cutoff for anyone
//   empty_spawn 100000 empty tasks spawned into one group, then one wait
//   skewed      4096 tasks, every 64th 100x longer (load balancing)
//   reduce      sum of 10^7 doubles (ParallelReduce / tbb::parallel_reduce /
//               static chunks on the mutex pool)
//   nested      64 outer parallel iterations, each an inner parallel loop of
//               1024 small items
//   resize      adaptrt only: Resize(n -> n + 1 -> n) round trip (a grow
//               that follows a shrink keeps the not-yet-retired thread)
//   resize_settled  the same, waiting each time until the extra worker has
//               really started and then exited
// Thread counts: 1, 2, ... this machine's cores (benchmarks/common/
// thread_counts.h). adaptrt runs the workload inside one Submitted task on n
// workers (the caller only waits, like tbb::task_arena::execute, whose caller
// is one of the arena's n threads); the mutex pool has n threads and its
// waiting tasks help by running queued tasks.
//
// Run: bazel run -c opt //benchmarks/sched:executor_benchmark --
//        --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include "benchmark/benchmark.h"
#include "benchmarks/common/thread_counts.h"
#include "sched/executor.h"
#include "sched/parallel_for.h"
#include "sched/task_group.h"

namespace {

using adaptrt::sched::Executor;
using adaptrt::sched::TaskGroup;

constexpr int kFibN = 30;
constexpr int kSpawns = 100000;
constexpr int kSkewedTasks = 4096;
constexpr int64_t kReduceN = 10'000'000;
constexpr int kOuter = 64;
constexpr int kInner = 1024;

// ---------------------------------------------------------------------------
// The peer: a typical hand-written pool (one deque, one mutex, one condvar,
// std::function tasks), with a group whose Wait runs queued tasks.

class MutexPool {
 public:
  explicit MutexPool(int threads) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        for (;;) {
          std::function<void()> task;
          {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
            if (stop_ && tasks_.empty()) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
          }
          task();
        }
      });
    }
  }
  ~MutexPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Push(std::function<void()> f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(f));
    }
    cv_.notify_one();
  }
  // For a waiting task: runs the newest queued task (depth-first, so the
  // nesting stays bounded, as fork/join on such a pool requires).
  bool TryRunOne() {
    std::function<void()> task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (tasks_.empty()) return false;
      task = std::move(tasks_.back());
      tasks_.pop_back();
    }
    task();
    return true;
  }
  // Runs fn on a pool thread and waits for it.
  template <typename F>
  void RunAndWait(F fn) {
    std::promise<void> done;
    Push([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

class MutexGroup {
 public:
  explicit MutexGroup(MutexPool& pool) : pool_(pool) {}
  template <typename F>
  void Run(F f) {
    pending_.fetch_add(1, std::memory_order_relaxed);
    pool_.Push([this, f] {
      f();
      pending_.fetch_sub(1, std::memory_order_release);
    });
  }
  void Wait() {
    thread_local int depth = 0;
    while (pending_.load(std::memory_order_acquire) != 0) {
      if (depth < 4096) {  // bounds the stack (about 2 MB)
        ++depth;
        const bool ran = pool_.TryRunOne();
        --depth;
        if (ran) continue;
      }
      std::this_thread::yield();
    }
  }

 private:
  MutexPool& pool_;
  std::atomic<int> pending_{0};
};

// ---------------------------------------------------------------------------
// Harness: one pool per benchmark run, the workload timed per iteration.

std::unique_ptr<Executor> MakeExecutor(int n) {
  adaptrt::sched::Options o;
  o.num_workers = n;
  o.max_workers = 64;
  return *Executor::Create(o);
}

template <typename F>
void RunOn(Executor& e, F fn) {
  (*e.Submit(fn)).get();
}

// Reports adaptrt's steal and park counts per iteration.
void ReportSteals(benchmark::State& state, const Executor& e) {
  const adaptrt::sched::ExecutorStats s = e.Stats();
  state.counters["steals"] = benchmark::Counter(
      static_cast<double>(s.total.steals), benchmark::Counter::kAvgIterations);
  state.counters["parks"] = benchmark::Counter(
      static_cast<double>(s.total.parks), benchmark::Counter::kAvgIterations);
}

// Small CPU-bound work the compiler cannot drop.
inline void Spin(int iterations) {
  uint64_t x = 0x12345;
  for (int i = 0; i < iterations; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    benchmark::DoNotOptimize(x);
  }
}

inline int SkewedWork(int i) { return i % 64 == 0 ? 100000 : 1000; }

// fib -----------------------------------------------------------------------

int64_t FibAdaptrt(Executor& e, int n) {
  if (n < 2) return n;
  int64_t x = 0;
  TaskGroup g(e);
  g.Run([&] { x = FibAdaptrt(e, n - 1); });
  const int64_t y = FibAdaptrt(e, n - 2);
  g.Wait();
  return x + y;
}

int64_t FibTbb(int n) {
  if (n < 2) return n;
  int64_t x = 0;
  tbb::task_group g;
  g.run([&] { x = FibTbb(n - 1); });
  const int64_t y = FibTbb(n - 2);
  g.wait();
  return x + y;
}

int64_t FibMutex(MutexPool& p, int n) {
  if (n < 2) return n;
  int64_t x = 0;
  MutexGroup g(p);
  g.Run([&] { x = FibMutex(p, n - 1); });
  const int64_t y = FibMutex(p, n - 2);
  g.Wait();
  return x + y;
}

void BM_FibAdaptrt(benchmark::State& state) {
  auto e = MakeExecutor(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    int64_t r = 0;
    RunOn(*e, [&] { r = FibAdaptrt(*e, kFibN); });
    benchmark::DoNotOptimize(r);
  }
  ReportSteals(state, *e);
}

void BM_FibTbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    int64_t r = 0;
    arena.execute([&] { r = FibTbb(kFibN); });
    benchmark::DoNotOptimize(r);
  }
}

void BM_FibMutex(benchmark::State& state) {
  MutexPool p(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    int64_t r = 0;
    p.RunAndWait([&] { r = FibMutex(p, kFibN); });
    benchmark::DoNotOptimize(r);
  }
}

// empty_spawn ---------------------------------------------------------------

void BM_EmptySpawnAdaptrt(benchmark::State& state) {
  auto e = MakeExecutor(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    RunOn(*e, [&] {
      TaskGroup g(*e);
      for (int i = 0; i < kSpawns; ++i) g.Run([] {});
      g.Wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * kSpawns);
  ReportSteals(state, *e);
}

void BM_EmptySpawnTbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([&] {
      tbb::task_group g;
      for (int i = 0; i < kSpawns; ++i) g.run([] {});
      g.wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * kSpawns);
}

void BM_EmptySpawnMutex(benchmark::State& state) {
  MutexPool p(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    p.RunAndWait([&] {
      MutexGroup g(p);
      for (int i = 0; i < kSpawns; ++i) g.Run([] {});
      g.Wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * kSpawns);
}

// skewed --------------------------------------------------------------------

void BM_SkewedAdaptrt(benchmark::State& state) {
  auto e = MakeExecutor(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    RunOn(*e, [&] {
      TaskGroup g(*e);
      for (int i = 0; i < kSkewedTasks; ++i) g.Run([i] { Spin(SkewedWork(i)); });
      g.Wait();
    });
  }
  ReportSteals(state, *e);
}

void BM_SkewedTbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([&] {
      tbb::task_group g;
      for (int i = 0; i < kSkewedTasks; ++i) g.run([i] { Spin(SkewedWork(i)); });
      g.wait();
    });
  }
}

void BM_SkewedMutex(benchmark::State& state) {
  MutexPool p(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    p.RunAndWait([&] {
      MutexGroup g(p);
      for (int i = 0; i < kSkewedTasks; ++i) g.Run([i] { Spin(SkewedWork(i)); });
      g.Wait();
    });
  }
}

// reduce --------------------------------------------------------------------

const std::vector<double>& ReduceInput() {
  static const std::vector<double>* v = [] {
    auto* d = new std::vector<double>(static_cast<size_t>(kReduceN));
    for (size_t i = 0; i < d->size(); ++i) d->at(i) = static_cast<double>(i % 1000) * 0.5;
    return d;
  }();
  return *v;
}

double SumRange(const std::vector<double>& v, int64_t lo, int64_t hi) {
  double s = 0;
  for (int64_t i = lo; i < hi; ++i) s += v[static_cast<size_t>(i)];
  return s;
}

void BM_ReduceAdaptrt(benchmark::State& state) {
  const auto& v = ReduceInput();
  auto e = MakeExecutor(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    double r = 0;
    RunOn(*e, [&] {
      r = adaptrt::sched::ParallelReduce(
          *e, int64_t{0}, kReduceN, int64_t{0}, 0.0,
          [&](int64_t lo, int64_t hi) { return SumRange(v, lo, hi); },
          [](double a, double b) { return a + b; });
    });
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * kReduceN * 8);
  ReportSteals(state, *e);
}

void BM_ReduceTbb(benchmark::State& state) {
  const auto& v = ReduceInput();
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    double r = 0;
    arena.execute([&] {
      r = tbb::parallel_reduce(
          tbb::blocked_range<int64_t>(0, kReduceN), 0.0,
          [&](const tbb::blocked_range<int64_t>& br, double acc) {
            return acc + SumRange(v, br.begin(), br.end());
          },
          [](double a, double b) { return a + b; });
    });
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * kReduceN * 8);
}

void BM_ReduceMutex(benchmark::State& state) {
  const auto& v = ReduceInput();
  const int n = static_cast<int>(state.range(0));
  MutexPool p(n);
  for (auto _ : state) {
    double r = 0;
    p.RunAndWait([&] {
      const int chunks = 8 * n;
      std::vector<double> partial(static_cast<size_t>(chunks));
      MutexGroup g(p);
      for (int c = 0; c < chunks; ++c) {
        g.Run([&, c] {
          partial[static_cast<size_t>(c)] =
              SumRange(v, kReduceN * c / chunks, kReduceN * (c + 1) / chunks);
        });
      }
      g.Wait();
      r = std::accumulate(partial.begin(), partial.end(), 0.0);
    });
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * kReduceN * 8);
}

// nested --------------------------------------------------------------------

void BM_NestedAdaptrt(benchmark::State& state) {
  auto e = MakeExecutor(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    RunOn(*e, [&] {
      adaptrt::sched::ParallelFor(*e, 0, kOuter, 1, [&](int) {
        adaptrt::sched::ParallelFor(*e, 0, kInner, 0, [](int) { Spin(50); });
      });
    });
  }
  ReportSteals(state, *e);
}

void BM_NestedTbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([&] {
      tbb::parallel_for(0, kOuter, [&](int) {
        tbb::parallel_for(0, kInner, [](int) { Spin(50); });
      });
    });
  }
}

void BM_NestedMutex(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  MutexPool p(n);
  for (auto _ : state) {
    p.RunAndWait([&] {
      MutexGroup outer(p);
      for (int o = 0; o < kOuter; ++o) {
        outer.Run([&] {
          MutexGroup inner(p);
          const int chunks = 8 * n;
          for (int c = 0; c < chunks; ++c) {
            inner.Run([c, chunks] {
              for (int i = kInner * c / chunks; i < kInner * (c + 1) / chunks; ++i) Spin(50);
            });
          }
          inner.Wait();
        });
      }
      outer.Wait();
    });
  }
}

// resize --------------------------------------------------------------------

void BM_ResizeAdaptrt(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto e = MakeExecutor(n);
  for (auto _ : state) {
    (void)e->Resize(n + 1);
    (void)e->Resize(n);
  }
}

// Resize(n + 1) then Resize(n), each time waiting until the worker has really
// started / exited (thread start, retirement hand-over, exit).
int ActiveWorkers(const Executor& e) {
  int n = 0;
  for (const auto& w : e.Stats().workers) n += w.active ? 1 : 0;
  return n;
}

void BM_ResizeSettledAdaptrt(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto e = MakeExecutor(n);
  for (auto _ : state) {
    (void)e->Resize(n + 1);
    while (ActiveWorkers(*e) != n + 1) std::this_thread::yield();
    (void)e->Resize(n);
    while (ActiveWorkers(*e) != n) std::this_thread::yield();
  }
}

// One Arg per thread count (thread_counts.h: 1, 2, ... this machine's cores).
void ThreadArgs(benchmark::internal::Benchmark* b) {
  for (int threads : adaptrt::bench::BenchThreadCounts()) b->Arg(threads);
}

#define SCHED_BENCH(fn, name)                                       \
  BENCHMARK(fn)->Name(name)->ArgName("threads")->Apply(ThreadArgs)  \
      ->UseRealTime()->Unit(benchmark::kMillisecond)

SCHED_BENCH(BM_FibAdaptrt, "fib/adaptrt");
SCHED_BENCH(BM_FibTbb, "fib/tbb");
SCHED_BENCH(BM_FibMutex, "fib/mutex_pool");
SCHED_BENCH(BM_EmptySpawnAdaptrt, "empty_spawn/adaptrt");
SCHED_BENCH(BM_EmptySpawnTbb, "empty_spawn/tbb");
SCHED_BENCH(BM_EmptySpawnMutex, "empty_spawn/mutex_pool");
SCHED_BENCH(BM_SkewedAdaptrt, "skewed/adaptrt");
SCHED_BENCH(BM_SkewedTbb, "skewed/tbb");
SCHED_BENCH(BM_SkewedMutex, "skewed/mutex_pool");
SCHED_BENCH(BM_ReduceAdaptrt, "reduce/adaptrt");
SCHED_BENCH(BM_ReduceTbb, "reduce/tbb");
SCHED_BENCH(BM_ReduceMutex, "reduce/mutex_pool");
SCHED_BENCH(BM_NestedAdaptrt, "nested/adaptrt");
SCHED_BENCH(BM_NestedTbb, "nested/tbb");
SCHED_BENCH(BM_NestedMutex, "nested/mutex_pool");
BENCHMARK(BM_ResizeAdaptrt)->Name("resize/adaptrt")->ArgName("threads")
    ->Apply(ThreadArgs)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ResizeSettledAdaptrt)->Name("resize_settled/adaptrt")
    ->ArgName("threads")->Apply(ThreadArgs)->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
