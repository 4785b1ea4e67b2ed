// Exactly-once under a resize storm: tasks are submitted from several
// external threads and from inside tasks (Spawn, TaskGroup) while another
// thread resizes the executor randomly between 1 and 8 workers. Every task's
// counter must end at exactly 1.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sched/executor.h"
#include "sched/task_group.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::sched {
namespace {

constexpr int kTasks = adaptrt::testing::SanitizerScaled(1'000'000, 100'000);
constexpr int kSubmitters = 3;

TEST(ResizeStressTest, EveryTaskRunsExactlyOnce) {
  Options o;
  o.num_workers = 4;
  o.max_workers = 8;
  auto created = Executor::Create(o);
  ASSERT_TRUE(created.ok()) << created.status();
  Executor& e = **created;

  // Half the ids are submitted from outside; each of those spawns its twin
  // (id + kTasks / 2) from inside the task, alternating Spawn and TaskGroup.
  std::vector<std::atomic<uint8_t>> runs(kTasks);
  std::atomic<int> done{0};
  auto run_child = [&](int id) {
    runs[static_cast<size_t>(id)].fetch_add(1, std::memory_order_relaxed);
    done.fetch_add(1, std::memory_order_release);
  };
  auto run_parent = [&](int id) {
    runs[static_cast<size_t>(id)].fetch_add(1, std::memory_order_relaxed);
    const int child = id + kTasks / 2;
    if (id % 2 == 0) {
      ASSERT_TRUE(e.Spawn([&run_child, child] { run_child(child); }).ok());
    } else {
      TaskGroup g(e);
      g.Run([&run_child, child] { run_child(child); });
      g.Wait();
    }
    done.fetch_add(1, std::memory_order_release);
  };

  std::atomic<bool> stop_resizing{false};
  std::atomic<int> resizes{0};
  std::thread resizer([&] {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> workers(1, 8);
    std::uniform_int_distribution<int> pause_us(0, 300);
    while (!stop_resizing.load(std::memory_order_acquire)) {
      ASSERT_TRUE(e.Resize(workers(rng)).ok());
      resizes.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::microseconds(pause_us(rng)));
    }
  });

  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&, s] {
      for (int id = s; id < kTasks / 2; id += kSubmitters) {
        ASSERT_TRUE(e.Spawn([&run_parent, id] { run_parent(id); }).ok());
      }
    });
  }
  for (auto& t : submitters) t.join();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (done.load(std::memory_order_acquire) < kTasks) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << done.load() << " of " << kTasks << " tasks done";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop_resizing.store(true, std::memory_order_release);
  resizer.join();
  ASSERT_TRUE(e.Shutdown(ShutdownMode::kDrain).ok());

  EXPECT_GT(resizes.load(), 10);
  for (size_t i = 0; i < runs.size(); ++i) {
    ASSERT_EQ(runs[i].load(std::memory_order_relaxed), 1) << "task " << i;
  }
  EXPECT_EQ(done.load(), kTasks);
  const ExecutorStats stats = e.Stats();
  EXPECT_EQ(stats.total.tasks_run + stats.external_tasks_run,
            static_cast<uint64_t>(kTasks));
}

}  // namespace
}  // namespace adaptrt::sched
