// lfu.h: least-frequently-used ordering in O(1) (Shah, Mitra & Matani 2010):
// a list of frequency buckets in increasing frequency, each a list of the
// entries with that count, most recent first. The victim is the least
// recently used entry of the lowest-frequency bucket (ties by least recent
// use). In-cache LFU: an entry's count starts at 1 on insert and is forgotten
// when it leaves (evicted, erased or overwritten).
//
// Thread-safety: not thread-safe (see policy.h). Complexity: O(1) per hook.
// Ownership: orders hooks it does not own; hook.tag is the bucket index.
// Allocation: buckets come from a pool that always keeps at least one free
// bucket per linked entry plus one (a bucket in use holds >= 1 entry), grown
// geometrically in OnInsert only; OnAccess, OnErase, Victim and OnEvict never
// allocate.

#ifndef ADAPTRT_CACHE_POLICY_LFU_H_
#define ADAPTRT_CACHE_POLICY_LFU_H_

#include <cstdint>
#include <deque>

#include "cache/policy/intrusive_list.h"
#include "cache/policy/policy.h"

namespace adaptrt::cache {

class LfuPolicy final : public EvictionPolicy {
 public:
  explicit LfuPolicy(std::uint64_t capacity) : capacity_(capacity) {}

  std::string_view name() const override { return "lfu"; }
  void SetCapacity(std::uint64_t capacity) override { capacity_ = capacity; }
  std::uint64_t capacity() const override { return capacity_; }
  void Reserve(std::size_t entries) override;
  void PrepareInsert(PolicyHook*) override {}
  void OnInsert(PolicyHook* h) override;
  void OnAccess(PolicyHook* h) override;
  void OnErase(PolicyHook* h) override { Unlink(h); }
  PolicyHook* Victim() override;
  void OnEvict(PolicyHook* h) override { Unlink(h); }
  std::size_t size() const override { return size_; }
  std::uint64_t charge() const override { return charge_; }

  // The access count of a linked entry (1 after insert). For tests.
  std::uint64_t FrequencyOf(const PolicyHook* h) const {
    return buckets_[h->tag].frequency;
  }

 private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  struct Bucket {
    std::uint64_t frequency = 0;
    std::uint32_t prev = kNone;  // lower frequency
    std::uint32_t next = kNone;  // higher frequency; free-list link when free
    cache_internal::HookList entries;
  };

  // A free bucket of `frequency`, linked after `after` (kNone: at the head).
  std::uint32_t NewBucket(std::uint64_t frequency, std::uint32_t after);
  void FreeBucket(std::uint32_t b);
  void Unlink(PolicyHook* h);
  void Grow(std::size_t buckets);

  std::uint64_t capacity_;
  std::deque<Bucket> buckets_;  // deque: stable addresses (list sentinels)
  std::uint32_t head_ = kNone;  // lowest-frequency bucket in use
  std::uint32_t free_ = kNone;  // free-list of buckets
  std::size_t free_count_ = 0;
  std::size_t size_ = 0;
  std::uint64_t charge_ = 0;
};

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_POLICY_LFU_H_
