// Tests of the Chase–Lev deque: sequential semantics, growth, and the
// owner/thief races (every pushed task is taken exactly once).
#include "sched/internal/work_stealing_deque.h"

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::sched_internal {
namespace {

constexpr int kScale = adaptrt::testing::SanitizerScaled(1, 10);

// Tasks are identified by their address in a vector of nodes.
std::vector<TaskNode> MakeNodes(size_t n) { return std::vector<TaskNode>(n); }

TEST(WorkStealingDequeTest, EmptyReturnsNull) {
  WorkStealingDeque d(2);
  EXPECT_TRUE(d.Empty());
  EXPECT_EQ(d.Pop(), nullptr);
  EXPECT_EQ(d.Steal(), nullptr);
}

TEST(WorkStealingDequeTest, OwnerIsLifoThiefIsFifo) {
  auto nodes = MakeNodes(4);
  WorkStealingDeque d(4);
  for (auto& n : nodes) d.Push(&n);
  EXPECT_EQ(d.SizeApprox(), 4);
  EXPECT_EQ(d.Pop(), &nodes[3]);
  EXPECT_EQ(d.Steal(), &nodes[0]);
  EXPECT_EQ(d.Pop(), &nodes[2]);
  EXPECT_EQ(d.Steal(), &nodes[1]);
  EXPECT_TRUE(d.Empty());
  EXPECT_EQ(d.Pop(), nullptr);
}

TEST(WorkStealingDequeTest, GrowsAndKeepsOrder) {
  auto nodes = MakeNodes(1000);
  WorkStealingDeque d(2);
  // Interleave steals so top moves and growth copies a wrapped window.
  size_t stolen = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    d.Push(&nodes[i]);
    if (i % 3 == 0) {
      EXPECT_EQ(d.Steal(), &nodes[stolen]);
      ++stolen;
    }
  }
  EXPECT_GE(d.capacity(), static_cast<int64_t>(nodes.size() - stolen));
  for (size_t i = nodes.size(); i-- > stolen;) EXPECT_EQ(d.Pop(), &nodes[i]);
  EXPECT_EQ(d.Pop(), nullptr);
}

// The owner pushes and pops while thieves steal; every node is taken once.
void RunRace(int thieves, int64_t initial_capacity, int items) {
  auto nodes = MakeNodes(static_cast<size_t>(items));
  std::vector<std::atomic<int>> taken(nodes.size());
  WorkStealingDeque d(initial_capacity);
  std::atomic<bool> done{false};
  auto record = [&](TaskNode* t) {
    taken[static_cast<size_t>(t - nodes.data())].fetch_add(
        1, std::memory_order_relaxed);
  };
  std::vector<std::thread> ts;
  for (int k = 0; k < thieves; ++k) {
    ts.emplace_back([&] {
      while (!done.load(std::memory_order_acquire) || !d.Empty()) {
        if (TaskNode* t = d.Steal()) record(t);
      }
    });
  }
  uint64_t rng = 88172645463325252ull;
  for (int i = 0; i < items; ++i) {
    d.Push(&nodes[static_cast<size_t>(i)]);
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    if (rng % 3 == 0) {  // pop a few: exercises the last-element CAS race
      for (int p = 0; p < static_cast<int>(rng % 4); ++p) {
        if (TaskNode* t = d.Pop()) record(t);
      }
    }
  }
  while (TaskNode* t = d.Pop()) record(t);
  done.store(true, std::memory_order_release);
  for (auto& t : ts) t.join();
  for (size_t i = 0; i < taken.size(); ++i) {
    ASSERT_EQ(taken[i].load(), 1) << "node " << i;
  }
}

TEST(WorkStealingDequeTest, OwnerAndOneThiefTakeEachOnce) {
  RunRace(1, 2, 200000 / kScale);
}

TEST(WorkStealingDequeTest, OwnerAndThreeThievesTakeEachOnceWhileGrowing) {
  RunRace(3, 2, 200000 / kScale);
}

TEST(WorkStealingDequeTest, LastElementRace) {
  // One element at a time: owner Pop and thief Steal race on top every time.
  constexpr int kRounds = 100000 / kScale;
  auto nodes = MakeNodes(kRounds);
  std::vector<std::atomic<int>> taken(nodes.size());
  WorkStealingDeque d(2);
  std::atomic<bool> done{false};
  std::thread thief([&] {
    while (!done.load(std::memory_order_acquire)) {
      if (TaskNode* t = d.Steal()) taken[t - nodes.data()].fetch_add(1);
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    d.Push(&nodes[static_cast<size_t>(i)]);
    if (TaskNode* t = d.Pop()) taken[t - nodes.data()].fetch_add(1);
  }
  done.store(true, std::memory_order_release);
  thief.join();
  while (TaskNode* t = d.Pop()) taken[t - nodes.data()].fetch_add(1);
  for (size_t i = 0; i < taken.size(); ++i) ASSERT_EQ(taken[i].load(), 1);
}

}  // namespace
}  // namespace adaptrt::sched_internal
