// read_buffer.h: a shard's lossy, striped buffer of recorded hits (Caffeine's
// striped read buffer), so that a hit never takes the shard's exclusive lock
// and writes only lines of the calling thread's stripe.
//
// Each stripe is a ring of kSlots hook pointers and the read path's counters
// (records, unrecorded hits, misses), on lines of their own; a thread
// records and counts into the stripe its ThreadProbe() picks
// (thread_stripe.h), so concurrent readers do not share lines.
//
// Protocol (the shard's "reader lock" is its StripedRwLock held shared, its
// "policy lock" the mutex that serializes policy calls; writers hold both):
//   Record(h):  only while holding the reader lock, with `h` resident (in the
//               index) at that moment.
//   DrainStripe: only under the policy lock (readers may be recording
//               concurrently).
//   DrainAll:   only under both locks (no reader records meanwhile).
//   Removal of an entry from the shard: only under both locks, after
//               DrainAll() (no reader can record during that critical section).
// Why a drained hook is always still linked in the policy: a hook h sits in
// a slot only because a reader stored it while h was resident and while it
// held the reader lock. A removal of h takes the exclusive lock after that
// reader released it, so the store happens-before the remover's DrainAll,
// which scans every slot (not only those past a cursor: a concurrent drainer
// may have moved past a slot whose store had not landed yet) and clears h,
// unless another drain (under the policy lock, so before the removal) or a
// later record already replaced it. After the removal no reader finds h, so
// no slot receives it again.
//
// Memory ordering: a stripe's `recorded` is a relaxed fetch_add: it hands
// out slots and, with `unrecorded`, counts the shard's hits; it orders
// nothing (nor do `unrecorded` and `misses`). Slot stores and the drainer's
// load and clearing store are relaxed: a drained pointer is applied
// under the policy lock, and the entry it points to was published to readers
// by the exclusive unlock that inserted it, which happens-before the reader
// that found it; that reader's relaxed slot store carries no ordering, but
// the drainer touches only the hook fields (prev/next/tag, and `spare`, the
// refresh filter's stamp, which readers load atomically), which only
// policy-lock holders write, and `charge`/`hash`, set before the entry was
// inserted under both locks (the drainer's policy lock acquire
// synchronizes with that insert's policy unlock).
//
// Lossy: a stripe keeps its last kSlots records; a record overwrites a slot
// that a drain has not yet emptied (its hook's access is lost), and a record
// stored into a slot between a concurrent DrainStripe's load and clearing
// store of it is lost too. Single-threaded, nothing is lost beyond
// overwrites. Eviction order is then approximate, as in Caffeine. With Options::exact_access_order
// the cache does not use this buffer.
//
// Thread-safety: as above. Complexity: Record O(1); DrainStripe O(kSlots);
// DrainAll O(stripes * kSlots). Memory: stripes * (64 + 8 * kSlots) bytes.

#ifndef ADAPTRT_CACHE_INTERNAL_READ_BUFFER_H_
#define ADAPTRT_CACHE_INTERNAL_READ_BUFFER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "cache/internal/thread_stripe.h"
#include "cache/policy/policy.h"

namespace adaptrt::cache_internal {

class ReadBuffer {
 public:
  static constexpr std::uint64_t kSlots = 32;       // per stripe, power of two
  static constexpr std::uint64_t kDrainBatch = 16;  // drain every 16 records

  // REQUIRES: stripes is a power of two >= 1.
  explicit ReadBuffer(std::uint32_t stripes = DefaultStripeCount())
      : stripes_(new Stripe[stripes]), mask_(stripes - 1) {}

  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;

  // Bytes of the stripe array (heap), beyond sizeof(ReadBuffer).
  std::size_t MemoryBytes() const { return (mask_ + 1) * sizeof(Stripe); }

  // Records a hit in this thread's stripe. Returns true when the caller
  // should try to drain this thread's stripe (after releasing the reader
  // lock). REQUIRES: reader lock held; `hook` resident.
  bool Record(cache::PolicyHook* hook) {
    Stripe& s = stripes_[ThreadProbe() & mask_];
    const std::uint64_t n = s.recorded.fetch_add(1, std::memory_order_relaxed);
    s.slots[n & (kSlots - 1)].store(hook, std::memory_order_relaxed);
    return ((n + 1) & (kDrainBatch - 1)) == 0;
  }

  // Counts a hit that was not recorded (the RefreshFilter skipped it) in
  // this thread's stripe, so that hits() still counts every hit.
  void CountUnrecorded() {
    stripes_[ThreadProbe() & mask_].unrecorded.fetch_add(
        1, std::memory_order_relaxed);
  }

  // Counts a miss in this thread's stripe (the read path's counters live on
  // the caller's line, like its records: a shared miss counter bounced
  // between cores on every miss).
  void CountMiss() {
    stripes_[ThreadProbe() & mask_].misses.fetch_add(
        1, std::memory_order_relaxed);
  }

  // Applies the calling thread's stripe to `apply`, oldest first.
  // REQUIRES: policy lock held.
  template <typename Apply>
  void DrainStripe(Apply&& apply) {
    DrainOne(stripes_[ThreadProbe() & mask_], apply);
  }

  // Applies every stripe. REQUIRES: reader lock held exclusively and policy
  // lock held (no recorder runs). A stripe with no record since the previous
  // DrainAll is skipped: that drain left all its slots null (no store was in
  // flight under the exclusive lock) and only records fill slots.
  template <typename Apply>
  void DrainAll(Apply&& apply) {
    for (std::uint32_t i = 0; i <= mask_; ++i) {
      Stripe& s = stripes_[i];
      const std::uint64_t recorded =
          s.recorded.load(std::memory_order_relaxed);
      if (recorded == s.clean_at) continue;
      DrainOne(s, apply);
      s.clean_at = recorded;
    }
  }

  // Hits recorded or counted so far (any thread, relaxed; a sum over
  // stripes).
  std::uint64_t hits() const {
    std::uint64_t sum = 0;
    for (std::uint32_t i = 0; i <= mask_; ++i) {
      sum += stripes_[i].recorded.load(std::memory_order_relaxed) +
             stripes_[i].unrecorded.load(std::memory_order_relaxed);
    }
    return sum;
  }

  // Misses counted so far (any thread, relaxed; a sum over stripes).
  std::uint64_t misses() const {
    std::uint64_t sum = 0;
    for (std::uint32_t i = 0; i <= mask_; ++i) {
      sum += stripes_[i].misses.load(std::memory_order_relaxed);
    }
    return sum;
  }

  std::uint32_t stripes() const { return mask_ + 1; }

 private:
  struct alignas(64) Stripe {
    std::atomic<std::uint64_t> recorded{0};
    std::atomic<std::uint64_t> unrecorded{0};  // CountUnrecorded's hits
    std::atomic<std::uint64_t> misses{0};      // CountMiss's
    // `recorded` when DrainAll last emptied this stripe. Guarded by both
    // locks (read and written only by DrainAll).
    std::uint64_t clean_at = 0;
    alignas(64) std::array<std::atomic<cache::PolicyHook*>, kSlots> slots{};
  };

  // Scans every slot, starting after the newest record (so oldest first),
  // and clears each filled one with a load and a store, no RMW (an exchange
  // per slot cost ~40% of the hit path's own cycles): a record that a
  // concurrent recorder stores between the two is cleared unapplied, one
  // more lossy drop. Only one drainer runs at a time (policy lock), so no
  // hook is applied twice.
  template <typename Apply>
  static void DrainOne(Stripe& s, Apply& apply) {
    const std::uint64_t end = s.recorded.load(std::memory_order_relaxed);
    for (std::uint64_t k = 0; k < kSlots; ++k) {
      std::atomic<cache::PolicyHook*>& slot = s.slots[(end + k) & (kSlots - 1)];
      cache::PolicyHook* hook = slot.load(std::memory_order_relaxed);
      if (hook == nullptr) continue;
      slot.store(nullptr, std::memory_order_relaxed);
      apply(hook);
    }
  }

  const std::unique_ptr<Stripe[]> stripes_;
  const std::uint32_t mask_;
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_READ_BUFFER_H_
