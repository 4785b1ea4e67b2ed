// intrusive_list.h: the circular doubly linked list of PolicyHooks every
// policy builds on, with its entry count and total charge.
//
// Thread-safety: not thread-safe. Complexity: O(1) per operation.
// Ownership: links hooks it does not own; allocates nothing. A list is not
// copyable or movable (hooks point at its sentinel).

#ifndef ADAPTRT_CACHE_POLICY_INTRUSIVE_LIST_H_
#define ADAPTRT_CACHE_POLICY_INTRUSIVE_LIST_H_

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "cache/policy/policy.h"

namespace adaptrt::cache_internal {

class HookList {
 public:
  HookList() { head_.prev = head_.next = &head_; }
  HookList(const HookList&) = delete;
  HookList& operator=(const HookList&) = delete;

  bool empty() const { return head_.next == &head_; }
  std::size_t size() const { return size_; }
  std::uint64_t charge() const { return charge_; }

  // Most recent end (front) and least recent end (back); null when empty.
  cache::PolicyHook* Front() const { return empty() ? nullptr : head_.next; }
  cache::PolicyHook* Back() const { return empty() ? nullptr : head_.prev; }

  void PushFront(cache::PolicyHook* h) {
    h->prev = &head_;
    h->next = head_.next;
    head_.next->prev = h;
    head_.next = h;
    ++size_;
    charge_ += h->charge;
  }
  void Remove(cache::PolicyHook* h) {
    assert(h->prev != nullptr && h->next != nullptr);
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->prev = h->next = nullptr;
    --size_;
    charge_ -= h->charge;
  }
  void MoveToFront(cache::PolicyHook* h) {
    if (head_.next == h) return;
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->prev = &head_;
    h->next = head_.next;
    head_.next->prev = h;
    head_.next = h;
  }

 private:
  mutable cache::PolicyHook head_;
  std::size_t size_ = 0;
  std::uint64_t charge_ = 0;
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_POLICY_INTRUSIVE_LIST_H_
