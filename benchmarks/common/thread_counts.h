// thread_counts.h: the thread counts a benchmark registers: 1, 2, then the
// powers of two up to this machine's hardware threads (capped at 16), and
// the hardware thread count itself when it is not a power of two. On a
// 2-core machine that is {1, 2}; on a 16-core machine {1, 2, 4, 8, 16}.
//
// Thread-safety: pure function. Complexity: O(log hardware threads).

#ifndef ADAPTRT_BENCHMARKS_COMMON_THREAD_COUNTS_H_
#define ADAPTRT_BENCHMARKS_COMMON_THREAD_COUNTS_H_

#include <algorithm>
#include <thread>
#include <vector>

namespace adaptrt::bench {

inline constexpr int kMaxBenchThreads = 16;

inline std::vector<int> BenchThreadCounts() {
  const int hw = std::clamp(static_cast<int>(std::thread::hardware_concurrency()),
                            2, kMaxBenchThreads);
  std::vector<int> counts;
  for (int n = 1; n <= hw; n *= 2) counts.push_back(n);
  if (counts.back() != hw) counts.push_back(hw);
  return counts;
}

}  // namespace adaptrt::bench

#endif  // ADAPTRT_BENCHMARKS_COMMON_THREAD_COUNTS_H_
