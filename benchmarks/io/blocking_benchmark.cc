// blocking_benchmark.cc: how sched::BlockingScope keeps the cores busy when
// tasks block.
//
// Names: <workload>/<impl>/workers:<n>, impl adaptrt (each task wraps its
// blocking call in a BlockingScope, so the executor may add a temporary
// worker, up to Options::max_blocking_workers = 4) or no_scope (the same
// executor and tasks without the scope: a blocked task holds its worker).
// Workloads, kTasks tasks per iteration, each CPU work then a blocking call:
//   sleep  Spin(kSpin) then sleep_for(kLatency)
//   pread  Spin(kSpin) then pread of 4 KiB at a random offset of a 16 MiB
//          temporary file (page cache: fast) followed by sleep_for(kLatency)
//          to simulate a device's latency
// Counters: items_per_second (tasks/s) and cpu_util = process CPU time /
// (wall time x n): the share of the n cores' time spent computing; above
// 1 is possible with temporary workers on an idle machine.
//
// Run: bazel run -c opt //benchmarks/io:blocking_benchmark --
//        --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "sched/executor.h"
#include "sched/task_group.h"

namespace {

using adaptrt::sched::Executor;

constexpr int kTasks = 64;
constexpr int kSpin = 100000;  // about 0.1-0.2 ms of CPU
constexpr auto kLatency = std::chrono::microseconds(500);
constexpr int64_t kFileBytes = 16 << 20;
constexpr int kReadBytes = 4096;

inline void Spin(int iterations) {
  uint64_t x = 0x12345;
  for (int i = 0; i < iterations; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    benchmark::DoNotOptimize(x);
  }
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A 16 MiB temporary file, unlinked at once (the descriptor keeps it).
int TempFile() {
  static const int fd = [] {
    const char* dir = std::getenv("TEST_TMPDIR");
    std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/adaptrt_blockXXXXXX";
    const int f = mkstemp(path.data());
    if (f < 0) {
      std::perror("blocking_benchmark: mkstemp");
      std::abort();
    }
    unlink(path.c_str());
    std::vector<char> block(1 << 20, 'x');
    for (int64_t off = 0; off < kFileBytes; off += static_cast<int64_t>(block.size())) {
      if (pwrite(f, block.data(), block.size(), off) != static_cast<ssize_t>(block.size())) {
        std::perror("blocking_benchmark: pwrite");
        std::abort();
      }
    }
    return f;
  }();
  return fd;
}

enum class Block { kSleep, kPread };

void BlockingCall(Block kind, uint64_t seed) {
  if (kind == Block::kPread) {
    char buf[kReadBytes];
    const int64_t offset =
        static_cast<int64_t>(seed % static_cast<uint64_t>(kFileBytes / kReadBytes)) * kReadBytes;
    if (pread(TempFile(), buf, sizeof(buf), offset) != kReadBytes) std::abort();
    benchmark::DoNotOptimize(buf[0]);
  }
  std::this_thread::sleep_for(kLatency);
}

template <Block kKind, bool kScope>
void BM_Blocking(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  if (kKind == Block::kPread) TempFile();
  adaptrt::sched::Options o;
  o.num_workers = n;
  o.max_workers = 64;
  auto e = *Executor::Create(o);
  std::mt19937_64 rng(42);
  const double cpu0 = ProcessCpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const uint64_t base = rng();
    (*e->Submit([&e, base] {
      adaptrt::sched::TaskGroup g(*e);
      for (int i = 0; i < kTasks; ++i) {
        g.Run([base, i] {
          Spin(kSpin);
          if constexpr (kScope) {
            adaptrt::sched::BlockingScope scope;
            BlockingCall(kKind, base + static_cast<uint64_t>(i) * 7919);
          } else {
            BlockingCall(kKind, base + static_cast<uint64_t>(i) * 7919);
          }
        });
      }
      g.Wait();
    })).get();
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - wall0;
  state.SetItemsProcessed(state.iterations() * kTasks);
  state.counters["cpu_util"] = (ProcessCpuSeconds() - cpu0) / (wall.count() * n);
}

void WorkerCounts(benchmark::internal::Benchmark* b) {
  b->ArgName("workers")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Blocking<Block::kSleep, true>)->Name("sleep/adaptrt")->Apply(WorkerCounts);
BENCHMARK(BM_Blocking<Block::kSleep, false>)->Name("sleep/no_scope")->Apply(WorkerCounts);
BENCHMARK(BM_Blocking<Block::kPread, true>)->Name("pread/adaptrt")->Apply(WorkerCounts);
BENCHMARK(BM_Blocking<Block::kPread, false>)->Name("pread/no_scope")->Apply(WorkerCounts);

}  // namespace

BENCHMARK_MAIN();
