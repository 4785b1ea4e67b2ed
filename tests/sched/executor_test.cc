// Tests of sched::Executor: submission, futures and exceptions, shutdown in
// both modes, errors, statistics, parking (no CPU when idle), BlockingScope,
// Resize basics and the ThreadPool adapter.
#include "sched/executor.h"

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sched/task_group.h"
#include "sched/thread_pool.h"

namespace adaptrt::sched {
namespace {

using std::chrono::milliseconds;

std::unique_ptr<Executor> MakeExecutor(int workers, Options o = Options()) {
  o.num_workers = workers;
  auto e = Executor::Create(o);
  EXPECT_TRUE(e.ok()) << e.status();
  return *std::move(e);
}

void WaitUntil(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!cond()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "timed out";
    std::this_thread::sleep_for(milliseconds(1));
  }
}

TEST(ExecutorTest, CreateRejectsBadOptions) {
  Options o;
  o.num_workers = -1;
  auto e = Executor::Create(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("num_workers"), std::string::npos);
  o.num_workers = 9;
  o.max_workers = 8;
  e = Executor::Create(o);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("max_workers"), std::string::npos);
}

TEST(ExecutorTest, SubmitReturnsValues) {
  auto e = MakeExecutor(2);
  std::vector<std::future<int>> fs;
  for (int i = 0; i < 100; ++i) {
    auto f = e->Submit([i] { return i * i; });
    ASSERT_TRUE(f.ok());
    fs.push_back(*std::move(f));
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(fs[static_cast<size_t>(i)].get(), i * i);
  auto v = e->Submit([] {});
  ASSERT_TRUE(v.ok());
  v->get();
}

TEST(ExecutorTest, FutureRethrowsTaskException) {
  auto e = MakeExecutor(2);
  auto f = e->Submit([]() -> int { throw std::logic_error("boom"); });
  ASSERT_TRUE(f.ok());
  // Only the type is checked: reading what() here would race, in TSan's
  // eyes, with the worker dropping its reference to the exception, whose
  // reference count lives in uninstrumented libstdc++ (a false positive).
  EXPECT_THROW(f->get(), std::logic_error);
}

TEST(ExecutorTest, LargeCallablesAreBoxed) {
  auto e = MakeExecutor(2);
  std::array<int64_t, 32> big{};
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<int64_t>(i);
  auto f = e->Submit([big] {
    int64_t s = 0;
    for (int64_t v : big) s += v;
    return s;
  });
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->get(), 31 * 32 / 2);
}

TEST(ExecutorTest, SpawnRunsAndReportsExceptions) {
  std::atomic<int> handled{0};
  Options o;
  o.on_unhandled_exception = [&](std::exception_ptr) { handled.fetch_add(1); };
  auto e = MakeExecutor(2, o);
  std::atomic<int> ran{0};
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(e->Spawn([&] { ran.fetch_add(1); }).ok());
  }
  ASSERT_TRUE(e->Spawn([] { throw std::runtime_error("x"); }).ok());
  WaitUntil([&] { return ran.load() == 1000 && handled.load() == 1; });
  EXPECT_EQ(e->Stats().unhandled_exceptions, 1u);
}

TEST(ExecutorTest, SubmitAfterShutdownIsAnError) {
  auto e = MakeExecutor(1);
  ASSERT_TRUE(e->Shutdown().ok());
  auto f = e->Submit([] { return 1; });
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(f.status().message().find("shut down"), std::string::npos);
  EXPECT_EQ(e->Spawn([] {}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(e->Resize(2).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(e->Shutdown().ok());  // idempotent
}

// One worker is held by a blocker while 100 tasks queue behind it.
struct QueuedFixture {
  std::unique_ptr<Executor> e = MakeExecutor(1);
  std::atomic<bool> release{false};
  std::atomic<bool> blocker_running{false};
  std::atomic<int> ran{0};
  std::vector<std::future<int>> futures;

  void Queue() {
    auto b = e->Spawn([this] {
      blocker_running.store(true);
      while (!release.load()) std::this_thread::sleep_for(milliseconds(1));
    });
    ASSERT_TRUE(b.ok());
    WaitUntil([this] { return blocker_running.load(); });
    for (int i = 0; i < 100; ++i) {
      auto f = e->Submit([this, i] {
        ran.fetch_add(1);
        return i;
      });
      ASSERT_TRUE(f.ok());
      futures.push_back(*std::move(f));
    }
  }
  // Shuts down on another thread; releases the blocker once the executor
  // refuses submissions (Shutdown has started).
  void ShutdownWhileBlocked(ShutdownMode mode) {
    std::thread t([&] { ASSERT_TRUE(e->Shutdown(mode).ok()); });
    WaitUntil([&] { return !e->Spawn([] {}).ok(); });
    std::this_thread::sleep_for(milliseconds(50));
    release.store(true);
    t.join();
  }
};

TEST(ExecutorTest, ShutdownDrainRunsQueuedTasks) {
  QueuedFixture f;
  f.Queue();
  f.ShutdownWhileBlocked(ShutdownMode::kDrain);
  EXPECT_EQ(f.ran.load(), 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(f.futures[static_cast<size_t>(i)].get(), i);
}

TEST(ExecutorTest, ShutdownCancelCompletesQueuedFuturesWithError) {
  QueuedFixture f;
  f.Queue();
  f.ShutdownWhileBlocked(ShutdownMode::kCancel);
  EXPECT_EQ(f.ran.load(), 0);
  for (auto& fut : f.futures) EXPECT_THROW(fut.get(), TaskCancelledError);
}

TEST(ExecutorTest, ShutdownCancelFailsTaskGroupWait) {
  auto e = MakeExecutor(1);
  std::atomic<bool> release{false}, running{false};
  ASSERT_TRUE(e->Spawn([&] {
                 running.store(true);
                 while (!release.load()) std::this_thread::sleep_for(milliseconds(1));
               }).ok());
  WaitUntil([&] { return running.load(); });
  TaskGroup g(*e);
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) g.Run([&] { ran.fetch_add(1); });
  // Cancel on another thread (this one must not help run the group's tasks
  // before the cancel, so Wait comes after).
  std::thread t([&] { ASSERT_TRUE(e->Shutdown(ShutdownMode::kCancel).ok()); });
  WaitUntil([&] { return !e->Spawn([] {}).ok(); });
  std::this_thread::sleep_for(milliseconds(50));
  release.store(true);
  t.join();
  EXPECT_THROW(g.Wait(), TaskCancelledError);
  EXPECT_EQ(ran.load(), 0);
}

TEST(ExecutorTest, DestructorDrainsAndJoins) {
  std::atomic<int> ran{0};
  {
    auto e = MakeExecutor(2);
    for (int i = 0; i < 10000; ++i) ASSERT_TRUE(e->Spawn([&] { ran.fetch_add(1); }).ok());
  }
  EXPECT_EQ(ran.load(), 10000);
}

TEST(ExecutorTest, ShutdownFromWorkerIsRefused) {
  auto e = MakeExecutor(1);
  auto f = e->Submit([&] { return e->Shutdown().code(); });
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->get(), absl::StatusCode::kFailedPrecondition);
}

TEST(ExecutorTest, ResizeGrowsAndShrinks) {
  auto e = MakeExecutor(1);
  EXPECT_EQ(e->worker_count(), 1);
  EXPECT_EQ(e->Resize(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e->Resize(e->max_workers() + 1).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(e->Resize(4).ok());
  EXPECT_EQ(e->worker_count(), 4);
  auto active = [&] {
    int n = 0;
    for (const WorkerStats& w : e->Stats().workers) n += w.active ? 1 : 0;
    return n;
  };
  EXPECT_EQ(active(), 4);
  ASSERT_TRUE(e->Resize(2).ok());
  WaitUntil([&] { return active() == 2; });
  std::atomic<int> ran{0};
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(e->Spawn([&] { ran.fetch_add(1); }).ok());
  WaitUntil([&] { return ran.load() == 1000; });
  // Resize from inside a task.
  auto f = e->Submit([&] { return e->Resize(3).ok(); });
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->get());
  EXPECT_EQ(e->worker_count(), 3);
}

TEST(ExecutorTest, StatsCountTasksAndSteals) {
  Options o;
  o.measure_task_time = true;
  auto e = MakeExecutor(2, o);
  // Spawned from a worker, so the other worker has to steal its share.
  auto f = e->Submit([&] {
    TaskGroup g(*e);
    for (int i = 0; i < 2000; ++i) {
      g.Run([] {
        volatile int x = 0;
        for (int k = 0; k < 20000; ++k) x = x + k;
      });
    }
    g.Wait();
  });
  ASSERT_TRUE(f.ok());
  f->get();
  // Counters are bumped just after each task returns: wait for the last two.
  WaitUntil([&] {
    const ExecutorStats s = e->Stats();
    return s.total.tasks_run + s.external_tasks_run == 2001u;
  });
  ExecutorStats s = e->Stats();
  EXPECT_GT(s.total.steals, 0u);  // the Submit itself came from the injector
  EXPECT_GT(s.total.task_wall_ns, 0u);
  EXPECT_GT(s.total.task_cpu_ns, 0u);
  EXPECT_EQ(s.worker_count, 2);
}

// Thread CPU clocks of the workers, captured by the start hook.
struct WorkerClocks {
  std::mutex mu;
  std::vector<clockid_t> clocks;
  uint64_t TotalNs() {
    std::lock_guard<std::mutex> lock(mu);
    uint64_t total = 0;
    for (clockid_t c : clocks) {
      struct timespec ts;
      if (clock_gettime(c, &ts) == 0) {
        total += static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
                 static_cast<uint64_t>(ts.tv_nsec);
      }
    }
    return total;
  }
};

TEST(ExecutorTest, IdleExecutorUsesNoCpu) {
  WorkerClocks wc;
  Options o;
  o.on_worker_start = [&](int) {
    clockid_t c;
    if (pthread_getcpuclockid(pthread_self(), &c) == 0) {
      std::lock_guard<std::mutex> lock(wc.mu);
      wc.clocks.push_back(c);
    }
  };
  auto e = MakeExecutor(4, o);
  // Wake everyone once, then let them park.
  TaskGroup g(*e);
  for (int i = 0; i < 1000; ++i) g.Run([] {});
  g.Wait();
  WaitUntil([&] {
    std::lock_guard<std::mutex> lock(wc.mu);
    return wc.clocks.size() == 4;
  });
  std::this_thread::sleep_for(milliseconds(200));
  const uint64_t before = wc.TotalNs();
  const uint64_t parks_before = e->Stats().total.parks;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const uint64_t used = wc.TotalNs() - before;
  // Four parked workers over one second: well under 1% of one core.
  EXPECT_LT(used, 10'000'000u) << "idle workers used " << used << " ns of CPU";
  EXPECT_EQ(e->Stats().total.parks, parks_before);  // nobody woke up
}

TEST(ExecutorTest, BlockingScopeAddsBoundedTemporaryWorker) {
  Options o;
  o.max_blocking_workers = 1;
  auto e = MakeExecutor(1, o);
  std::atomic<bool> release{false};
  std::atomic<int> added{-1};
  ASSERT_TRUE(e->Spawn([&] {
                 BlockingScope scope;
                 added.store(scope.added_worker() ? 1 : 0);
                 // The only regular worker blocks; the temporary one runs these.
                 while (!release.load()) std::this_thread::sleep_for(milliseconds(1));
               }).ok());
  WaitUntil([&] { return added.load() >= 0; });
  EXPECT_EQ(added.load(), 1);
  EXPECT_EQ(e->Stats().temporary_workers, 1);
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(e->Spawn([&] { ran.fetch_add(1); }).ok());
  WaitUntil([&] { return ran.load() == 100; });
  release.store(true);
  WaitUntil([&] { return e->Stats().temporary_workers == 0; });
  EXPECT_EQ(e->worker_count(), 1);
}

TEST(ExecutorTest, BlockingScopeOutsideWorkersIsNoop) {
  BlockingScope scope;
  EXPECT_FALSE(scope.added_worker());
}

TEST(ThreadPoolTest, EnqueueLikeAHandWrittenPool) {
  std::vector<std::future<int>> results;
  {
    ThreadPool pool(2);
    EXPECT_EQ(pool.size(), 2u);
    for (int i = 0; i < 8; ++i) {
      results.emplace_back(pool.enqueue([](int a, int b) { return a * b; }, i, 10));
    }
    auto s = pool.enqueue([](const std::string& x) { return x + "!"; },
                          std::string("hi"));
    EXPECT_EQ(s.get(), "hi!");
    auto ex = pool.enqueue([] { throw std::runtime_error("task"); });
    EXPECT_THROW(ex.get(), std::runtime_error);
    ASSERT_TRUE(pool.executor().Shutdown().ok());
    EXPECT_THROW(pool.enqueue([] {}), std::runtime_error);
  }
  for (int i = 0; i < 8; ++i) EXPECT_EQ(results[static_cast<size_t>(i)].get(), i * 10);
}

TEST(ExecutorTest, PlacementAndNames) {
  Options o;
  o.placement = Placement::kCompact;
  o.thread_name_prefix = "sched-test-";
  std::mutex mu;
  std::vector<std::string> names;
  o.on_worker_start = [&](int) {
    char buf[32] = {};
    pthread_getname_np(pthread_self(), buf, sizeof(buf));
    std::lock_guard<std::mutex> lock(mu);
    names.emplace_back(buf);
  };
  auto e = MakeExecutor(2, o);
  auto f = e->Submit([] { return 7; });
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->get(), 7);
  WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return names.size() == 2;
  });
  std::lock_guard<std::mutex> lock(mu);
  for (const std::string& n : names) EXPECT_EQ(n.rfind("sched-test-", 0), 0u) << n;
  o.placement = Placement::kScatter;
  o.on_worker_start = nullptr;
  auto e2 = MakeExecutor(2, o);
  auto g = e2->Submit([] { return 8; });
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->get(), 8);
}

}  // namespace
}  // namespace adaptrt::sched
