// thread_stripe.h: a per-thread probe that picks which stripe of a striped
// structure (reader indicators, read buffers) the calling thread uses, so
// that threads write their own cache lines on the hit path (Caffeine's
// StripedBuffer probe).
//
// Thread-safety: thread-safe; the probe is thread-local. The only shared
//                state is the relaxed counter that seeds new threads' probes.
// Complexity:    O(1); no allocation.
// Errors:        none.
//
// A probe is any 32-bit value; structures use `ThreadProbe() & (stripes-1)`.
// Threads start on consecutive probes (round robin). When a structure sees
// two threads on one stripe (e.g. a reader count that was already non-zero)
// it calls RehashThreadProbe(), which moves this thread to a pseudo-random
// other probe: colliding threads drift apart, as Caffeine rehashes on CAS
// contention.

#ifndef ADAPTRT_CACHE_INTERNAL_THREAD_STRIPE_H_
#define ADAPTRT_CACHE_INTERNAL_THREAD_STRIPE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>

namespace adaptrt::cache_internal {

namespace thread_stripe_detail {
// Seeds new threads' probes; relaxed (any distinct-ish values will do).
inline std::atomic<std::uint32_t> next_probe{0};
// 0 means "not assigned yet"; constant-initialized, so no TLS guard.
inline thread_local std::uint32_t probe = 0;

inline std::uint32_t AssignProbe() {
  std::uint32_t p = next_probe.fetch_add(1, std::memory_order_relaxed) + 1;
  if (p == 0) p = 1;
  probe = p;
  return p;
}
}  // namespace thread_stripe_detail

// This thread's probe (non-zero).
inline std::uint32_t ThreadProbe() {
  const std::uint32_t p = thread_stripe_detail::probe;
  return p != 0 ? p : thread_stripe_detail::AssignProbe();
}

// Moves this thread to another probe (xorshift step, never 0).
inline void RehashThreadProbe() {
  std::uint32_t p = ThreadProbe();
  p ^= p << 13;
  p ^= p >> 17;
  p ^= p << 5;
  thread_stripe_detail::probe = p != 0 ? p : 1;
}

// The stripe count striped structures use: the hardware threads rounded up
// to a power of two, clamped to [2, 16] (at least 2 so that two threads on a
// 1-CPU machine still have their own lines; at most 16 because writers scan
// every stripe).
inline std::uint32_t DefaultStripeCount() {
  static const std::uint32_t count = [] {
    const std::uint32_t hw = std::max(1u, std::thread::hardware_concurrency());
    std::uint32_t n = 2;
    while (n < hw && n < 16) n <<= 1;
    return n;
  }();
  return count;
}

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_THREAD_STRIPE_H_
