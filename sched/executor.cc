// executor.cc: the work-stealing executor.
//
// Design
// ------
// Slots. Options.max_workers + max_blocking_workers (doubled, so retiring
// workers never block growth) WorkerSlots are allocated at creation and live
// until destruction; a worker thread runs in one slot. Thieves scan slots
// [0, slots_in_use_) (a release/acquire high-water mark), so a slot whose
// thread exited is still a valid, empty victim. Slot lifecycle (state,
// thread, temporary) changes only under mu_:
//   kFree --start--> kActive --retire committed--> kDraining --> kExited
//   kExited --joined by ReapLocked--> kFree.
// Resize sets `retire` on the highest active slots; the worker checks the
// flag between tasks and commits under mu_ (so a later grow can clear the
// flag again and keep the thread: no churn in resize storms). A committed
// worker pops its whole deque into the injector, wakes a sleeper if needed,
// and exits. Growing reuses the lowest free slot, joining exited threads.
//
// Exactly once. A task is in exactly one place at a time: a deque (Chase–Lev
// gives each element to exactly one Pop or Steal), the injector (popped under
// its shard lock), or a thread running it. Retiring moves tasks from the
// owner's deque with Pop (the owner side), so a concurrent thief and the
// drain never both get one. Nothing is ever copied.
//
// Searching and parking (Tokio's idle.rs / Go's proc.go, on futex words):
//   searching_  workers looking for work (spinning on steal sweeps), plus
//               workers woken with a token (counted by the waker).
//   idle_count_ workers in idle_list_ (parked or about to).
// An idle worker becomes a searcher if fewer than half the slots search,
// sweeps victims spin_rounds times, then parks in two phases:
//   1. prepare: under idle_mu_, push itself on idle_list_, wake_word = 0,
//      idle_count_.fetch_add (seq_cst);
//   2. stop searching: searching_.fetch_sub (seq_cst);
//   3. re-check every deque and the injector (seq_cst loads) and the
//      retire/stop flags; if anything: cancel (remove itself if still listed;
//      if a waker already removed it, it holds whatever token it was given);
//   4. commit: futex-wait while wake_word == 0.
// A submitter pushes (seq_cst store of bottom, or seq_cst RMW of the
// injector's size), then loads searching_ and idle_count_ (seq_cst) and wakes
// one sleeper only if nobody searches and someone is idle. WakeOne pops the
// most recent sleeper (warm cache) under idle_mu_, hands it a searching token
// (searching_ += 1) so the next pushes do not wake more threads, and
// futex-wakes it. A searcher that finds work gives up its token; if it was
// the last searcher and someone is idle, it wakes one more (work may remain).
//
// No lost wake-up: all the accesses above are seq_cst, so they sit in one
// total order S. Take a push P by a submitter that woke nobody, and a worker
// W that then parks. Either the submitter read searching_ before some
// searcher's step-2 decrement (then that searcher's step 3 comes after P in
// S and sees the task), or it read searching_ == 0 and idle_count_ == 0, so
// its read precedes W's step 1 and W's step 3 sees the task. With no fences,
// TSan checks the same code we ship.
//
// Shutdown. accepting_ and submitters_ form a seq_cst Dekker pair: an
// external Submit increments submitters_ then reads accepting_; Shutdown
// clears accepting_ then waits for submitters_ == 0, so every accepted
// submission is queued before Shutdown goes on. Tasks submitted from this
// executor's own running tasks are always accepted. Shutdown then waits for
// kDraining slots to finish handing over, sets stopping_ (and cancelling_
// for kCancel) under mu_ (retire commits check stopping_ under mu_, so no
// new hand-over starts), wakes everyone and joins every thread. Draining
// workers exit when a full re-check finds no work; cancelling workers exit
// after their current task. Whatever is still queued after the joins is
// cancelled (kCancel) or run on the calling thread (kDrain; not expected).
// shutting_down() is an acquire load of accepting_, a poll for long-running
// tasks: it only needs to see the store eventually, no ordering is implied.
//
// Lock order: shutdown_mu_ -> mu_ -> idle_mu_ -> injector shard locks.
//
// Time accounting: each worker reads the steady clock and its thread CPU
// clock at park and unpark, every 1024 tasks and at exit (owner-only
// fields, published through single-writer relaxed counters).
#include "sched/executor.h"

#include <hwloc.h>
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "sched/internal/futex.h"

namespace adaptrt::sched {

using sched_internal::FutexWait;
using sched_internal::FutexWake;
using sched_internal::SlotState;
using sched_internal::TaskNode;
using sched_internal::WorkerSlot;

namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

uint64_t ThreadCpuNs() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t NextRandom(uint64_t* state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

int HardwareThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int ResolveMaxWorkers(const Options& o) {
  if (o.max_workers > 0) return o.max_workers;
  return std::max(64, 4 * HardwareThreads());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Executor>> Executor::Create(
    const Options& options) {
  if (options.num_workers < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sched::Options.num_workers: expected >= 0, got ", options.num_workers));
  }
  if (options.max_workers < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sched::Options.max_workers: expected >= 0, got ", options.max_workers));
  }
  if (options.max_blocking_workers < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sched::Options.max_blocking_workers: expected >= 0, got ",
                     options.max_blocking_workers));
  }
  if (options.spin_rounds < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sched::Options.spin_rounds: expected >= 0, got ", options.spin_rounds));
  }
  const int n =
      options.num_workers == 0 ? HardwareThreads() : options.num_workers;
  const int max = ResolveMaxWorkers(options);
  if (n > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("sched::Options.num_workers: ", n,
                     " exceeds Options.max_workers ", max));
  }
  std::unique_ptr<Executor> e(new Executor(options));
  if (options.placement != Placement::kNone) {
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) == 0) {
      if (hwloc_topology_load(topo) == 0) {
        e->topology_ = topo;
        e->cpusets_.assign(static_cast<size_t>(e->num_slots_), nullptr);
        if (options.placement == Placement::kCompact) {
          int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
          const hwloc_obj_type_t type =
              cores > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
          if (cores <= 0) cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
          for (int i = 0; i < e->num_slots_ && cores > 0; ++i) {
            hwloc_obj_t obj = hwloc_get_obj_by_type(
                topo, type, static_cast<unsigned>(i % cores));
            if (obj != nullptr && obj->cpuset != nullptr) {
              e->cpusets_[static_cast<size_t>(i)] =
                  hwloc_bitmap_dup(obj->cpuset);
            }
          }
        } else {
          hwloc_obj_t root = hwloc_get_root_obj(topo);
          std::vector<hwloc_cpuset_t> sets(static_cast<size_t>(e->num_slots_),
                                           nullptr);
          if (hwloc_distrib(topo, &root, 1, sets.data(),
                            static_cast<unsigned>(e->num_slots_), INT_MAX,
                            0) == 0) {
            for (size_t i = 0; i < sets.size(); ++i) e->cpusets_[i] = sets[i];
          }
        }
        for (hwloc_bitmap_s* set : e->cpusets_) {
          if (set != nullptr) hwloc_bitmap_singlify(set);
        }
      } else {
        hwloc_topology_destroy(topo);
      }
    }
  }
  {
    std::unique_lock<std::mutex> lock(e->mu_);
    for (int i = 0; i < n; ++i) {
      int slot;
      absl::Status s = e->StartWorkerLocked(false, &slot, lock);
      if (!s.ok()) return s;  // the destructor joins what started
    }
    e->target_workers_.store(n, std::memory_order_relaxed);
  }
  return e;
}

Executor::Executor(const Options& options)
    : options_(options),
      max_workers_(ResolveMaxWorkers(options)),
      num_slots_(2 * (ResolveMaxWorkers(options) +
                      options.max_blocking_workers)) {
  slots_.reserve(static_cast<size_t>(num_slots_));
  for (int i = 0; i < num_slots_; ++i) {
    slots_.push_back(std::make_unique<WorkerSlot>(i));
  }
  idle_list_.reserve(static_cast<size_t>(num_slots_));
}

Executor::~Executor() {
  (void)Shutdown(ShutdownMode::kDrain);
  for (hwloc_bitmap_s* set : cpusets_) {
    if (set != nullptr) hwloc_bitmap_free(set);
  }
  if (topology_ != nullptr) hwloc_topology_destroy(topology_);
}

absl::Status Executor::ShutdownError(const char* what) {
  return absl::FailedPreconditionError(
      absl::StrCat("sched::Executor::", what, ": executor is shut down"));
}

uint32_t Executor::ShardHint(sched_internal::ThreadContext& ctx) {
  if (ctx.shard_hint == 0) {
    static std::atomic<uint32_t> next{0};
    ctx.shard_hint = next.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  return ctx.shard_hint;
}

// ----------------------------------------------------------------------------
// Control side.

absl::Status Executor::StartWorkerLocked(bool temporary, int* slot_index,
                                         std::unique_lock<std::mutex>& lock) {
  WorkerSlot* slot = nullptr;
  for (;;) {
    ReapLocked();
    for (auto& s : slots_) {
      if (s->state == SlotState::kFree) {
        slot = s.get();
        break;
      }
    }
    if (slot != nullptr) break;
    exit_cv_.wait(lock);  // every slot busy or draining: wait for an exit
    if (shut_down_) return ShutdownError("Resize");
  }
  slot->temporary = temporary;
  slot->retire.store(false, std::memory_order_relaxed);
  slot->state = SlotState::kActive;
  if (slot->index + 1 > slots_in_use_.load(std::memory_order_relaxed)) {
    slots_in_use_.store(slot->index + 1, std::memory_order_release);
  }
  try {
    slot->thread = std::thread([this, slot] { WorkerMain(slot); });
  } catch (const std::system_error& e) {
    slot->state = SlotState::kFree;
    return absl::InternalError(
        absl::StrCat("sched::Executor: cannot start a worker: ", e.what()));
  }
  if (temporary) ++temporary_workers_;
  *slot_index = slot->index;
  return absl::OkStatus();
}

void Executor::ReapLocked() {
  for (auto& s : slots_) {
    if (s->state == SlotState::kExited) {
      if (s->thread.joinable()) s->thread.join();  // it is past its last step
      s->state = SlotState::kFree;
    }
  }
}

absl::Status Executor::Resize(int n) {
  if (n < 1 || n > max_workers_) {
    return absl::InvalidArgumentError(
        absl::StrCat("sched::Executor::Resize: expected 1..", max_workers_,
                     " workers, got ", n));
  }
  std::vector<WorkerSlot*> to_wake;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (shut_down_) return ShutdownError("Resize");
    std::vector<WorkerSlot*> live, retiring;
    for (auto& s : slots_) {
      if (s->state != SlotState::kActive || s->temporary) continue;
      if (s->retire.load(std::memory_order_relaxed)) {
        retiring.push_back(s.get());
      } else {
        live.push_back(s.get());
      }
    }
    int cur = static_cast<int>(live.size());
    if (n > cur) {
      int need = n - cur;
      for (WorkerSlot* s : retiring) {  // not committed yet: keep the thread
        if (need == 0) break;
        s->retire.store(false, std::memory_order_relaxed);
        --need;
      }
      for (; need > 0; --need) {
        int slot;
        absl::Status st = StartWorkerLocked(false, &slot, lock);
        if (!st.ok()) return st;
        if (shut_down_) return ShutdownError("Resize");
      }
    } else if (n < cur) {
      // Retire the highest slots: keeps slots_in_use_ low for thieves.
      for (int k = cur - 1; k >= n; --k) {
        live[static_cast<size_t>(k)]->retire.store(true,
                                                   std::memory_order_seq_cst);
        to_wake.push_back(live[static_cast<size_t>(k)]);
      }
    }
    target_workers_.store(n, std::memory_order_relaxed);
  }
  for (WorkerSlot* s : to_wake) WakeSlot(s);
  return absl::OkStatus();
}

int Executor::BeginBlocking() {
  std::unique_lock<std::mutex> lock(mu_);
  if (shut_down_ || options_.max_blocking_workers == 0 ||
      temporary_workers_ >= options_.max_blocking_workers) {
    return -1;
  }
  // A parked worker can already take the queued work (ForkJoinPool first
  // reactivates an idle worker before adding a spare).
  if (idle_count_.load(std::memory_order_seq_cst) > 0) return -1;
  int slot;
  if (!StartWorkerLocked(true, &slot, lock).ok()) return -1;
  return slot;
}

void Executor::EndBlocking(int slot_index) {
  WorkerSlot* s = slots_[static_cast<size_t>(slot_index)].get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (s->state != SlotState::kActive || !s->temporary) return;
    s->retire.store(true, std::memory_order_seq_cst);
  }
  WakeSlot(s);
}

BlockingScope::BlockingScope()
    : executor_(sched_internal::tls_context.executor) {
  if (executor_ != nullptr) slot_ = executor_->BeginBlocking();
}

BlockingScope::~BlockingScope() {
  if (executor_ != nullptr && slot_ >= 0) executor_->EndBlocking(slot_);
}

absl::Status Executor::Shutdown(ShutdownMode mode) {
  if (InWorker()) {
    return absl::FailedPreconditionError(
        "sched::Executor::Shutdown: called from one of its own workers");
  }
  std::lock_guard<std::mutex> shutdown_lock(shutdown_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return absl::OkStatus();
  }
  accepting_.store(false, std::memory_order_seq_cst);
  while (submitters_.load(std::memory_order_seq_cst) != 0) {
    std::this_thread::yield();
  }
  std::vector<std::thread> threads;
  {
    std::unique_lock<std::mutex> lock(mu_);
    exit_cv_.wait(lock, [this] {
      for (auto& s : slots_) {
        if (s->state == SlotState::kDraining) return false;
      }
      return true;
    });
    if (mode == ShutdownMode::kCancel) {
      cancelling_.store(true, std::memory_order_seq_cst);
    }
    stopping_.store(true, std::memory_order_seq_cst);
    shut_down_ = true;
    for (auto& s : slots_) {
      if (s->thread.joinable()) threads.push_back(std::move(s->thread));
    }
  }
  WakeAll();
  for (std::thread& t : threads) t.join();
  // Every worker has exited (joined: we own all deques now).
  for (;;) {
    TaskNode* task = injector_.Pop(0);
    for (size_t i = 0; task == nullptr && i < slots_.size(); ++i) {
      task = slots_[i]->deque.Pop();
    }
    if (task == nullptr) break;
    if (mode == ShutdownMode::kCancel) {
      sched_internal::CancelTask(task);
    } else {
      sched_internal::RunTask(task);
      external_tasks_run_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return absl::OkStatus();
}

// ----------------------------------------------------------------------------
// Waking.

void Executor::WakeOne() {
  WorkerSlot* s;
  {
    std::lock_guard<std::mutex> lock(idle_mu_);
    if (idle_list_.empty()) return;
    s = idle_list_.back();
    idle_list_.pop_back();
    s->in_idle_list = false;
    idle_count_.fetch_sub(1, std::memory_order_seq_cst);
    searching_.fetch_add(1, std::memory_order_seq_cst);
    s->wake_word.store(WorkerSlot::kWakeToken, std::memory_order_release);
  }
  FutexWake(&s->wake_word, 1);  // slots outlive every wake
}

void Executor::WakeSlot(WorkerSlot* s) {
  {
    std::lock_guard<std::mutex> lock(idle_mu_);
    if (!s->in_idle_list) return;  // running or searching: it sees its flag
    idle_list_.erase(std::find(idle_list_.begin(), idle_list_.end(), s));
    s->in_idle_list = false;
    idle_count_.fetch_sub(1, std::memory_order_seq_cst);
    s->wake_word.store(WorkerSlot::kWakePlain, std::memory_order_release);
  }
  FutexWake(&s->wake_word, 1);
}

void Executor::WakeAll() {
  std::vector<WorkerSlot*> woken;
  {
    std::lock_guard<std::mutex> lock(idle_mu_);
    woken.swap(idle_list_);
    for (WorkerSlot* s : woken) {
      s->in_idle_list = false;
      s->wake_word.store(WorkerSlot::kWakePlain, std::memory_order_release);
    }
    idle_count_.fetch_sub(static_cast<int>(woken.size()),
                          std::memory_order_seq_cst);
    idle_list_.reserve(static_cast<size_t>(num_slots_));
  }
  for (WorkerSlot* s : woken) FutexWake(&s->wake_word, 1);
}

void Executor::StopSearching() {
  if (searching_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      idle_count_.load(std::memory_order_seq_cst) > 0) {
    WakeOne();  // the last searcher found work: more may be queued
  }
}

// ----------------------------------------------------------------------------
// Worker side.

bool Executor::HasWork() const {
  if (!injector_.Empty()) return true;
  const int n = slots_in_use_.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    if (!slots_[static_cast<size_t>(i)]->deque.Empty()) return true;
  }
  return false;
}

TaskNode* Executor::StealSweep(WorkerSlot* self, uint64_t* rng) {
  const int n = slots_in_use_.load(std::memory_order_acquire);
  if (n > 0) {
    const int start = static_cast<int>(NextRandom(rng) % static_cast<uint64_t>(n));
    for (int i = 0; i < n; ++i) {
      WorkerSlot* victim = slots_[static_cast<size_t>((start + i) % n)].get();
      if (victim == self) continue;
      if (TaskNode* t = victim->deque.Steal()) {
        if (self != nullptr) self->counters.steals.Add(1);
        return t;
      }
    }
  }
  if (TaskNode* t = injector_.Pop(static_cast<uint32_t>(*rng))) {
    if (self != nullptr) self->counters.steals.Add(1);
    return t;
  }
  if (self != nullptr) self->counters.failed_steals.Add(1);
  return nullptr;
}

TaskNode* Executor::FindTaskForHelper() {
  sched_internal::ThreadContext& ctx = sched_internal::tls_context;
  if (ctx.executor == this) {
    if (TaskNode* t = ctx.slot->deque.Pop()) return t;
    if (sched_internal::tls_help_depth >= sched_internal::kMaxWorkerHelpDepth) {
      return nullptr;
    }
    return StealSweep(ctx.slot, &ctx.slot->rng);
  }
  if (sched_internal::tls_help_depth >= sched_internal::kMaxExternalHelpDepth) {
    return nullptr;
  }
  thread_local uint64_t rng = 0;
  if (rng == 0) rng = (static_cast<uint64_t>(ShardHint(ctx)) << 32) | 0x9e37u;
  return StealSweep(nullptr, &rng);
}

void Executor::RunHelped(TaskNode* task) {
  sched_internal::ThreadContext& ctx = sched_internal::tls_context;
  if (ctx.executor == this) {
    Execute(ctx.slot, task);
  } else {
    sched_internal::RunTask(task);
    external_tasks_run_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Executor::ReportUnhandled(std::exception_ptr e) {
  unhandled_exceptions_.fetch_add(1, std::memory_order_relaxed);
  if (options_.on_unhandled_exception) {
    try {
      options_.on_unhandled_exception(std::move(e));
    } catch (...) {
    }
  }
}

void Executor::FlushTime(WorkerSlot* slot, bool parked_interval) {
  const uint64_t now = NowNs();
  const uint64_t cpu = ThreadCpuNs();
  const uint64_t wall = now - slot->period_start_ns;
  if (parked_interval) {
    slot->counters.idle_ns.Add(wall);
  } else {
    slot->counters.busy_ns.Add(wall);
  }
  slot->counters.busy_cpu_ns.Add(cpu - slot->period_start_cpu);
  slot->period_start_ns = now;
  slot->period_start_cpu = cpu;
}

void Executor::Execute(WorkerSlot* slot, TaskNode* task) {
  if (options_.measure_task_time) {
    const uint64_t w0 = NowNs();
    const uint64_t c0 = ThreadCpuNs();
    sched_internal::RunTask(task);
    slot->counters.task_cpu_ns.Add(ThreadCpuNs() - c0);
    slot->counters.task_wall_ns.Add(NowNs() - w0);
  } else {
    sched_internal::RunTask(task);
  }
  slot->counters.tasks_run.Add(1);
  if ((slot->counters.tasks_run.Get() & 1023) == 0) FlushTime(slot, false);
}

bool Executor::MustExit(const WorkerSlot* slot) const {
  return slot->retire.load(std::memory_order_seq_cst) ||
         cancelling_.load(std::memory_order_seq_cst) ||
         stopping_.load(std::memory_order_seq_cst);
}

bool Executor::Park(WorkerSlot* slot, bool* searching) {
  {
    std::lock_guard<std::mutex> lock(idle_mu_);
    slot->wake_word.store(0, std::memory_order_relaxed);
    slot->in_idle_list = true;
    idle_list_.push_back(slot);
    idle_count_.fetch_add(1, std::memory_order_seq_cst);
  }
  if (*searching) {
    *searching = false;
    searching_.fetch_sub(1, std::memory_order_seq_cst);
  }
  if (HasWork() || MustExit(slot)) {
    {
      std::lock_guard<std::mutex> lock(idle_mu_);
      if (slot->in_idle_list) {
        idle_list_.erase(
            std::find(idle_list_.begin(), idle_list_.end(), slot));
        slot->in_idle_list = false;
        idle_count_.fetch_sub(1, std::memory_order_seq_cst);
        return false;
      }
    }
    // A waker removed us first (it wrote wake_word under idle_mu_).
    if (slot->wake_word.load(std::memory_order_acquire) ==
        WorkerSlot::kWakeToken) {
      *searching = true;
    }
    return false;
  }
  FlushTime(slot, false);
  slot->counters.parks.Add(1);
  uint32_t w;
  while ((w = slot->wake_word.load(std::memory_order_acquire)) == 0) {
    FutexWait(&slot->wake_word, 0);
  }
  FlushTime(slot, true);
  if (w == WorkerSlot::kWakeToken) *searching = true;
  return true;
}

TaskNode* Executor::Idle(WorkerSlot* slot, bool* searching, bool* exit) {
  if (!*searching) {
    const int in_use = slots_in_use_.load(std::memory_order_relaxed);
    if (2 * searching_.load(std::memory_order_relaxed) < std::max(2, in_use)) {
      searching_.fetch_add(1, std::memory_order_seq_cst);
      *searching = true;
    }
  }
  const int rounds = *searching ? options_.spin_rounds : 0;
  for (int r = 0; r <= rounds; ++r) {
    if (TaskNode* t = StealSweep(slot, &slot->rng)) {
      if (*searching) {
        *searching = false;
        StopSearching();
      }
      return t;
    }
    if (slot->retire.load(std::memory_order_relaxed) ||
        cancelling_.load(std::memory_order_relaxed)) {
      return nullptr;  // the loop top handles it
    }
    if (stopping_.load(std::memory_order_seq_cst) && !HasWork()) {
      *exit = true;
      return nullptr;
    }
    if (r < rounds / 2) {
      for (int k = 0; k < 32; ++k) sched_internal::CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
  Park(slot, searching);
  return nullptr;
}

bool Executor::CommitRetire(WorkerSlot* slot) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!slot->retire.load(std::memory_order_relaxed)) return false;  // regrown
  if (shut_down_) {  // Shutdown took over: run until the pool stops
    slot->retire.store(false, std::memory_order_relaxed);
    return false;
  }
  slot->state = SlotState::kDraining;
  return true;
}

void Executor::ExitWorker(WorkerSlot* slot, bool searching) {
  bool handed_over = false;
  while (TaskNode* t = slot->deque.Pop()) {
    injector_.Push(t, static_cast<uint32_t>(slot->index));
    handed_over = true;
  }
  if (searching) StopSearching();
  if (handed_over) NotifyWork();
  FlushTime(slot, false);
  sched_internal::tls_context = sched_internal::ThreadContext();
  std::lock_guard<std::mutex> lock(mu_);
  slot->state = SlotState::kExited;
  if (slot->temporary) --temporary_workers_;
  exit_cv_.notify_all();
}

void Executor::StartHook(WorkerSlot* slot) {
  std::string name = absl::StrCat(options_.thread_name_prefix, slot->index);
  if (name.size() > 15) name.resize(15);
  pthread_setname_np(pthread_self(), name.c_str());
  if (topology_ != nullptr) {
    hwloc_bitmap_s* set = cpusets_[static_cast<size_t>(slot->index)];
    if (set != nullptr) hwloc_set_cpubind(topology_, set, HWLOC_CPUBIND_THREAD);
  }
  if (options_.on_worker_start) options_.on_worker_start(slot->index);
}

void Executor::WorkerMain(WorkerSlot* slot) {
  sched_internal::ThreadContext& ctx = sched_internal::tls_context;
  ctx.executor = this;
  ctx.slot = slot;
  ctx.shard_hint = static_cast<uint32_t>(slot->index) + 1;
  slot->rng = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(slot->index + 1) ^
              NowNs();
  if (slot->rng == 0) slot->rng = 1;
  slot->period_start_ns = NowNs();
  slot->period_start_cpu = ThreadCpuNs();
  StartHook(slot);
  bool searching = false;
  for (;;) {
    if (slot->retire.load(std::memory_order_relaxed) && CommitRetire(slot)) {
      break;
    }
    if (cancelling_.load(std::memory_order_relaxed)) break;
    TaskNode* task = slot->deque.Pop();
    if (task == nullptr) {
      bool exit = false;
      task = Idle(slot, &searching, &exit);
      if (exit) break;
      if (task == nullptr) continue;
    }
    Execute(slot, task);
  }
  ExitWorker(slot, searching);
}

// ----------------------------------------------------------------------------
// Statistics.

ExecutorStats Executor::Stats() const {
  ExecutorStats out;
  out.worker_count = worker_count();
  std::lock_guard<std::mutex> lock(mu_);
  out.temporary_workers = temporary_workers_;
  const int n = slots_in_use_.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    const WorkerSlot& s = *slots_[static_cast<size_t>(i)];
    WorkerStats w;
    w.slot = i;
    w.active = s.state == SlotState::kActive || s.state == SlotState::kDraining;
    w.temporary = s.temporary;
    w.tasks_run = s.counters.tasks_run.Get();
    w.steals = s.counters.steals.Get();
    w.failed_steals = s.counters.failed_steals.Get();
    w.parks = s.counters.parks.Get();
    w.busy_ns = s.counters.busy_ns.Get();
    w.idle_ns = s.counters.idle_ns.Get();
    w.busy_cpu_ns = s.counters.busy_cpu_ns.Get();
    w.task_wall_ns = s.counters.task_wall_ns.Get();
    w.task_cpu_ns = s.counters.task_cpu_ns.Get();
    out.total.tasks_run += w.tasks_run;
    out.total.steals += w.steals;
    out.total.failed_steals += w.failed_steals;
    out.total.parks += w.parks;
    out.total.busy_ns += w.busy_ns;
    out.total.idle_ns += w.idle_ns;
    out.total.busy_cpu_ns += w.busy_cpu_ns;
    out.total.task_wall_ns += w.task_wall_ns;
    out.total.task_cpu_ns += w.task_cpu_ns;
    out.workers.push_back(w);
  }
  out.external_tasks_run = external_tasks_run_.load(std::memory_order_relaxed);
  out.unhandled_exceptions =
      unhandled_exceptions_.load(std::memory_order_relaxed);
  out.queued_injector = injector_.SizeApprox();
  return out;
}

}  // namespace adaptrt::sched
