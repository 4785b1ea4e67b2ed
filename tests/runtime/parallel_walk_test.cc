// parallel_walk_test: both shared walks give the sequential walk's file list
// (same order) and report (same counters, same problem examples in order).

#include "runtime/internal/parallel_walk.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/analyze/tree_walker.h"
#include "sched/executor.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::runtime_internal {
namespace {

void WriteFile(const std::filesystem::path& path, std::size_t bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << std::string(bytes, 'x');
}

// A tree with files at every level, 24 top-level subdirectories of uneven
// depth and size, empty files, excluded names, and more problems (dangling
// links, link loops, FIFOs) than a report keeps examples of, spread over
// the subdirectories so that both threads of a JoinableWalk meet some.
void BuildTree(const std::filesystem::path& root) {
  for (int f = 0; f < 5; ++f) WriteFile(root / ("top" + std::to_string(f) + ".c"), 10 + f);
  for (int d = 0; d < 24; ++d) {
    const std::filesystem::path dir = root / ("d" + std::to_string(100 + d));
    for (int f = 0; f < 1 + d % 5; ++f) {
      WriteFile(dir / ("f" + std::to_string(f) + ".h"), 1 + f);
      WriteFile(dir / ("sub" + std::to_string(f % 2)) / ("g" + std::to_string(f) + ".py"), 3);
    }
    WriteFile(dir / "empty.txt", 0);
    std::filesystem::create_directories(dir / ".git");
    WriteFile(dir / ".git" / "config", 5);
    if (d % 3 == 0) std::filesystem::create_symlink(dir / "nowhere", dir / "dangling");
    if (d % 4 == 1) {
      std::filesystem::create_symlink(dir / "loop_b", dir / "loop_a");
      std::filesystem::create_symlink(dir / "loop_a", dir / "loop_b");
    }
    if (d % 5 == 2) {
      ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
    }
    if (d % 6 == 3) std::filesystem::create_directory_symlink(root, dir / "up");
  }
}

struct Walked {
  std::vector<analyze::FileEntry> entries;
  analyze::WalkReport report;
};

void ExpectSameWalk(const Walked& expected, const Walked& got) {
  ASSERT_EQ(expected.entries.size(), got.entries.size());
  for (std::size_t i = 0; i < expected.entries.size(); ++i) {
    EXPECT_EQ(expected.entries[i].path, got.entries[i].path) << "entry " << i;
    EXPECT_EQ(expected.entries[i].size, got.entries[i].size);
  }
  const analyze::WalkReport& a = expected.report;
  const analyze::WalkReport& b = got.report;
  EXPECT_EQ(a.directories, b.directories);
  EXPECT_EQ(a.files, b.files);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.excluded, b.excluded);
  EXPECT_EQ(a.empty_files, b.empty_files);
  EXPECT_EQ(a.directory_symlinks, b.directory_symlinks);
  for (int p = 0; p < 7; ++p) EXPECT_EQ(a.problems[p], b.problems[p]) << "problem " << p;
  ASSERT_EQ(a.examples.size(), b.examples.size());
  for (std::size_t i = 0; i < a.examples.size(); ++i) {
    EXPECT_EQ(a.examples[i].path, b.examples[i].path) << "example " << i;
    EXPECT_EQ(a.examples[i].problem, b.examples[i].problem);
    EXPECT_EQ(a.examples[i].detail, b.examples[i].detail);
  }
}

class ParallelWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BuildTree(dir_.path());
    ASSERT_TRUE(analyze::WalkTree(
                    dir_.str(), analyze::WalkOptions(),
                    [&](analyze::FileEntry&& e) { sequential_.entries.push_back(std::move(e)); },
                    &sequential_.report)
                    .ok());
    // The tree is what the comparisons need: problems beyond the examples
    // kept, and files in most subdirectories.
    ASSERT_GT(sequential_.report.total_problems(),
              static_cast<std::int64_t>(analyze::WalkOptions().max_examples));
    ASSERT_GT(sequential_.entries.size(), 100u);
  }

  adaptrt::testing::ScopedTempDir dir_{"parallel_walk"};
  Walked sequential_;
};

TEST_F(ParallelWalkTest, ParallelWalkIsTheSequentialWalk) {
  sched::Options o;
  o.num_workers = 4;
  auto executor = sched::Executor::Create(o);
  ASSERT_TRUE(executor.ok()) << executor.status();
  for (int round = 0; round < 5; ++round) {
    Walked got;
    ASSERT_TRUE(ParallelWalk(**executor, dir_.str(), &got.entries, &got.report).ok());
    ExpectSameWalk(sequential_, got);
  }
}

TEST_F(ParallelWalkTest, JoinableWalkAloneIsTheSequentialWalk) {
  Walked got;
  JoinableWalk walk(dir_.str(), &got.entries);
  ASSERT_TRUE(walk.Walk().ok());
  walk.Help();  // nothing left to claim
  walk.Finish(&got.report);
  ExpectSameWalk(sequential_, got);
}

// The caller stops in its first subtree until the helper has listed a
// directory of its own, so the helper claims parts in every round; it asks
// from before the root is listed.
TEST_F(ParallelWalkTest, JoinableWalkWithAHelperIsTheSequentialWalk) {
  for (int round = 0; round < 20; ++round) {
    Walked got;
    std::atomic<bool> helper_listed{false};
    std::thread::id caller;
    const std::string first_subtree = dir_.Sub("d100");
    analyze::WalkOptions options;
    options.after_list_hook = [&](const std::string& directory) {
      if (std::this_thread::get_id() != caller) {
        helper_listed.store(true);
      } else if (directory == first_subtree) {
        for (int i = 0; i < 5000 && !helper_listed.load(); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
    };
    caller = std::this_thread::get_id();
    JoinableWalk walk(dir_.str(), &got.entries, options);
    std::atomic<bool> caller_done{false};
    std::thread helper([&] {
      while (!caller_done.load()) walk.Help();
    });
    ASSERT_TRUE(walk.Walk().ok());
    caller_done.store(true);
    helper.join();
    walk.Finish(&got.report);
    EXPECT_TRUE(helper_listed.load());
    EXPECT_GT(walk.helped_parts(), 0u);
    ExpectSameWalk(sequential_, got);
  }
}

// Subdirectories of the root change between the root's listing and their
// walk: one vanishes, one becomes a regular file. Every walk reports them as
// the sequential walk does (vanished; unreadable directory, ENOTDIR), with
// the same example details, and counts no file of theirs.
TEST_F(ParallelWalkTest, SubdirectoriesThatChangeAfterTheListingAreReportedAlike) {
  const std::filesystem::path root = dir_.path();
  const std::filesystem::path parked = dir_.Sub("..") + "/parked_" + std::to_string(::getpid());
  analyze::WalkOptions options;
  options.after_list_hook = [&](const std::string& directory) {
    if (directory != dir_.str()) return;
    std::filesystem::rename(root / "d105", parked.string() + "-d105");
    std::filesystem::rename(root / "d110", parked.string() + "-d110");
    WriteFile(root / "d110", 7);
  };
  auto restore = [&] {
    std::filesystem::remove(root / "d110");
    std::filesystem::rename(parked.string() + "-d105", root / "d105");
    std::filesystem::rename(parked.string() + "-d110", root / "d110");
  };
  Walked expected;
  ASSERT_TRUE(analyze::WalkTree(
                  dir_.str(), options,
                  [&](analyze::FileEntry&& e) { expected.entries.push_back(std::move(e)); },
                  &expected.report)
                  .ok());
  restore();
  ASSERT_EQ(expected.report.count(analyze::WalkProblem::kVanished), 1);
  ASSERT_LT(expected.entries.size(), sequential_.entries.size());

  {
    Walked got;
    JoinableWalk walk(dir_.str(), &got.entries, options);
    ASSERT_TRUE(walk.Walk().ok());
    walk.Finish(&got.report);
    restore();
    ExpectSameWalk(expected, got);
  }
  {
    // The helper walks the changed subdirectories: the caller is held in its
    // first subtree (d100) until the helper has claimed all the others.
    Walked got;
    std::atomic<bool> helper_returned{false};
    const std::thread::id caller = std::this_thread::get_id();
    const std::string first_subtree = dir_.Sub("d100");
    analyze::WalkOptions held = options;
    held.after_list_hook = [&](const std::string& directory) {
      options.after_list_hook(directory);
      if (directory == first_subtree && std::this_thread::get_id() == caller) {
        for (int i = 0; i < 5000 && !helper_returned.load(); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
    };
    JoinableWalk walk(dir_.str(), &got.entries, held);
    std::thread helper([&] {
      while (walk.Help() == 0) std::this_thread::yield();  // until it walked some
      helper_returned.store(true);
    });
    ASSERT_TRUE(walk.Walk().ok());
    helper.join();
    walk.Finish(&got.report);
    restore();
    EXPECT_EQ(walk.helped_parts(), 23u);  // every subdirectory but d100
    ExpectSameWalk(expected, got);
  }
  {
    sched::Options o;
    o.num_workers = 2;
    auto executor = sched::Executor::Create(o);
    ASSERT_TRUE(executor.ok()) << executor.status();
    Walked got;
    ASSERT_TRUE(ParallelWalk(**executor, dir_.str(), &got.entries, &got.report, options).ok());
    restore();
    ExpectSameWalk(expected, got);
  }
}

TEST_F(ParallelWalkTest, JoinableWalkOfAMissingRootFails) {
  std::vector<analyze::FileEntry> entries;
  JoinableWalk walk(dir_.Sub("missing"), &entries);
  EXPECT_EQ(walk.Walk().code(), absl::StatusCode::kNotFound);
  walk.Help();
  analyze::WalkReport report;
  walk.Finish(&report);
  EXPECT_TRUE(entries.empty());
}

}  // namespace
}  // namespace adaptrt::runtime_internal
