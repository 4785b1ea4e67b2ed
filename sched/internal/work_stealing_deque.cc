// work_stealing_deque.cc: growth of the Chase–Lev deque, and the design notes.
//
// Design
// ------
// Indices top_ <= bottom_ grow without bound (int64_t never wraps in
// practice); the live tasks are [top_, bottom_) in a circular array of
// power-of-two size. The owner pushes and pops at bottom_, thieves take at
// top_ with a CAS, so every pushed task is returned by exactly one Pop or
// Steal: the only element both sides can reach is the last one (top == bottom
// - 1), and for it both the owner and the thieves CAS top_.
//
// Memory ordering (Lê, Pop, Cohen, Zappa Nardelli, "Correct and Efficient
// Work-Stealing for Weak Memory Models", PPoPP'13, Fig. 1), with each fence
// expressed as seq_cst accesses on the atomics themselves because gcc's TSan
// does not model std::atomic_thread_fence (-Wtsan):
//   push:  load bottom (relaxed), load top (acquire), put (relaxed),
//          [release fence + relaxed store of bottom] -> seq_cst store of
//          bottom. It publishes the task's contents to any thread that reads
//          bottom with acquire (or seq_cst) semantics, and, being seq_cst, it
//          precedes in the single total order S the push's caller's seq_cst
//          load of the executor's searcher/sleeper counts (executor.cc).
//   pop:   [relaxed store of bottom; seq_cst fence; relaxed load of top] ->
//          seq_cst store of bottom, seq_cst load of top. Store->load order is
//          what the paper's fence buys: if the owner reads a top older than a
//          thief's successful CAS, then the owner's bottom store precedes that
//          CAS in S, so any later thief reads the decremented bottom and sees
//          the deque empty instead of taking the element the owner took.
//          The CAS on top for the last element is seq_cst as in the paper.
//   steal: [load top (acquire); seq_cst fence; load bottom (acquire)] ->
//          seq_cst load of top, seq_cst load of bottom (the dual of pop's
//          pair), array load (acquire: pairs with Grow's release store so a
//          thief that saw a bottom published after a grow reads the new
//          array), element load (relaxed; the value is only used if the
//          seq_cst CAS on top succeeds, which proves the slot was not reused).
// On x86 this compiles to the same code as the fenced version (xchg for the
// seq_cst store instead of mov+mfence); on ARMv8 seq_cst loads are ldar.
//
// Growth: the owner copies [top, bottom) into an array twice as large and
// publishes it with a release store. The old array stays alive in arrays_
// until the deque is destroyed, because a thief may have loaded its pointer
// and be about to read one slot from it (the values it reads there are the
// same as in the new array for every index it can win by CAS).
#include "sched/internal/work_stealing_deque.h"

#include <cassert>

namespace adaptrt::sched_internal {

WorkStealingDeque::WorkStealingDeque(int64_t initial_capacity) {
  assert(initial_capacity >= 2 &&
         (initial_capacity & (initial_capacity - 1)) == 0);
  arrays_.push_back(std::make_unique<Array>(initial_capacity));
  array_.store(arrays_.back().get(), std::memory_order_relaxed);
}

WorkStealingDeque::~WorkStealingDeque() = default;

WorkStealingDeque::Array* WorkStealingDeque::Grow(Array* old, int64_t top,
                                                  int64_t bottom) {
  auto bigger = std::make_unique<Array>(2 * (old->mask + 1));
  for (int64_t i = top; i < bottom; ++i) bigger->Put(i, old->Get(i));
  Array* a = bigger.get();
  arrays_.push_back(std::move(bigger));
  array_.store(a, std::memory_order_release);
  return a;
}

}  // namespace adaptrt::sched_internal
