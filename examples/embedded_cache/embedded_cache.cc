// embedded_cache: a host process that memoizes an expensive function in a
// persistent cache owned by an adaptrt::Runtime. Run it twice with the same
// DIR: the second run finds the results of the first in L3 and computes
// nothing.
//
// Usage: embedded_cache DIR [N]. Prints "computed C, from cache H" and the
// cache's per-tier hit counts; exit 1 on any error.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/runtime.h"

namespace {

// The expensive function: the number of Collatz steps of n.
std::uint64_t CollatzSteps(std::uint64_t n) {
  std::uint64_t steps = 0;
  while (n != 1) {
    n = n % 2 ? 3 * n + 1 : n / 2;
    ++steps;
  }
  return steps;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: embedded_cache DIR [N]\n");
    return 2;
  }
  const std::uint64_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;

  adaptrt::RuntimeOptions options;
  options.cache_directory = argv[1];  // persistent caches go to DIR/<name>
  options.auto_tune = false;          // a short-lived host: nothing to tune
  auto runtime = adaptrt::Runtime::Create(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "embedded_cache: %s\n", runtime.status().ToString().c_str());
    return 1;
  }
  adaptrt::NamedCacheOptions cache_options;
  cache_options.persistent = true;
  cache_options.l3_required = true;  // this example is about L3
  cache_options.l1_bytes = cache_options.l2_bytes = 1 << 20;
  cache_options.l3_bytes = 64 << 20;
  auto steps =
      (*runtime)->GetOrCreateCache<std::uint64_t, std::uint64_t>("collatz", cache_options);
  if (!steps.ok()) {
    std::fprintf(stderr, "embedded_cache: %s\n", steps.status().ToString().c_str());
    return 1;
  }

  std::uint64_t computed = 0, longest = 0;
  for (std::uint64_t i = 1; i <= n; ++i) {
    auto value = (*steps)->GetOrCompute(i, [&] {
      ++computed;
      return CollatzSteps(i);
    });
    if (!value.ok()) {
      std::fprintf(stderr, "embedded_cache: %s\n", value.status().ToString().c_str());
      return 1;
    }
    if (**value != CollatzSteps(i)) {
      std::fprintf(stderr, "embedded_cache: wrong cached value for %llu\n",
                   static_cast<unsigned long long>(i));
      return 1;
    }
    longest = std::max<std::uint64_t>(longest, **value);
  }
  const adaptrt::cache::TieredStats s = (*steps)->Stats();
  std::printf("computed %llu, from cache %llu, longest %llu steps\n",
              static_cast<unsigned long long>(computed),
              static_cast<unsigned long long>(n - computed),
              static_cast<unsigned long long>(longest));
  std::printf("hits: L1 %llu, L2 %llu, L3 %llu\n", static_cast<unsigned long long>(s.l1.hits),
              static_cast<unsigned long long>(s.l2.hits),
              static_cast<unsigned long long>(s.l3.hits));
  return 0;
}
