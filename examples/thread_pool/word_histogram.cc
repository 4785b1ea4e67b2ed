// word_histogram: counts word lengths of generated text in parallel, the way
// many programs use a hand-written thread pool. It used to define
//
//   class ThreadPool {            // 60 lines: a std::queue, a mutex, a
//    public:                      // condition variable, N std::threads
//     explicit ThreadPool(size_t);
//     template <class F, class... A> auto enqueue(F&&, A&&...) -> std::future<...>;
//   };
//
// The port to adaptrt is one line: `using ThreadPool = adaptrt::sched::ThreadPool;`
// (sched/thread_pool.h has the same constructor and enqueue). Tasks now run
// on a work-stealing executor, and pool.executor() exposes Resize/Stats.
//
// Usage: word_histogram [THREADS] [CHUNKS]. Prints the histogram and checks
// it against a sequential count (exit 1 on mismatch).

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include "sched/thread_pool.h"

using ThreadPool = adaptrt::sched::ThreadPool;  // was: the hand-written pool

namespace {

using Histogram = std::array<std::uint64_t, 16>;

// Deterministic text: chunk i is words of pseudo-random lengths 1..15.
std::string MakeChunk(std::uint64_t seed) {
  std::string text;
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (int w = 0; w < 2000; ++w) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    text.append(1 + x % 15, 'a' + static_cast<char>(x % 26));
    text.push_back(' ');
  }
  return text;
}

Histogram Count(const std::string& text) {
  Histogram h{};
  std::size_t len = 0;
  for (char c : text) {
    if (c == ' ') {
      if (len > 0) ++h[len < 16 ? len : 15];
      len = 0;
    } else {
      ++len;
    }
  }
  if (len > 0) ++h[len < 16 ? len : 15];
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t threads = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 4;
  const int chunks = argc > 2 ? std::atoi(argv[2]) : 64;

  ThreadPool pool(threads);
  std::vector<std::future<Histogram>> results;
  for (int i = 0; i < chunks; ++i) {
    results.push_back(pool.enqueue([](int seed) { return Count(MakeChunk(seed)); }, i));
  }
  Histogram total{};
  for (auto& f : results) {
    const Histogram h = f.get();
    for (std::size_t i = 0; i < h.size(); ++i) total[i] += h[i];
  }

  Histogram check{};
  for (int i = 0; i < chunks; ++i) {
    const Histogram h = Count(MakeChunk(i));
    for (std::size_t j = 0; j < h.size(); ++j) check[j] += h[j];
  }
  std::uint64_t words = 0;
  for (std::size_t i = 1; i < total.size(); ++i) {
    std::printf("length %2zu: %llu\n", i, static_cast<unsigned long long>(total[i]));
    words += total[i];
  }
  std::printf("words: %llu on %zu threads\n", static_cast<unsigned long long>(words),
              pool.size());
  if (total != check) {
    std::fprintf(stderr, "word_histogram: parallel and sequential counts differ\n");
    return 1;
  }
  return 0;
}
