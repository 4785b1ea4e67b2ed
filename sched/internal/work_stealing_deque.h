// work_stealing_deque.h: a growable Chase–Lev work-stealing deque of
// TaskNode pointers (Chase & Lev, SPAA'05; orderings after Lê, Pop, Cohen &
// Zappa Nardelli, PPoPP'13 — see work_stealing_deque.cc for the argument).
//
// Thread-safety: Push and Pop only by the owner thread (one thread at a time;
//                ownership may pass to another thread across a happens-before
//                edge such as thread join). Steal, Empty and SizeApprox from
//                any thread.
// Complexity:    Push amortized O(1) (doubling growth), Pop and Steal O(1).
// Ownership:     the deque stores pointers it does not own. Retired arrays
//                are kept until destruction (thieves may still read them), so
//                memory is at most about twice the peak capacity.
// Errors:        none. Pop/Steal return nullptr when empty or when a
//                concurrent operation won the element.
#ifndef ADAPTRT_SCHED_INTERNAL_WORK_STEALING_DEQUE_H_
#define ADAPTRT_SCHED_INTERNAL_WORK_STEALING_DEQUE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "sched/internal/task.h"

namespace adaptrt::sched_internal {

class WorkStealingDeque {
 public:
  // REQUIRES: initial_capacity is a power of two >= 2.
  explicit WorkStealingDeque(int64_t initial_capacity = 256);
  ~WorkStealingDeque();
  WorkStealingDeque(const WorkStealingDeque&) = delete;
  WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;

  // Owner only. Pushes at the bottom; grows when full.
  void Push(TaskNode* task) {
    const int64_t b = bottom_.load(std::memory_order_relaxed);
    Array* a = array_.load(std::memory_order_relaxed);
    // top_ only grows, so a stale copy over-estimates the size: re-read the
    // thieves' cache line only when the array might be full.
    if (b - owner_top_ > a->mask) {
      owner_top_ = top_.load(std::memory_order_acquire);
      if (b - owner_top_ > a->mask) a = Grow(a, owner_top_, b);
    }
    a->Put(b, task);
    // Lê et al.: release fence + relaxed store. The seq_cst store also
    // orders this push before the caller's wake-up check (executor.cc).
    bottom_.store(b + 1, std::memory_order_seq_cst);
  }

  // Owner only. Pops the most recently pushed task (LIFO).
  TaskNode* Pop() {
    const int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Array* a = array_.load(std::memory_order_relaxed);
    // Lê et al.: relaxed store, seq_cst fence, relaxed load. Two seq_cst
    // accesses give the same store->load order without a fence (TSan-clean).
    bottom_.store(b, std::memory_order_seq_cst);
    int64_t t = top_.load(std::memory_order_seq_cst);
    if (t > b) {  // empty
      bottom_.store(b + 1, std::memory_order_relaxed);
      return nullptr;
    }
    TaskNode* task = a->Get(b);
    if (t == b) {  // last element: race the thieves for it
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        task = nullptr;
      }
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return task;
  }

  // Any thread. Takes the oldest task. Returns nullptr if empty, or if it
  // lost a race (then *lost_race is set to true when non-null).
  TaskNode* Steal(bool* lost_race = nullptr) {
    int64_t t = top_.load(std::memory_order_seq_cst);
    const int64_t b = bottom_.load(std::memory_order_seq_cst);
    if (t >= b) return nullptr;
    Array* a = array_.load(std::memory_order_acquire);
    TaskNode* task = a->Get(t);
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      if (lost_race != nullptr) *lost_race = true;
      return nullptr;
    }
    return task;
  }

  // Any thread. seq_cst snapshot; exact when the owner is quiescent.
  bool Empty() const {
    const int64_t t = top_.load(std::memory_order_seq_cst);
    const int64_t b = bottom_.load(std::memory_order_seq_cst);
    return t >= b;
  }
  int64_t SizeApprox() const {
    const int64_t t = top_.load(std::memory_order_relaxed);
    const int64_t b = bottom_.load(std::memory_order_relaxed);
    return b > t ? b - t : 0;
  }
  int64_t capacity() const {
    return array_.load(std::memory_order_relaxed)->mask + 1;
  }

 private:
  struct Array {
    explicit Array(int64_t capacity)
        : mask(capacity - 1),
          slots(new std::atomic<TaskNode*>[static_cast<size_t>(capacity)]) {}
    void Put(int64_t i, TaskNode* task) {
      slots[i & mask].store(task, std::memory_order_relaxed);
    }
    TaskNode* Get(int64_t i) const {
      return slots[i & mask].load(std::memory_order_relaxed);
    }
    const int64_t mask;
    std::unique_ptr<std::atomic<TaskNode*>[]> slots;
  };

  Array* Grow(Array* old, int64_t top, int64_t bottom);

  alignas(64) std::atomic<int64_t> top_{0};
  alignas(64) std::atomic<int64_t> bottom_{0};
  std::atomic<Array*> array_;
  int64_t owner_top_ = 0;  // owner only: a lower bound of top_
  std::vector<std::unique_ptr<Array>> arrays_;  // owner only; current + retired
};

}  // namespace adaptrt::sched_internal

#endif  // ADAPTRT_SCHED_INTERNAL_WORK_STEALING_DEQUE_H_
