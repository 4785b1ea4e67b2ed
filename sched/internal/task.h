// task.h: the type-erased unit of work the executor queues (TaskNode), and
// its allocation from a per-thread freelist.
//
// Thread-safety: a TaskNode is owned by exactly one queue or thread at a time;
//                AllocateTaskNode/FreeTaskNode use thread-local caches and are
//                safe from any thread (a node may be freed on another thread
//                than the one that allocated it).
// Complexity:    O(1) amortized; no heap allocation per task in steady
//                state when the callable fits kInlineBytes (larger callables
//                are boxed in a separate allocation).
// Ownership:     MakeTask returns a node that owns its callable; RunTask and
//                CancelTask destroy the callable and free the node.
// Errors:        the callable must not let exceptions escape (the wrappers in
//                executor.h and task_group.h catch and route them).
#ifndef ADAPTRT_SCHED_INTERNAL_TASK_H_
#define ADAPTRT_SCHED_INTERNAL_TASK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace adaptrt::sched_internal {

struct TaskNode;

// How to run, cancel (complete without running) a node's callable. Both
// destroy the callable; neither frees the node.
struct TaskVtable {
  void (*run)(TaskNode*);
  void (*cancel)(TaskNode*);
};

inline constexpr size_t kTaskNodeBytes = 64;

struct TaskNode {
  const TaskVtable* vtable;
  TaskNode* next;  // link while queued in the injector; unused otherwise
  static constexpr size_t kInlineBytes = kTaskNodeBytes - 2 * sizeof(void*);
  alignas(16) unsigned char storage[kInlineBytes];
};
static_assert(sizeof(TaskNode) == kTaskNodeBytes);

// Node allocation: a per-thread cache in front of a global depot of
// "magazines" (chains of kMagazine free nodes), refilled from blocks of
// kMagazine nodes allocated at once. A thread that frees more than it
// allocates (a consumer) returns whole magazines to the depot; a producer
// takes them back, so producer/consumer pairs recycle the same nodes. Blocks
// are never returned to the system (memory is bounded by the peak number of
// live tasks plus the caches). Sanitizer builds bypass all of it so ASan sees
// every node's lifetime.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kUseNodeCache = false;
#else
inline constexpr bool kUseNodeCache = true;
#endif

inline constexpr int kMagazine = 256;

class NodeDepot {
 public:
  struct Magazine {
    TaskNode* head;
    int count;
  };
  // Returns a magazine, or {nullptr, 0} if the depot is empty.
  Magazine Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (magazines_.empty()) return {nullptr, 0};
    Magazine m = magazines_.back();
    magazines_.pop_back();
    return m;
  }
  void Put(Magazine m) {
    std::lock_guard<std::mutex> lock(mu_);
    magazines_.push_back(m);
  }
  static NodeDepot& Get() {
    static NodeDepot* depot = new NodeDepot();  // lives until process exit
    return *depot;
  }

 private:
  std::mutex mu_;
  std::vector<Magazine> magazines_;
};

class NodeCache {
 public:
  NodeCache() = default;
  NodeCache(const NodeCache&) = delete;
  NodeCache& operator=(const NodeCache&) = delete;
  ~NodeCache() {
    if (head_ != nullptr) NodeDepot::Get().Put({head_, size_});
  }
  TaskNode* Allocate() {
    if (head_ == nullptr) Refill();
    TaskNode* n = head_;
    head_ = n->next;
    --size_;
    return n;
  }
  void Free(TaskNode* n) {
    n->next = head_;
    head_ = n;
    if (++size_ >= 2 * kMagazine) SpillMagazine();
  }

 private:
  void Refill() {
    NodeDepot::Magazine m = NodeDepot::Get().Take();
    if (m.head == nullptr) {
      auto* block = static_cast<TaskNode*>(::operator new(
          kMagazine * sizeof(TaskNode), std::align_val_t{64}));
      for (int i = 0; i < kMagazine - 1; ++i) block[i].next = &block[i + 1];
      block[kMagazine - 1].next = nullptr;
      m = {block, kMagazine};
    }
    head_ = m.head;
    size_ = m.count;
  }
  void SpillMagazine() {
    TaskNode* first = head_;
    TaskNode* last = head_;
    for (int i = 1; i < kMagazine; ++i) last = last->next;
    head_ = last->next;
    last->next = nullptr;
    size_ -= kMagazine;
    NodeDepot::Get().Put({first, kMagazine});
  }

  TaskNode* head_ = nullptr;
  int size_ = 0;
};

inline thread_local NodeCache tls_node_cache;

inline TaskNode* AllocateTaskNode() {
  if constexpr (kUseNodeCache) return tls_node_cache.Allocate();
  return static_cast<TaskNode*>(
      ::operator new(sizeof(TaskNode), std::align_val_t{16}));
}

inline void FreeTaskNode(TaskNode* n) {
  if constexpr (kUseNodeCache) {
    tls_node_cache.Free(n);
    return;
  }
  ::operator delete(n, std::align_val_t{16});
}

// C must have `void operator()()` (never throws) and `void Cancel()`.
template <typename C>
struct TaskOps {
  static constexpr bool kInline =
      sizeof(C) <= TaskNode::kInlineBytes && alignof(C) <= 16;
  static C* Get(TaskNode* n) {
    if constexpr (kInline) {
      return std::launder(reinterpret_cast<C*>(n->storage));
    } else {
      return *std::launder(reinterpret_cast<C**>(n->storage));
    }
  }
  static void Destroy(TaskNode* n) {
    if constexpr (kInline) {
      Get(n)->~C();
    } else {
      delete Get(n);
    }
  }
  static void Run(TaskNode* n) {
    (*Get(n))();
    Destroy(n);
  }
  static void CancelIt(TaskNode* n) {
    Get(n)->Cancel();
    Destroy(n);
  }
  static constexpr TaskVtable kVtable = {&Run, &CancelIt};
};

// Constructs a C in place (inline, or boxed when too large) in a new node.
template <typename C, typename... Args>
TaskNode* MakeTask(Args&&... args) {
  TaskNode* n = AllocateTaskNode();
  n->vtable = &TaskOps<C>::kVtable;
  n->next = nullptr;
  if constexpr (TaskOps<C>::kInline) {
    ::new (static_cast<void*>(n->storage)) C(std::forward<Args>(args)...);
  } else {
    ::new (static_cast<void*>(n->storage)) C*(new C(std::forward<Args>(args)...));
  }
  return n;
}

// Runs the callable and frees the node.
inline void RunTask(TaskNode* n) {
  n->vtable->run(n);
  FreeTaskNode(n);
}

// Completes the callable without running it (futures get a cancellation
// error, groups count it done) and frees the node.
inline void CancelTask(TaskNode* n) {
  n->vtable->cancel(n);
  FreeTaskNode(n);
}

}  // namespace adaptrt::sched_internal

#endif  // ADAPTRT_SCHED_INTERNAL_TASK_H_
