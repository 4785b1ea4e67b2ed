// The analyze job's parallel walk (one executor task per directory) against
// the sequential walk of the baseline, without a cache (no RocksDB, so this
// runs under TSan and ASan too).

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "runtime/analyze_job.h"
#include "runtime/runtime.h"
#include "tests/runtime/analyze_tree_fixture.h"

namespace adaptrt {
namespace {

namespace fs = std::filesystem;

using ParallelWalkTest = adaptrt::testing::AnalyzeTreeFixture;

// The parallel walk (one task per directory) finds what the sequential walk
// of the baseline finds, in the same order, with the same report.
TEST_F(ParallelWalkTest, ParallelWalkMatchesTheSequentialWalk) {
  std::string deep = "tree";
  for (int level = 0; level < 6; ++level) {
    deep += "/l" + std::to_string(level);
    for (int f = 0; f < 3; ++f) Write(deep + "/f" + std::to_string(f) + ".py", "x = 1\n");
    fs::create_directories(tmp_ + "/" + deep + "/.git");
    Write(deep + "/.git/skipped.c", "int x;\n");
  }
  Write("tree/empty.c", "");
  fs::create_symlink("l0", tmp_ + "/tree/dirlink");
  fs::create_symlink("nowhere", tmp_ + "/tree/l0/dangling");
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  AnalyzeOptions ao;
  ao.use_cache = false;
  auto par = RunAnalysis(rt->get(), tmp_ + "/tree", ao);
  ASSERT_TRUE(par.ok()) << par.status();
  auto seq = RunAnalysis(nullptr, tmp_ + "/tree");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(par->files, seq->files);
  EXPECT_EQ(par->files, 3 + 6 * 3);
  EXPECT_EQ(par->walk.directories, seq->walk.directories);
  EXPECT_EQ(par->walk.excluded, seq->walk.excluded);
  EXPECT_EQ(par->walk.empty_files, seq->walk.empty_files);
  EXPECT_EQ(par->walk.directory_symlinks, 1);
  EXPECT_EQ(par->walk.total_problems(), seq->walk.total_problems());
  EXPECT_EQ(par->walk.count(analyze::WalkProblem::kDanglingSymlink), 1);
  EXPECT_EQ(par->report.Json(), seq->report.Json());
}


TEST_F(ParallelWalkTest, ManySmallDirectoriesGiveTheSameAnswerEveryRun) {
  for (int i = 0; i < 40; ++i) Write("tree/d" + std::to_string(i) + "/x.c", "int x;\n");
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  AnalyzeOptions ao;
  ao.use_cache = false;
  // Repeated runs while the tree stays put give the same answer each time.
  std::string first;
  for (int run = 0; run < 5; ++run) {
    auto r = RunAnalysis(rt->get(), tmp_ + "/tree", ao);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->files, 43);
    EXPECT_EQ(r->walk.directories, 42);
    if (run == 0) first = r->report.Json();
    EXPECT_EQ(r->report.Json(), first);
  }
}

}  // namespace
}  // namespace adaptrt
