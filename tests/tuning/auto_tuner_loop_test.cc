// The thin periodic loop around the controller: a short period, real
// threads. Knobs and sources here are thread-safe value holders; the loop
// must call them one at a time from its thread while the test thread
// pauses, resumes, changes the period and reads the log.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tuning/auto_tuner.h"
#include "tuning/history.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::tuning {
namespace {

// Synthetic executor: throughput grows with workers up to 6.
class Executor : public ExecutorSampleSource, public WorkerKnob {
 public:
  ExecutorSample SampleExecutor(absl::Time now) override {
    EnterCall();
    ExecutorSample s;
    s.now = now;
    s.workers = workers_.load();
    s.throughput = 100.0 * std::min(s.workers, 6);
    s.cpu_utilization = 0.3;
    samples.fetch_add(1);
    ExitCall();
    return s;
  }
  absl::Status Resize(int workers) override {
    EnterCall();
    workers_.store(workers);
    resizes.fetch_add(1);
    ExitCall();
    return absl::OkStatus();
  }
  int workers() const override { return workers_.load(); }

  std::atomic<int> samples{0};
  std::atomic<int> resizes{0};
  std::atomic<bool> overlapped{false};

 private:
  void EnterCall() {
    if (in_call_.exchange(true)) overlapped.store(true);
  }
  void ExitCall() { in_call_.store(false); }
  std::atomic<int> workers_{2};
  std::atomic<bool> in_call_{false};
};

// Polls `done` for up to 10 s (the loop runs on its own schedule).
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

std::string HistoryPath() {
  const std::filesystem::path dir = adaptrt::testing::TestTempRoot() / "loop_test";
  std::filesystem::remove_all(dir);
  return (dir / "history.tsv").string();
}

TEST(AutoTunerLoop, RunsPausesResumesAndStops) {
  Executor executor;
  AutoTunerOptions options;
  options.period = absl::Milliseconds(2);
  options.workers.min_samples = 2;
  options.workers.min_move_interval = absl::ZeroDuration();
  options.workers.max_workers = 16;
  options.signature = "test/loop";
  options.history_path = HistoryPath();
  auto tuner = AutoTuner::Create(options, {&executor, &executor, nullptr, nullptr, nullptr,
                                           nullptr});
  ASSERT_TRUE(tuner.ok()) << tuner.status();
  (*tuner)->Start();
  ASSERT_TRUE(Eventually([&] { return executor.resizes.load() >= 3; }));

  (*tuner)->Pause();
  EXPECT_TRUE((*tuner)->paused());
  // At most one iteration already past the pause check may still finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t paused_at = (*tuner)->iterations();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ((*tuner)->iterations(), paused_at);

  (*tuner)->SetPeriod(absl::Milliseconds(1));
  (*tuner)->Resume();
  ASSERT_TRUE(Eventually([&] { return (*tuner)->iterations() >= paused_at + 20; }));
  const std::vector<Decision> log = (*tuner)->log();  // concurrent read while running
  EXPECT_FALSE(log.empty());
  (*tuner)->Stop();
  (*tuner)->Stop();  // idempotent
  const uint64_t stopped_at = (*tuner)->iterations();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ((*tuner)->iterations(), stopped_at);
  EXPECT_FALSE(executor.overlapped.load());
  for (const Decision& d : (*tuner)->log()) {
    EXPECT_EQ(d.knob, "workers");
    EXPECT_TRUE(d.applied);
  }

  // Stop recorded the best setting; the next run starts from it.
  std::string warning;
  const History history = History::Load(options.history_path, &warning);
  EXPECT_EQ(warning, "");
  ASSERT_TRUE(history.Best("test/loop").has_value());
  const int best = history.Best("test/loop")->workers;
  EXPECT_GE(best, 2);
  Executor next;
  auto again = AutoTuner::Create(options, {&next, &next, nullptr, nullptr, nullptr, nullptr});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(next.workers(), best);
  const std::vector<Decision> start = (*again)->log();
  ASSERT_EQ(start.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(start[0].reason, "history: best known setting for test/loop"))
      << start[0].reason;
}

TEST(AutoTunerLoop, CorruptHistoryIsReportedAndIgnored) {
  const std::string path = HistoryPath();
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  { std::FILE* f = std::fopen(path.c_str(), "w"); std::fputs("garbage\n", f); std::fclose(f); }
  Executor executor;
  AutoTunerOptions options;
  options.signature = "test/corrupt";
  options.history_path = path;
  auto tuner = AutoTuner::Create(options, {&executor, &executor, nullptr, nullptr, nullptr,
                                           nullptr});
  ASSERT_TRUE(tuner.ok());
  EXPECT_TRUE(absl::StrContains((*tuner)->history_warning(), "not an adaptrt history file"));
  EXPECT_EQ(executor.workers(), 2);  // untouched
  ASSERT_EQ((*tuner)->log().size(), 1u);
  EXPECT_EQ((*tuner)->log()[0].knob, "history");
  EXPECT_FALSE((*tuner)->log()[0].applied);
}

}  // namespace
}  // namespace adaptrt::tuning
