// zipf_trace.h: deterministic synthetic Zipf key streams for the tuning tests.
//
// Thread-safety: thread-safe (pure). Complexity: O(keys + requests log keys).

#ifndef ADAPTRT_TESTS_TUNING_ZIPF_TRACE_H_
#define ADAPTRT_TESTS_TUNING_ZIPF_TRACE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace adaptrt::tuning::test_traces {

// A Zipf(alpha) trace of `requests` over `keys` keys: rank r (0-based) is
// drawn with weight 1 / (r + 1)^alpha; ids are scattered (rank x an odd
// constant) so that they stay distinct but are not small consecutive numbers.
inline std::vector<uint64_t> ZipfTrace(size_t requests, size_t keys, double alpha,
                                       uint64_t seed) {
  std::vector<double> cdf(keys);
  double sum = 0;
  for (size_t i = 0; i < keys; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), alpha);
    cdf[i] = sum;
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0, sum);
  std::vector<uint64_t> trace;
  trace.reserve(requests);
  for (size_t i = 0; i < requests; ++i) {
    const size_t rank = std::lower_bound(cdf.begin(), cdf.end(), uniform(rng)) - cdf.begin();
    trace.push_back(rank * 0x9e3779b97f4a7c15ull);
  }
  return trace;
}

}  // namespace adaptrt::tuning::test_traces

#endif  // ADAPTRT_TESTS_TUNING_ZIPF_TRACE_H_
