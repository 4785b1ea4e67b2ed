// scaling_benchmark.cc: thread-pool speedup over 1..N workers for a
// CPU-bound kernel, adaptrt's Executor vs oneTBB vs a mutex+condvar pool, and
// the worker optimizer's choice vs the best static count.
//
// Names:
//   spin_chunks/<impl>/workers:<n>   impl in adaptrt, tbb, mutex_pool;
//       n = 1..N, N = max(4, hardware_concurrency) capped at 16 (counts
//       beyond the cores show the oversubscribed tail a USL fit needs: three
//       parameters want at least three counts, a 2-core machine has two
//       below its cores). One iteration
//       runs kChunks independent chunks of kChunkSpin xorshift steps (pure
//       CPU, no shared memory) on n workers; items = chunks. The report turns
//       items/s over n into speedup and fits Amdahl and the USL to it.
//   optimizer/adaptrt/max_workers:<m>  one sweep per iteration: the same
//       workload at each static count 1..m (m = N: counts beyond the
//       cores are part of the search space an optimizer must reject), each
//       timed kSweepRuns times; tuning::FitUsl (FitAmdahl when the USL fit
//       fails) on the (workers, throughput) samples picks a count
//       (UslFit::BestWorkers). Counters: chosen (the picked count),
//       best_static (the count with the highest measured median),
//       chosen_vs_best (throughput measured at the picked count / at the
//       best static count, 1 = the optimizer found the best), usl_sigma,
//       usl_kappa, amdahl_p. The time is the sweep's (not a speed claim).
//
// Execution model (same as benchmarks/sched): adaptrt runs the work inside
// one Submitted task on n workers; tbb inside a task_arena(n); the mutex pool
// has n threads and the caller waits on a counter.
//
// Run: bazel run -c opt //benchmarks/parallel:scaling_benchmark --
//        --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include "benchmark/benchmark.h"
#include "sched/executor.h"
#include "sched/task_group.h"
#include "tuning/worker_optimizer.h"

namespace {

using adaptrt::sched::Executor;

constexpr int kChunks = 256;
constexpr int kChunkSpin = 20000;  // about 20-40 us per chunk
constexpr int kSweepRuns = 3;

int MaxWorkers() {
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(hw, 4, 16);
}

// One chunk of CPU-bound work the compiler cannot drop.
inline void SpinChunk() {
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < kChunkSpin; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    benchmark::DoNotOptimize(x);
  }
}

// The peer: one deque, one mutex, one condvar, std::function tasks; the
// caller of RunBatch waits until `count` tasks have finished.
class MutexPool {
 public:
  explicit MutexPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~MutexPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void RunBatch(int count, const std::function<void()>& fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int i = 0; i < count; ++i) tasks_.push_back(fn);
      pending_ += count;
    }
    work_cv_.notify_all();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
        if (stop_ && tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<std::function<void()>> tasks_;
  int pending_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

std::unique_ptr<Executor> MakeExecutor(int n) {
  adaptrt::sched::Options o;
  o.num_workers = n;
  o.max_workers = 64;
  return *Executor::Create(o);
}

void RunChunksAdaptrt(Executor& e) {
  (*e.Submit([&e] {
    adaptrt::sched::TaskGroup g(e);
    for (int i = 0; i < kChunks; ++i) g.Run([] { SpinChunk(); });
    g.Wait();
  })).get();
}

void BM_SpinAdaptrt(benchmark::State& state) {
  auto e = MakeExecutor(static_cast<int>(state.range(0)));
  for (auto _ : state) RunChunksAdaptrt(*e);
  state.SetItemsProcessed(state.iterations() * kChunks);
}

void BM_SpinTbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([] {
      tbb::task_group g;
      for (int i = 0; i < kChunks; ++i) g.run([] { SpinChunk(); });
      g.wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * kChunks);
}

void BM_SpinMutex(benchmark::State& state) {
  MutexPool p(static_cast<int>(state.range(0)));
  for (auto _ : state) p.RunBatch(kChunks, [] { SpinChunk(); });
  state.SetItemsProcessed(state.iterations() * kChunks);
}

// Chunks per second of one RunChunksAdaptrt on `e`.
double MeasureChunkThroughput(Executor& e) {
  const auto start = std::chrono::steady_clock::now();
  RunChunksAdaptrt(e);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return kChunks / took.count();
}

void BM_Optimizer(benchmark::State& state) {
  namespace tuning = adaptrt::tuning;
  const int max_workers = static_cast<int>(state.range(0));
  auto e = MakeExecutor(1);
  int chosen = 0;
  int best_static = 0;
  double chosen_vs_best = 0;
  double sigma = 0, kappa = 0, amdahl_p = 0;
  for (auto _ : state) {
    std::vector<tuning::ThroughputSample> samples;
    std::vector<double> median_at(static_cast<size_t>(max_workers) + 1, 0.0);
    for (int n = 1; n <= max_workers; ++n) {
      (void)e->Resize(n);
      RunChunksAdaptrt(*e);  // warm-up: the new workers start
      std::vector<double> runs;
      for (int r = 0; r < kSweepRuns; ++r) {
        runs.push_back(MeasureChunkThroughput(*e));
        samples.push_back({static_cast<double>(n), runs.back()});
      }
      std::sort(runs.begin(), runs.end());
      median_at[static_cast<size_t>(n)] = runs[runs.size() / 2];
    }
    best_static = 1;
    for (int n = 2; n <= max_workers; ++n) {
      if (median_at[static_cast<size_t>(n)] > median_at[static_cast<size_t>(best_static)]) {
        best_static = n;
      }
    }
    absl::StatusOr<tuning::UslFit> usl = tuning::FitUsl(samples);
    absl::StatusOr<tuning::AmdahlFit> amdahl = tuning::FitAmdahl(samples);
    if (usl.ok()) {
      chosen = usl->BestWorkers(max_workers);
      sigma = usl->sigma;
      kappa = usl->kappa;
    } else {
      // Amdahl never predicts a decline: its best count is the largest.
      chosen = max_workers;
    }
    if (amdahl.ok()) amdahl_p = amdahl->parallel_fraction;
    chosen_vs_best = median_at[static_cast<size_t>(chosen)] /
                     median_at[static_cast<size_t>(best_static)];
  }
  state.counters["chosen"] = chosen;
  state.counters["best_static"] = best_static;
  state.counters["chosen_vs_best"] = chosen_vs_best;
  state.counters["usl_sigma"] = sigma;
  state.counters["usl_kappa"] = kappa;
  state.counters["amdahl_p"] = amdahl_p;
}

void WorkerCounts(benchmark::internal::Benchmark* b) {
  for (int n = 1; n <= MaxWorkers(); ++n) b->Arg(n);
}

#define SCALING_BENCH(fn, name)                                                  \
  BENCHMARK(fn)->Name(name)->ArgName("workers")->Apply(WorkerCounts)->UseRealTime() \
      ->Unit(benchmark::kMillisecond)

SCALING_BENCH(BM_SpinAdaptrt, "spin_chunks/adaptrt");
SCALING_BENCH(BM_SpinTbb, "spin_chunks/tbb");
SCALING_BENCH(BM_SpinMutex, "spin_chunks/mutex_pool");
BENCHMARK(BM_Optimizer)
    ->Name("optimizer/adaptrt")
    ->ArgName("max_workers")
    ->Arg(MaxWorkers())
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
