// Tests of TaskGroup (nested fork/join, exceptions, waiting from workers and
// from outside) and of ParallelFor / ParallelReduce.
#include "sched/task_group.h"

#include <atomic>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "gtest/gtest.h"
#include "sched/executor.h"
#include "sched/parallel_for.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::sched {
namespace {

constexpr int kFibN = adaptrt::testing::SanitizerScaled(25, 18);

std::unique_ptr<Executor> MakeExecutor(int workers) {
  Options o;
  o.num_workers = workers;
  auto e = Executor::Create(o);
  EXPECT_TRUE(e.ok()) << e.status();
  return *std::move(e);
}

int64_t SerialFib(int n) { return n < 2 ? n : SerialFib(n - 1) + SerialFib(n - 2); }

int64_t Fib(Executor& e, int n) {
  if (n < 2) return n;
  int64_t x = 0;
  TaskGroup g(e);
  g.Run([&] { x = Fib(e, n - 1); });
  const int64_t y = Fib(e, n - 2);
  g.Wait();
  return x + y;
}

class TaskGroupTest : public ::testing::TestWithParam<int> {};

TEST_P(TaskGroupTest, NestedFibFromOutside) {
  auto e = MakeExecutor(GetParam());
  EXPECT_EQ(Fib(*e, kFibN), SerialFib(kFibN));
}

TEST_P(TaskGroupTest, NestedFibInsideWorker) {
  auto e = MakeExecutor(GetParam());
  auto f = e->Submit([&] { return Fib(*e, kFibN); });
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->get(), SerialFib(kFibN));
}

TEST_P(TaskGroupTest, ExceptionsPropagateThroughNestedGroups) {
  auto e = MakeExecutor(GetParam());
  std::atomic<int> ran{0};
  TaskGroup outer(*e);
  for (int i = 0; i < 16; ++i) {
    outer.Run([&, i] {
      TaskGroup inner(*e);
      for (int k = 0; k < 16; ++k) {
        inner.Run([&, i, k] {
          ran.fetch_add(1);
          if (i == 7 && k == 3) throw std::out_of_range("leaf 7/3");
        });
      }
      inner.Wait();  // rethrows into the outer task
    });
  }
  EXPECT_THROW(outer.Wait(), std::out_of_range);
  EXPECT_EQ(ran.load(), 256);  // the others still ran
  // The group is reusable after an exception.
  outer.Run([&] { ran.fetch_add(1); });
  outer.Wait();
  EXPECT_EQ(ran.load(), 257);
}

TEST_P(TaskGroupTest, ParallelForVisitsEachIndexOnce) {
  auto e = MakeExecutor(GetParam());
  std::vector<std::atomic<int>> hits(100003);
  ParallelFor(*e, 0, static_cast<int>(hits.size()), 0,
              [&](int i) { hits[static_cast<size_t>(i)].fetch_add(1); });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  // Range form, grain 1, nested inside a task.
  std::vector<std::atomic<int>> hits2(1000);
  auto f = e->Submit([&] {
    ParallelFor(*e, int64_t{0}, int64_t{1000}, int64_t{1},
                [&](int64_t lo, int64_t hi) {
                  for (int64_t i = lo; i < hi; ++i) hits2[static_cast<size_t>(i)].fetch_add(1);
                });
  });
  ASSERT_TRUE(f.ok());
  f->get();
  for (auto& h : hits2) ASSERT_EQ(h.load(), 1);
}

TEST_P(TaskGroupTest, ParallelReduceSums) {
  auto e = MakeExecutor(GetParam());
  std::vector<double> v(1 << 18);
  std::iota(v.begin(), v.end(), 0.0);
  const double sum = ParallelReduce(
      *e, size_t{0}, v.size(), size_t{1024}, 0.0,
      [&](size_t lo, size_t hi) {
        double s = 0;
        for (size_t i = lo; i < hi; ++i) s += v[i];
        return s;
      },
      [](double a, double b) { return a + b; });
  const double n = static_cast<double>(v.size());
  EXPECT_DOUBLE_EQ(sum, n * (n - 1) / 2);
  EXPECT_EQ(ParallelReduce(
                *e, 5, 5, 1, 42, [](int, int) { return 0; },
                [](int a, int b) { return a + b; }),
            42);
}

TEST_P(TaskGroupTest, ParallelForRethrows) {
  auto e = MakeExecutor(GetParam());
  EXPECT_THROW(ParallelFor(*e, 0, 1000, 10,
                           [](int i) {
                             if (i == 500) throw std::runtime_error("i=500");
                           }),
               std::runtime_error);
}

TEST_P(TaskGroupTest, BatchedReservationsAreReturned) {
  // The creating thread reserves pending counts in batches; Wait must return
  // the unused ones (exercised with odd counts, reuse, and Runs made by the
  // group's own tasks on other threads and on the waiting thread).
  auto e = MakeExecutor(GetParam());
  std::atomic<int> ran{0};
  TaskGroup g(*e);
  for (int round = 1; round <= 5; ++round) {
    const int n = round * 37;
    for (int i = 0; i < n; ++i) {
      g.Run([&, i] {
        ran.fetch_add(1);
        if (i % 10 == 0) g.Run([&] { ran.fetch_add(1); });
      });
    }
    g.Wait();
    EXPECT_EQ(ran.load(), n + (n + 9) / 10);
    ran.store(0);
  }
}

INSTANTIATE_TEST_SUITE_P(Workers, TaskGroupTest, ::testing::Values(1, 2, 4));

TEST(TaskGroupRunAfterShutdownTest, RunsInline) {
  auto e = MakeExecutor(1);
  ASSERT_TRUE(e->Shutdown().ok());
  TaskGroup g(*e);
  int x = 0;
  g.Run([&] { x = 5; });
  g.Wait();
  EXPECT_EQ(x, 5);
}

}  // namespace
}  // namespace adaptrt::sched
