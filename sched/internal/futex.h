// futex.h: thin wrappers over Linux futex(2) on a 32-bit atomic word.
//
// Thread-safety: thread-safe (these are the primitive).
// Complexity:    one system call each.
// Ownership:     none; the word must stay mapped while a waiter may sleep on it.
//                FutexWakeOne/All only hash the address in the kernel (private
//                futex) and never touch user memory, so they may be called on a
//                word whose owner has just been destroyed.
// Errors:        none reported; spurious wake-ups are possible and callers loop.
#ifndef ADAPTRT_SCHED_INTERNAL_FUTEX_H_
#define ADAPTRT_SCHED_INTERNAL_FUTEX_H_

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace adaptrt::sched_internal {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t),
              "futex needs a plain 32-bit word");

// Sleeps while *word == expected, at most timeout_ns (<0: no limit).
inline void FutexWait(std::atomic<uint32_t>* word, uint32_t expected,
                      int64_t timeout_ns = -1) {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000);
    tsp = &ts;
  }
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE,
          expected, tsp, nullptr, 0);
}

inline void FutexWake(std::atomic<uint32_t>* word, int count) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE,
          count, nullptr, nullptr, 0);
}

// One pause/yield step of a spin loop.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace adaptrt::sched_internal

#endif  // ADAPTRT_SCHED_INTERNAL_FUTEX_H_
