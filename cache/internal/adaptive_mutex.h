// adaptive_mutex.h: a mutex that spins briefly before it sleeps, for the
// cache's writer locks, whose critical sections last well under a
// microsecond. std::mutex (glibc) sleeps in futex_wait at once when it finds
// the lock taken, and its unlock then pays a futex_wake: on 2 threads that
// put into one hot shard, those two system calls and the wake-up latency
// cost more than the critical section itself (perf: 14% of a put benchmark's
// time in futex calls). Spinning first lets the waiter take the lock the
// moment its holder leaves; a holder that is slow (descheduled, or a long
// eviction) still puts the waiter to sleep after kSpins tries.
//
// The sleeping part is the classic three-state futex mutex of Drepper's
// "Futexes Are Tricky", on C++20 atomic wait/notify: 0 free, 1 locked, 2
// locked and maybe waited on; unlock notifies only from state 2.
// Under ThreadSanitizer it is seen as atomics, not as a mutex: races and
// ordering are checked, lock-order inversions involving it are not.
//
// Thread-safety: thread-safe; not recursive. Meets Lockable (lock, try_lock,
//                unlock), so std::unique_lock and std::lock_guard work.
// Memory ordering: lock/try_lock acquire, unlock release (the CAS and
//                exchanges that move the state), like std::mutex.
// Fairness:      none (a spinner may overtake a sleeper), like std::mutex.
// Complexity:    O(1) uncontended: one CAS to lock, one exchange to unlock.

#ifndef ADAPTRT_CACHE_INTERNAL_ADAPTIVE_MUTEX_H_
#define ADAPTRT_CACHE_INTERNAL_ADAPTIVE_MUTEX_H_

#include <atomic>
#include <cstdint>

namespace adaptrt::cache_internal {

// One spin-wait step: tells the core this thread is spinning (x86 pause,
// about 28 ns on the EPYC VM we measure on; arm64 yield).
inline void SpinPause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class AdaptiveMutex {
 public:
  AdaptiveMutex() = default;
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;

  bool try_lock() {
    std::uint32_t expected = kFree;
    return state_.compare_exchange_strong(expected, kLocked,
                                          std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void lock() {
    if (try_lock()) return;
    // Spin on a load (the line stays shared while the holder works), then
    // try again the moment it reads free.
    for (int i = 0; i < kSpins; ++i) {
      SpinPause();
      if (state_.load(std::memory_order_relaxed) == kFree && try_lock()) return;
    }
    // Sleep: mark the lock contended; whoever takes it from here on
    // keeps it marked, so the holder's unlock wakes one sleeper.
    while (state_.exchange(kContended, std::memory_order_acquire) != kFree) {
      state_.wait(kContended, std::memory_order_relaxed);
    }
  }

  void unlock() {
    if (state_.exchange(kFree, std::memory_order_release) == kContended) {
      state_.notify_one();
    }
  }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kContended = 2;
  // About 2-5 us of pauses on current x86 cores: several of the cache's
  // critical sections, far below a sleep and a wake-up.
  static constexpr int kSpins = 100;

  std::atomic<std::uint32_t> state_{kFree};
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_ADAPTIVE_MUTEX_H_
