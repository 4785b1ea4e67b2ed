// striped_rw_lock.h: a reader-writer lock whose readers write only their own
// cache line (a per-stripe reader count), so that concurrent readers of one
// shard do not bounce a shared lock word between cores. Writers pay instead:
// they raise a flag and wait until every stripe's count is zero (a
// distributed "big reader" lock; BRAVO's reader indicators without the bias
// toggle).
//
// Thread-safety: thread-safe. Not recursive: a thread holding the lock (in
//                either mode) must not take it again.
// Complexity:    LockShared/UnlockShared O(1): one RMW each on the caller's
//                stripe plus one load of the writer flag. Lock O(stripes):
//                one mutex, one store, a scan of every stripe (waiting for
//                readers inside); Unlock O(1).
// Fairness:      writers have priority: once a writer raised its flag, new
//                readers wait (spinning, then yielding) until it lowers it;
//                writers queue on a mutex among themselves. A continuous stream of
//                writers can starve readers (as with a writer-preferring
//                pthread_rwlock); readers never starve writers.
// Errors:        none.
//
// Memory ordering (the Dekker pattern between readers and a writer):
//   reader: R1 stripe.readers.fetch_add(1, seq_cst);
//           R2 writer_.load(seq_cst) == false -> inside. Otherwise
//              stripe.readers.fetch_sub(1, release) (read nothing yet), spin
//              (then yield) until writer_ reads false, retry.
//           unlock: R3 stripe.readers.fetch_sub(1, release).
//   writer: W0 writer_mu_.lock() (writer-writer exclusion);
//           W1 writer_.store(true, seq_cst);
//           W2 for each stripe: spin until readers.load(seq_cst) == 0;
//           unlock: W3 writer_.store(false, release); writer_mu_.unlock().
// Exclusion: R1, R2, W1, W2 are all seq_cst, so in their single total order
// either R1 precedes W2's load of that stripe (the writer sees the count and
// waits for R3) or W1 precedes R2 (the reader sees the flag and backs off).
// Visibility: a writer's W2 load that reads 0 reads from a reader's R3
// (release; RMWs extend the release sequence across readers of a stripe), so
// the reader's critical section happens-before the writer's. A reader's R2
// that reads false written by W3 (release) synchronizes with it, so the
// writer's critical section happens-before the reader's. No fences are used
// (TSan does not model them).

#ifndef ADAPTRT_CACHE_INTERNAL_STRIPED_RW_LOCK_H_
#define ADAPTRT_CACHE_INTERNAL_STRIPED_RW_LOCK_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "cache/internal/adaptive_mutex.h"
#include "cache/internal/thread_stripe.h"

namespace adaptrt::cache_internal {

class StripedRwLock {
 public:
  // REQUIRES: stripes is a power of two >= 1.
  explicit StripedRwLock(std::uint32_t stripes = DefaultStripeCount())
      : stripes_(new Stripe[stripes]), mask_(stripes - 1) {}

  StripedRwLock(const StripedRwLock&) = delete;
  StripedRwLock& operator=(const StripedRwLock&) = delete;

  // Bytes of the stripe array (heap), beyond sizeof(StripedRwLock).
  std::size_t MemoryBytes() const { return (mask_ + 1) * sizeof(Stripe); }

  // Takes the lock shared. Returns the token to pass to UnlockShared.
  std::uint32_t LockShared() {
    for (;;) {
      const std::uint32_t i = ThreadProbe() & mask_;
      Stripe& stripe = stripes_[i];
      const std::uint32_t before =
          stripe.readers.fetch_add(1, std::memory_order_seq_cst);  // R1
      if (!writer_.load(std::memory_order_seq_cst)) {              // R2
        // Another reader shares this stripe right now: try another one
        // next time, so that threads end up on lines of their own.
        if (before != 0) RehashThreadProbe();
        return i;
      }
      stripe.readers.fetch_sub(1, std::memory_order_release);
      WaitWhileWriter();
    }
  }

  // Releases a shared hold. REQUIRES: `token` came from this thread's
  // matching LockShared.
  void UnlockShared(std::uint32_t token) {
    stripes_[token].readers.fetch_sub(1, std::memory_order_release);  // R3
  }

  // Exclusive mode (BasicLockable, so std::unique_lock works).
  void lock() {
    writer_mu_.lock();                                 // W0
    writer_.store(true, std::memory_order_seq_cst);    // W1
    for (std::uint32_t i = 0; i <= mask_; ++i) {       // W2
      int spins = 0;
      while (stripes_[i].readers.load(std::memory_order_seq_cst) != 0) {
        if (++spins < 64) {
          SpinPause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() {
    writer_.store(false, std::memory_order_release);  // W3
    writer_mu_.unlock();
  }

  // RAII shared hold.
  class SharedGuard {
   public:
    explicit SharedGuard(StripedRwLock& lock)
        : lock_(&lock), token_(lock.LockShared()) {}
    SharedGuard(const SharedGuard&) = delete;
    SharedGuard& operator=(const SharedGuard&) = delete;
    ~SharedGuard() { unlock(); }
    void unlock() {
      if (lock_ != nullptr) lock_->UnlockShared(token_);
      lock_ = nullptr;
    }

   private:
    StripedRwLock* lock_;
    std::uint32_t token_;
  };

  std::uint32_t stripes() const { return mask_ + 1; }

 private:
  struct alignas(64) Stripe {
    std::atomic<std::uint32_t> readers{0};
  };

  // A reader that met a writer waits for it to finish by spinning on the
  // flag (then yielding), not by queueing on writer_mu_: a writer holds the
  // lock for microseconds, and readers that slept on the mutex were woken
  // one at a time through it (a futex wake each), which made a 10%-write
  // mix slower on 2 threads than on 1. Relaxed loads: the retry's R1/R2
  // decide admission.
  void WaitWhileWriter() const {
    int spins = 0;
    while (writer_.load(std::memory_order_relaxed)) {
      if (++spins < 128) {
        SpinPause();
      } else {
        std::this_thread::yield();
      }
    }
  }

  // Read by every reader, written never after construction.
  const std::unique_ptr<Stripe[]> stripes_;
  const std::uint32_t mask_;
  // Written by writers only; readers load writer_ (the line stays shared in
  // every core's cache while no writer runs).
  alignas(64) std::atomic<bool> writer_{false};
  AdaptiveMutex writer_mu_;
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_STRIPED_RW_LOCK_H_
