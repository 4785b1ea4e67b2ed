// lru.h: least-recently-used ordering over intrusive hooks.
//
// One circular doubly linked list with a sentinel; the victim is its least
// recently inserted or accessed entry.
//
// Thread-safety: not thread-safe (see policy.h). Complexity: O(1) per hook.
// Ownership: orders hooks it does not own. Allocation: none, ever.

#ifndef ADAPTRT_CACHE_POLICY_LRU_H_
#define ADAPTRT_CACHE_POLICY_LRU_H_

#include "cache/policy/intrusive_list.h"
#include "cache/policy/policy.h"

namespace adaptrt::cache {

class LruPolicy final : public EvictionPolicy {
 public:
  explicit LruPolicy(std::uint64_t capacity) : capacity_(capacity) {}

  std::string_view name() const override { return "lru"; }
  void SetCapacity(std::uint64_t capacity) override { capacity_ = capacity; }
  std::uint64_t capacity() const override { return capacity_; }
  void Reserve(std::size_t) override {}
  void PrepareInsert(PolicyHook*) override {}
  void OnInsert(PolicyHook* h) override { list_.PushFront(h); }
  void OnAccess(PolicyHook* h) override { list_.MoveToFront(h); }
  bool RecencyOrdered() const override { return true; }
  void OnErase(PolicyHook* h) override { list_.Remove(h); }
  PolicyHook* Victim() override { return list_.Back(); }
  void OnEvict(PolicyHook* h) override { list_.Remove(h); }
  std::size_t size() const override { return list_.size(); }
  std::uint64_t charge() const override { return list_.charge(); }

 private:
  std::uint64_t capacity_;
  cache_internal::HookList list_;
};

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_POLICY_LRU_H_
