// tagged_index.h: TaggedIndex<T, GetHash>, an open-addressing hash index of
// raw pointers (linear probing, backward-shift deletion), each 8-byte slot
// carrying a 16-bit tag of the element's hash in the pointer's unused top
// bits. A probe rejects non-matching slots by their tag, without touching
// the elements they point to: a hit touches the slot's cache line and then
// the one element it is looking for (absl::flat_hash_set of shared_ptr
// touches a control-byte line, a 16-byte slot line, then the element).
//
// Thread-safety: not thread-safe. const methods (Find, size, ...) may run
//                concurrently with each other; every non-const method needs
//                exclusive access. Cache<K, V> calls Find under its shard
//                lock held shared, the rest under it held exclusive.
// Complexity:    Find O(1) expected (max load 3/4: ~2.5 slots per hit,
//                ~8.5 per miss, all in one or two adjacent cache lines);
//                Insert O(1) amortized (doubling rehash, which reads every
//                element's hash through GetHash); Erase O(1) expected
//                (backward shift: reads the hash of the elements that follow
//                in the probe cluster to find their home slot).
// Ownership:     stores pointers, owns no element. The caller keeps every
//                indexed element alive until it erases it.
// Errors:        none. A pointer with any of its top 16 bits set (not a
//                user-space address of x86-64 or AArch64 with 48-bit virtual
//                addresses) cannot be tagged: Insert aborts with a message
//                rather than corrupt the index.
//
// PERFORMANCE: the tag filters probes, not equality: Find still calls `eq`
// on a tag match (a false match happens with probability 2^-16 per occupied
// slot probed). Erased slots are reclaimed at once (no tombstones), the table
// never shrinks (like absl's), and a rehash reads every element.
//
// Invariants: slot_count_ is 0 or a power of two >= kMinSlots; size_ <=
// 3/4 slot_count_ (so every probe sequence ends at an empty slot); an element
// with hash h sits at slot (h + d) & mask_ with every slot from h & mask_ to
// it occupied (d is its probe distance).

#ifndef ADAPTRT_CACHE_INTERNAL_TAGGED_INDEX_H_
#define ADAPTRT_CACHE_INTERNAL_TAGGED_INDEX_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace adaptrt::cache_internal {

// GetHash: a stateless callable, std::uint64_t(const T&), returning the hash
// the element was inserted with.
template <typename T, typename GetHash>
class TaggedIndex {
 public:
  static constexpr std::size_t kMinSlots = 16;

  TaggedIndex() = default;  // allocates on the first Insert or Reserve
  TaggedIndex(const TaggedIndex&) = delete;
  TaggedIndex& operator=(const TaggedIndex&) = delete;

  // The element with `hash` for which eq(const T&) is true, or null.
  template <typename Eq>
  T* Find(std::uint64_t hash, Eq&& eq) const {
    // slot_count_, not size_: Find reads only fields that Rehash writes
    // (see the layout below). The table is never full, so an empty table
    // ends the probe at its first slot.
    if (slot_count_ == 0) return nullptr;
    const std::uint64_t tag = TagOf(hash);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const std::uint64_t word = slots_[i];
      if (word == 0) return nullptr;
      if ((word & kTagMask) == tag) {
        T* element = PointerOf(word);
        if (eq(*element)) return element;
      }
    }
  }

  // Indexes `element` under `hash`.
  // REQUIRES: element is not null and not indexed; GetHash()(*element) ==
  // hash.
  void Insert(std::uint64_t hash, T* element) {
    assert(element != nullptr);
    const auto address = reinterpret_cast<std::uintptr_t>(element);
    if ((address & kTagMask) != 0) {
      std::fprintf(stderr,
                   "TaggedIndex: pointer %p uses the top 16 bits, which hold "
                   "the tag\n",
                   static_cast<const void*>(element));
      std::abort();
    }
    if ((size_ + 1) * 4 > slot_count_ * 3) {
      Rehash(slot_count_ == 0 ? kMinSlots : slot_count_ * 2);
    }
    Place(hash, TagOf(hash) | address);
    ++size_;
  }

  // Removes `element`, indexed under `hash`. Returns whether it was there.
  bool Erase(std::uint64_t hash, const T* element) {
    if (size_ == 0) return false;
    const std::uint64_t want =
        TagOf(hash) | reinterpret_cast<std::uintptr_t>(element);
    std::size_t hole = hash & mask_;
    for (;; hole = (hole + 1) & mask_) {
      const std::uint64_t word = slots_[hole];
      if (word == 0) return false;
      if (word == want) break;
    }
    // Backward shift: move each following element of the cluster whose home
    // is not cyclically in (hole, j] into the hole, until an empty slot.
    for (std::size_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
      const std::uint64_t word = slots_[j];
      if (word == 0) break;
      const std::size_t home = GetHash()(*PointerOf(word)) & mask_;
      if (((j - home) & mask_) >= ((j - hole) & mask_)) {
        slots_[hole] = word;
        hole = j;
      }
    }
    slots_[hole] = 0;
    --size_;
    return true;
  }

  // Grows the table so that `n` elements fit without a rehash.
  void Reserve(std::size_t n) {
    std::size_t slots = kMinSlots;
    while (slots * 3 < n * 4) slots *= 2;
    if (slots > slot_count_) Rehash(slots);
  }

  // Calls fn(T*) for every element, in slot order.
  // REQUIRES: fn does not modify the index.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (std::size_t i = 0; i < slot_count_; ++i) {
      if (slots_[i] != 0) fn(PointerOf(slots_[i]));
    }
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t slot_count() const { return slot_count_; }
  // Bytes of the slot array.
  std::size_t MemoryBytes() const { return slot_count_ * sizeof(std::uint64_t); }

 private:
  static constexpr std::uint64_t kTagMask = 0xFFFFull << 48;

  // Hash bits 32..47: independent of the slot position (low bits) and of
  // Cache's shard choice (top bits) for tables below 2^32 slots.
  static std::uint64_t TagOf(std::uint64_t hash) {
    return ((hash >> 32) & 0xFFFF) << 48;
  }
  static T* PointerOf(std::uint64_t word) {
    return reinterpret_cast<T*>(static_cast<std::uintptr_t>(word & ~kTagMask));
  }
  void Place(std::uint64_t hash, std::uint64_t word) {
    std::size_t i = hash & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = word;
  }
  void Rehash(std::size_t slots) {
    std::unique_ptr<std::uint64_t[]> old = std::move(slots_);
    const std::size_t old_count = slot_count_;
    slots_ = std::make_unique<std::uint64_t[]>(slots);  // zeroed: all empty
    slot_count_ = slots;
    mask_ = slots - 1;
    for (std::size_t i = 0; i < old_count; ++i) {
      if (old[i] != 0) Place(GetHash()(*PointerOf(old[i])), old[i]);
    }
  }

  // Read by every Find, written only by Rehash.
  std::unique_ptr<std::uint64_t[]> slots_;  // 0: empty; else tag | pointer
  std::size_t slot_count_ = 0;
  std::size_t mask_ = 0;
  // Written by every Insert and Erase: on a cache line of its own, so that
  // the line readers probe through stays shared in their caches.
  alignas(64) std::size_t size_ = 0;
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_TAGGED_INDEX_H_
