// LFU with O(1) frequency buckets.
//
// Invariants: buckets in use form a doubly linked list from head_ in strictly
// increasing frequency, each with >= 1 entry; every linked hook's tag names
// its bucket; free buckets form a singly linked list through `next`;
// buckets_.size() >= size_ + 1 after every OnInsert, so OnAccess (which needs
// a new bucket only when the entry's bucket holds >= 2 entries, i.e. when at
// most size_ - 1 buckets are in use) always finds a free one.

#include "cache/policy/lfu.h"

#include <algorithm>
#include <cassert>

namespace adaptrt::cache {

void LfuPolicy::Reserve(std::size_t entries) {
  if (buckets_.size() < entries + 1) Grow(entries + 1 - buckets_.size());
}

void LfuPolicy::Grow(std::size_t buckets) {
  for (std::size_t i = 0; i < buckets; ++i) {
    buckets_.emplace_back();
    const auto index = static_cast<std::uint32_t>(buckets_.size() - 1);
    buckets_.back().next = free_;
    free_ = index;
    ++free_count_;
  }
}

std::uint32_t LfuPolicy::NewBucket(std::uint64_t frequency,
                                   std::uint32_t after) {
  assert(free_ != kNone);
  const std::uint32_t b = free_;
  Bucket& bucket = buckets_[b];
  free_ = bucket.next;
  --free_count_;
  bucket.frequency = frequency;
  bucket.prev = after;
  if (after == kNone) {
    bucket.next = head_;
    head_ = b;
  } else {
    bucket.next = buckets_[after].next;
    buckets_[after].next = b;
  }
  if (bucket.next != kNone) buckets_[bucket.next].prev = b;
  return b;
}

void LfuPolicy::FreeBucket(std::uint32_t b) {
  Bucket& bucket = buckets_[b];
  assert(bucket.entries.empty());
  if (bucket.prev == kNone) {
    head_ = bucket.next;
  } else {
    buckets_[bucket.prev].next = bucket.next;
  }
  if (bucket.next != kNone) buckets_[bucket.next].prev = bucket.prev;
  bucket.prev = kNone;
  bucket.next = free_;
  free_ = b;
  ++free_count_;
}

void LfuPolicy::OnInsert(PolicyHook* h) {
  // Keep one free bucket per entry (plus one) so that hits never allocate.
  if (buckets_.size() < size_ + 2) {
    Grow(std::max<std::size_t>(buckets_.size(), 8));
  }
  std::uint32_t b = head_;
  if (b == kNone || buckets_[b].frequency != 1) b = NewBucket(1, kNone);
  buckets_[b].entries.PushFront(h);
  h->tag = b;
  ++size_;
  charge_ += h->charge;
}

void LfuPolicy::OnAccess(PolicyHook* h) {
  const std::uint32_t b = h->tag;
  Bucket& bucket = buckets_[b];
  const std::uint64_t frequency = bucket.frequency + 1;
  const std::uint32_t next = bucket.next;
  if (next != kNone && buckets_[next].frequency == frequency) {
    bucket.entries.Remove(h);
    buckets_[next].entries.PushFront(h);
    h->tag = next;
    if (bucket.entries.empty()) FreeBucket(b);
  } else if (bucket.entries.size() == 1) {
    bucket.frequency = frequency;  // alone: the bucket moves up in place
  } else {
    const std::uint32_t up = NewBucket(frequency, b);
    buckets_[b].entries.Remove(h);
    buckets_[up].entries.PushFront(h);
    h->tag = up;
  }
}

void LfuPolicy::Unlink(PolicyHook* h) {
  const std::uint32_t b = h->tag;
  buckets_[b].entries.Remove(h);
  if (buckets_[b].entries.empty()) FreeBucket(b);
  --size_;
  charge_ -= h->charge;
}

PolicyHook* LfuPolicy::Victim() {
  return head_ == kNone ? nullptr : buckets_[head_].entries.Back();
}

}  // namespace adaptrt::cache
