// The tuning history file under process faults: a writer SIGKILLed in the
// middle of saving never leaves a file that fails to load, and two processes
// saving concurrently lose no record (tuning/history.h: flock + merge +
// atomic rename). The writers are this binary re-executed (--history_writer).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/reliability/reliability_util.h"
#include "tests/util/sanitizer.h"
#include "tests/util/temp_dir.h"
#include "tuning/history.h"

namespace adaptrt::testing {
namespace {

using tuning::History;
using tuning::HistoryRecord;

constexpr int kWriterExitCorrupt = 5;
constexpr int kWriterExitSaveFailed = 6;

HistoryRecord Rec(const std::string& signature, double score) {
  HistoryRecord r;
  r.signature = signature;
  r.workers = 1 + static_cast<int>(score) % 64;
  r.tiers.l1_bytes = 1 << 20;
  r.score = score;
  r.hit_rate = 0.5;
  r.unix_seconds = 1700000000;
  return r;
}

// Child: `iterations` rounds (0: until killed) of Load (which must not warn),
// Record "<prefix><i % 40>" with a growing score, Save.
[[noreturn]] void WriterMain(const std::string& path, const std::string& prefix,
                             int iterations) {
  History own;
  for (int i = 0; iterations == 0 || i < iterations; ++i) {
    std::string warning;
    History h = History::Load(path, &warning);
    if (!warning.empty()) {
      std::fprintf(stderr, "writer %s: %s\n", prefix.c_str(), warning.c_str());
      std::_Exit(kWriterExitCorrupt);
    }
    // `own` never reloads: only Save's merge keeps the other writer's records.
    own.Record(Rec(absl::StrCat(prefix, i % 40), i + 1.0));
    if (!own.Save(path).ok()) std::_Exit(kWriterExitSaveFailed);
  }
  std::_Exit(0);
}

std::size_t TemporaryFiles(const std::string& path) {
  std::size_t n = 0;
  const std::string prefix = std::filesystem::path(path).filename().string() + ".tmp.";
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    n += e.path().filename().string().rfind(prefix, 0) == 0;
  }
  return n;
}

TEST(HistoryFaultTest, SigkillDuringSaveNeverLeavesAnUnloadableFile) {
  ScopedTempDir dir("history_kill");
  const std::string path = dir.Sub("history.tsv");
  constexpr int kRounds = adaptrt::testing::SanitizerScaled(25, 10);
  std::mt19937 rng(7);
  std::size_t loaded_records = 0, orphans_seen = 0;
  for (int round = 0; round < kRounds; ++round) {
    const pid_t pid = SpawnSelf({"--history_writer", path, "kill/", "0"});
    ASSERT_GT(pid, 0);
    // Saves fsync twice: on a busy machine most kills land inside one.
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % 250));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const int status = WaitFor(pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited with " << WEXITSTATUS(status)
                                     << " (5: it loaded a corrupt file)";
    std::string warning;
    History h = History::Load(path, &warning);
    EXPECT_EQ(warning, "") << "round " << round;
    loaded_records += h.size();
    orphans_seen += TemporaryFiles(path);
  }
  // The next Save removes what killed writers left.
  History h;
  h.Record(Rec("final", 1));
  ASSERT_TRUE(h.Save(path).ok());
  EXPECT_EQ(TemporaryFiles(path), 0u);
  std::string warning;
  const History final_history = History::Load(path, &warning);
  EXPECT_EQ(warning, "");
  EXPECT_TRUE(final_history.Best("final").has_value());
  std::printf("%d SIGKILL rounds during Save: every file loaded (%zu records in total), %zu "
              "orphan temporaries seen and later removed\n",
              kRounds, loaded_records, orphans_seen);
}

TEST(HistoryFaultTest, TwoProcessesSavingConcurrentlyLoseNothing) {
  ScopedTempDir dir("history_two");
  const std::string path = dir.Sub("history.tsv");
  constexpr int kIterations = 120;  // 40 signatures each, best score 81..120
  const pid_t a = SpawnSelf({"--history_writer", path, "a/", std::to_string(kIterations)});
  const pid_t b = SpawnSelf({"--history_writer", path, "b/", std::to_string(kIterations)});
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  for (pid_t pid : {a, b}) {
    const int status = WaitFor(pid);
    ASSERT_TRUE(WIFEXITED(status)) << "writer killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << "5: a writer loaded a corrupt file; 6: Save failed";
  }
  std::string warning;
  const History h = History::Load(path, &warning);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(h.size(), 80u) << "records of one writer were lost";
  for (const char* prefix : {"a/", "b/"}) {
    for (int s = 0; s < 40; ++s) {
      const std::string sig = absl::StrCat(prefix, s);
      std::optional<HistoryRecord> r = h.Best(sig);
      ASSERT_TRUE(r.has_value()) << sig;
      // The last iteration i with i % 40 == s recorded score i + 1.
      EXPECT_EQ(r->score, kIterations - 40 + s + 1.0) << sig;
    }
  }
  EXPECT_EQ(TemporaryFiles(path), 0u);
}

}  // namespace
}  // namespace adaptrt::testing

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--history_writer") == 0) {
    adaptrt::testing::WriterMain(argv[2], argv[3], std::atoi(argv[4]));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
