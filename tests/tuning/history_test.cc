#include "tuning/history.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tuning/internal/file_util.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::tuning {
namespace {

namespace fs = std::filesystem;

std::string TempPath(const std::string& name) {
  const fs::path dir = adaptrt::testing::TestTempRoot() / "history_test";
  fs::create_directories(dir);
  const fs::path path = dir / name;
  fs::remove(path);
  return path.string();
}

TEST(WorkloadSignature, IsShortAndStable) {
  EXPECT_EQ(WorkloadSignature(TaskType::kIoBound, ReusePattern::kLooping, 65536),
            "io-bound/looping/ws2^16");
  EXPECT_EQ(WorkloadSignature(TaskType::kCpuBound, ReusePattern::kRecencyFriendly, 70000),
            "cpu-bound/recency-friendly/ws2^16");
  EXPECT_EQ(WorkloadSignature(TaskType::kMixed, ReusePattern::kUnknown, 0), "mixed/unknown/ws2^0");
}

TEST(History, RoundTripKeepsTheBestPerSignature) {
  const std::string path = TempPath("roundtrip.tsv");
  History h;
  h.Record({"a", 8, {1, 2, 3}, 100.5, 0.8, 1700000000});
  h.Record({"a", 12, {4, 5, 6}, 90, 0.7, 1700000001});   // worse: ignored
  h.Record({"b", 4, {}, 10, 0, 1700000002});
  h.Record({"b", 6, {}, 20, 0, 1700000003});             // better: replaces
  ASSERT_TRUE(h.Save(path).ok());
  std::string warning;
  const History loaded = History::Load(path, &warning);
  EXPECT_EQ(warning, "");
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded.Best("a")->workers, 8);
  EXPECT_EQ(loaded.Best("a")->tiers, (TierSizes{1, 2, 3}));
  EXPECT_EQ(loaded.Best("a")->score, 100.5);
  EXPECT_EQ(loaded.Best("b")->workers, 6);
  EXPECT_EQ(loaded.Best("c"), std::nullopt);
  // No temporary files left behind.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path())) {
    files += absl::StrContains(entry.path().filename().string(), "roundtrip") ? 1 : 0;
  }
  EXPECT_EQ(files, 1);
}

TEST(History, MissingCorruptAndForeignFilesAreIgnored) {
  std::string warning;
  EXPECT_EQ(History::Load(TempPath("absent.tsv"), &warning).size(), 0u);
  EXPECT_EQ(warning, "");

  const std::string foreign = TempPath("foreign.tsv");
  ASSERT_TRUE(tuning_internal::WriteFileAtomically(foreign, "{\"json\": true}\n").ok());
  EXPECT_EQ(History::Load(foreign, &warning).size(), 0u);
  EXPECT_EQ(warning, foreign +
                         ": not an adaptrt history file (expected first line \"adaptrt-history "
                         "1\"); history ignored");

  const std::string corrupt = TempPath("corrupt.tsv");
  ASSERT_TRUE(tuning_internal::WriteFileAtomically(
                  corrupt, "adaptrt-history 1\na\t8\t1\t2\t3\t1.5\t0.5\t17\nb\tx\t1\n")
                  .ok());
  warning.clear();
  EXPECT_EQ(History::Load(corrupt, &warning).size(), 0u);
  EXPECT_EQ(warning, corrupt + ":3: corrupt record; history ignored");
}

TEST(History, DefaultPathFollowsXdg) {
  setenv("XDG_CACHE_HOME", "/xdg/cache", 1);
  EXPECT_EQ(History::DefaultPath(), "/xdg/cache/adaptrt/history.tsv");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(History::DefaultPath(), "/home/someone/.cache/adaptrt/history.tsv");
  setenv("XDG_CACHE_HOME", "relative/not/allowed", 1);  // the spec requires absolute
  EXPECT_EQ(History::DefaultPath(), "/home/someone/.cache/adaptrt/history.tsv");
}

}  // namespace
}  // namespace adaptrt::tuning
