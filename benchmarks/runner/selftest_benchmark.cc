// selftest_benchmark: the suite's calibration binary. Each benchmark spins on
// the thread's CPU clock for a fixed CPU time, so its result is known in
// advance and barely moves when other processes take the core; `--slowdown=F`
// stretches every spin by F. The suite's regression test runs it unchanged
// (must pass) and slowed (must be flagged).

#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "benchmark/benchmark.h"

namespace {

double g_slowdown = 1.0;

std::int64_t ThreadCpuNanos() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

void Spin(std::chrono::nanoseconds duration) {
  const std::int64_t deadline = ThreadCpuNanos() + duration.count();
  while (ThreadCpuNanos() < deadline) {
  }
}

void BM_Spin(benchmark::State& state) {
  const auto duration = std::chrono::nanoseconds(
      static_cast<long long>(static_cast<double>(state.range(0)) * g_slowdown));
  for (auto _ : state) Spin(duration);
}

BENCHMARK(BM_Spin)->Name("spin/fixed")->Arg(200000)->Arg(1000000);

}  // namespace

int main(int argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--slowdown=", 11) == 0) {
      char* end = nullptr;
      g_slowdown = std::strtod(argv[i] + 11, &end);
      if (end == argv[i] + 11 || *end != '\0' || g_slowdown <= 0) {
        std::fprintf(stderr, "selftest_benchmark: --slowdown: expected a positive number, got \"%s\"\n",
                     argv[i] + 11);
        return 2;
      }
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
