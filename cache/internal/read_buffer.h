// read_buffer.h: a shard's lossy ring of recorded hits (Caffeine's read
// buffer), so that a hit never takes the shard's exclusive lock.
//
// Protocol: Record() is called only while the caller holds the shard's lock
// in shared mode, with a hook that is resident at that moment. Drain() is
// called only under the shard's exclusive lock, and every removal of an entry
// from the shard happens under that lock after a Drain(), so a drained hook is
// always still linked in the policy.
//
// Memory ordering: `write_` is a relaxed fetch_add (it only hands out slots;
// it doubles as the shard's hit counter). Slot stores are relaxed: the
// recorder's store is sequenced before its unlock_shared (release), which
// synchronizes with the drainer's exclusive lock (acquire). Drain() exchanges
// every slot it may find filled back to null, so no hook survives a drain.
//
// Lossy: if more than kSlots hits are recorded between two drains, only the
// last kSlots (roughly: concurrent recorders may overwrite each other's slot)
// are applied. Eviction order is then approximate, as in Caffeine.
//
// Thread-safety: as above. Complexity: Record O(1); Drain O(kSlots).

#ifndef ADAPTRT_CACHE_INTERNAL_READ_BUFFER_H_
#define ADAPTRT_CACHE_INTERNAL_READ_BUFFER_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "cache/policy/policy.h"

namespace adaptrt::cache_internal {

class ReadBuffer {
 public:
  static constexpr std::uint64_t kSlots = 64;       // power of two
  static constexpr std::uint64_t kDrainBatch = 32;  // drain every 32 records

  // Records a hit. Returns true when the caller should try to drain (after
  // releasing its shared lock). REQUIRES: shard lock held shared.
  bool Record(cache::PolicyHook* hook) {
    const std::uint64_t n = write_.fetch_add(1, std::memory_order_relaxed);
    slots_[n & (kSlots - 1)].store(hook, std::memory_order_relaxed);
    return ((n + 1) & (kDrainBatch - 1)) == 0;
  }

  // Applies recorded hits to `apply`, oldest first. REQUIRES: shard lock
  // held exclusively.
  template <typename Apply>
  void Drain(Apply&& apply) {
    const std::uint64_t end = write_.load(std::memory_order_relaxed);
    if (end == read_) return;
    const std::uint64_t begin = end - read_ > kSlots ? end - kSlots : read_;
    for (std::uint64_t n = begin; n < end; ++n) {
      cache::PolicyHook* hook =
          slots_[n & (kSlots - 1)].exchange(nullptr, std::memory_order_relaxed);
      if (hook != nullptr) apply(hook);
    }
    read_ = end;
  }

  // Hits recorded so far (any thread, relaxed).
  std::uint64_t recorded() const {
    return write_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> write_{0};
  std::uint64_t read_ = 0;  // guarded by the shard's exclusive lock
  std::array<std::atomic<cache::PolicyHook*>, kSlots> slots_{};
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_READ_BUFFER_H_
