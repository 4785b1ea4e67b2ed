// injector.h: the queue for tasks submitted from threads that are not workers
// of the executor (and for tasks a retiring worker hands over).
//
// Thread-safety: thread-safe. Sharded: kShards FIFO lists, each under its own
//                mutex; a pusher picks a shard from a per-thread index, a
//                popper scans shards from a start index it chooses.
// Complexity:    Push O(1); Pop O(kShards) worst case; no allocation
//                (intrusive links in TaskNode::next).
// Ownership:     queued nodes are owned by the injector until popped.
// Errors:        none; Pop returns nullptr when every shard is empty.
//
// size_ counts queued nodes and is changed inside the shard lock, after the
// link (push) or unlink (pop), with seq_cst RMWs: a reader that sees 0 may
// only miss a node whose pusher has not finished Push, and that pusher does
// its wake-up check afterwards (executor.cc, "No lost wake-up").
#ifndef ADAPTRT_SCHED_INTERNAL_INJECTOR_H_
#define ADAPTRT_SCHED_INTERNAL_INJECTOR_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "sched/internal/task.h"

namespace adaptrt::sched_internal {

class Injector {
 public:
  static constexpr int kShards = 8;

  void Push(TaskNode* task, uint32_t shard_hint) {
    Shard& s = shards_[shard_hint % kShards];
    task->next = nullptr;
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.tail == nullptr) {
      s.head = task;
    } else {
      s.tail->next = task;
    }
    s.tail = task;
    size_.fetch_add(1, std::memory_order_seq_cst);
  }

  TaskNode* Pop(uint32_t start) {
    if (size_.load(std::memory_order_relaxed) <= 0) return nullptr;
    for (int i = 0; i < kShards; ++i) {
      Shard& s = shards_[(start + static_cast<uint32_t>(i)) % kShards];
      std::lock_guard<std::mutex> lock(s.mu);
      TaskNode* task = s.head;
      if (task == nullptr) continue;
      s.head = task->next;
      if (s.head == nullptr) s.tail = nullptr;
      size_.fetch_sub(1, std::memory_order_seq_cst);
      return task;
    }
    return nullptr;
  }

  bool Empty() const { return size_.load(std::memory_order_seq_cst) <= 0; }
  int64_t SizeApprox() const { return size_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Shard {
    std::mutex mu;
    TaskNode* head = nullptr;
    TaskNode* tail = nullptr;
  };
  std::array<Shard, kShards> shards_;
  alignas(64) std::atomic<int64_t> size_{0};
};

}  // namespace adaptrt::sched_internal

#endif  // ADAPTRT_SCHED_INTERNAL_INJECTOR_H_
