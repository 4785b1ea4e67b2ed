// Tests of the tree walker: cloc's file selection and every odd entry
// (FIFO, dangling link, link loop, vanished file or directory, directory
// cycle) counted and reported, never thrown. Tests run as root, for whom
// chmod does not make files unreadable, so unreadability is simulated by
// entries that cannot be read for other reasons.

#include "runtime/analyze/tree_walker.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/analyze/file_analyzer.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::analyze {
namespace {

namespace fs = std::filesystem;

class TreeWalkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.str();
  }

  void Write(const std::string& rel, const std::string& content) {
    fs::path p = fs::path(root_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  // Walks root_ and returns the relative paths passed to on_file.
  std::vector<std::string> Walk(const WalkOptions& options, WalkReport* report) {
    std::vector<std::string> files;
    absl::Status s = WalkTree(
        root_, options,
        [&](const FileEntry& e) { files.push_back(e.path.substr(root_.size() + 1)); },
        report);
    EXPECT_TRUE(s.ok()) << s;
    return files;
  }

  adaptrt::testing::ScopedTempDir dir_{"walk"};
  std::string root_;
};

TEST_F(TreeWalkerTest, YieldsFilesThenSubdirectoriesInByteOrderWithMetadata) {
  Write("b.c", "int b;\n");
  Write("a/z.h", "int z;\n");
  Write("a/y/x.py", "x = 1\n");
  Write("C.txt", "c\n");
  WalkReport report;
  std::vector<std::string> files = Walk(WalkOptions(), &report);
  EXPECT_EQ(files, (std::vector<std::string>{"C.txt", "b.c", "a/z.h", "a/y/x.py"}));
  EXPECT_EQ(report.files, 4);
  EXPECT_EQ(report.directories, 3);
  EXPECT_EQ(report.bytes, 7u + 7u + 6u + 2u);
  EXPECT_EQ(report.total_problems(), 0);

  struct stat st;
  ASSERT_EQ(::stat((root_ + "/b.c").c_str(), &st), 0);
  bool checked = false;
  ASSERT_TRUE(WalkTree(root_ + "/b.c", WalkOptions(),
                       [&](const FileEntry& e) {
                         EXPECT_EQ(e.path, root_ + "/b.c");
                         EXPECT_EQ(e.size, 7u);
                         EXPECT_EQ(e.inode, static_cast<std::uint64_t>(st.st_ino));
                         EXPECT_EQ(e.device, static_cast<std::uint64_t>(st.st_dev));
                         EXPECT_EQ(e.mtime_ns, st.st_mtim.tv_sec * 1000000000LL +
                                                   st.st_mtim.tv_nsec);
                         EXPECT_FALSE(e.via_symlink);
                         checked = true;
                       },
                       &report)
                  .ok());
  EXPECT_TRUE(checked);
}

TEST_F(TreeWalkerTest, SkipsClocsExcludedNamesEmptyFilesAndLargeFiles) {
  Write("src/a.c", "int a;\n");
  Write(".git/config", "[core]\n");
  Write("sub/.git", "gitdir: elsewhere\n");  // a worktree's .git file
  Write(".svn/x", "x\n");
  Write(".config/y", "y\n");
  Write("empty.c", "");
  Write("big.c", std::string(2000, 'x'));
  WalkOptions options;
  options.max_file_bytes = 1000;
  WalkReport report;
  EXPECT_EQ(Walk(options, &report), (std::vector<std::string>{"src/a.c"}));
  EXPECT_EQ(report.excluded, 4);
  EXPECT_EQ(report.empty_files, 1);
  EXPECT_EQ(report.too_large, 1);
}

TEST_F(TreeWalkerTest, FifoDanglingLinkAndLinkLoopAreReportedNotFatal) {
  Write("ok.c", "int ok;\n");
  ASSERT_EQ(::mkfifo((root_ + "/pipe").c_str(), 0644), 0);
  fs::create_symlink(root_ + "/missing", root_ + "/dangling");
  fs::create_symlink(root_ + "/loop_b", root_ + "/loop_a");
  fs::create_symlink(root_ + "/loop_a", root_ + "/loop_b");
  WalkReport report;
  EXPECT_EQ(Walk(WalkOptions(), &report), (std::vector<std::string>{"ok.c"}));
  EXPECT_EQ(report.count(WalkProblem::kSpecialFile), 1);
  EXPECT_EQ(report.count(WalkProblem::kDanglingSymlink), 1);
  EXPECT_EQ(report.count(WalkProblem::kSymlinkLoop), 2);
  ASSERT_EQ(report.examples.size(), 4u);
  EXPECT_EQ(report.examples[0].path, root_ + "/dangling");
  EXPECT_EQ(report.examples[0].problem, WalkProblem::kDanglingSymlink);
  EXPECT_FALSE(report.examples[0].detail.empty());
}

TEST_F(TreeWalkerTest, ExamplesAreBounded) {
  for (int i = 0; i < 10; ++i) {
    fs::create_symlink(root_ + "/nowhere", root_ + "/d" + std::to_string(i));
  }
  WalkOptions options;
  options.max_examples = 3;
  WalkReport report;
  Walk(options, &report);
  EXPECT_EQ(report.count(WalkProblem::kDanglingSymlink), 10);
  EXPECT_EQ(report.examples.size(), 3u);
}

TEST_F(TreeWalkerTest, LinkToFileIsAFileLinkToDirectoryIsNotFollowed) {
  Write("real/a.c", "int a;\n");
  fs::create_symlink(root_ + "/real/a.c", root_ + "/alias.c");
  fs::create_directory_symlink(root_ + "/real", root_ + "/real_link");
  fs::create_directory_symlink(root_, root_ + "/real/up");  // a cycle if followed
  WalkReport report;
  std::vector<std::string> files;
  ASSERT_TRUE(WalkTree(root_, WalkOptions(),
                       [&](const FileEntry& e) {
                         files.push_back(e.path.substr(root_.size() + 1));
                         if (files.back() == "alias.c") {
                           EXPECT_TRUE(e.via_symlink);
                         }
                       },
                       &report)
                  .ok());
  EXPECT_EQ(files, (std::vector<std::string>{"alias.c", "real/a.c"}));
  EXPECT_EQ(report.directory_symlinks, 2);
  EXPECT_EQ(report.total_problems(), 0);
}

TEST_F(TreeWalkerTest, FollowedDirectoryLinksNeverLoop) {
  Write("real/a.c", "int a;\n");
  fs::create_directory_symlink(root_, root_ + "/real/up");
  fs::create_directory_symlink(root_ + "/real", root_ + "/again");
  WalkOptions options;
  options.follow_directory_symlinks = true;
  WalkReport report;
  std::vector<std::string> files = Walk(options, &report);
  // "again" is the first path to reach real/ (byte order), so the tree is
  // walked once through it; real/ itself and real/up are cycles.
  EXPECT_EQ(files, (std::vector<std::string>{"again/a.c"}));
  EXPECT_EQ(report.count(WalkProblem::kDirectoryCycle), 2);
}

TEST_F(TreeWalkerTest, FileRemovedMidWalkIsVanished) {
  Write("a.c", "int a;\n");
  Write("b.c", "int b;\n");
  WalkOptions options;
  options.after_list_hook = [&](const std::string& dir) {
    if (dir == root_) fs::remove(root_ + "/b.c");
  };
  WalkReport report;
  EXPECT_EQ(Walk(options, &report), (std::vector<std::string>{"a.c"}));
  EXPECT_EQ(report.count(WalkProblem::kVanished), 1);
  ASSERT_EQ(report.examples.size(), 1u);
  EXPECT_EQ(report.examples[0].path, root_ + "/b.c");
}

TEST_F(TreeWalkerTest, DirectoryRemovedMidWalkIsVanished) {
  Write("a/x.c", "int x;\n");
  Write("b/y.c", "int y;\n");
  WalkOptions options;
  options.after_list_hook = [&](const std::string& dir) {
    if (dir == root_ + "/a") fs::remove_all(root_ + "/b");
  };
  WalkReport report;
  EXPECT_EQ(Walk(options, &report), (std::vector<std::string>{"a/x.c"}));
  EXPECT_EQ(report.count(WalkProblem::kVanished), 1);
}

// descend lets a caller walk subdirectories separately: walking the root
// without descending, then each refused subdirectory on its own, and adding
// the reports gives the files and counters of one full walk.
TEST_F(TreeWalkerTest, DescendHookSplitsAWalkIntoDirectories) {
  Write("a.c", "int a;\n");
  Write("x/b.c", "int b;\n");
  Write("x/y/c.c", "int c;\n");
  Write("x/.git/ignored.c", "int i;\n");
  Write("z/empty.c", "");
  fs::create_symlink("missing", fs::path(root_) / "x" / "dangling");
  WalkReport full;
  const std::vector<std::string> all = Walk(WalkOptions(), &full);

  std::vector<std::string> files;
  WalkReport sum;
  std::vector<std::string> pending = {root_};
  while (!pending.empty()) {
    const std::string dir = pending.front();
    pending.erase(pending.begin());
    std::vector<std::string> children;
    WalkOptions o;
    o.descend = [&children](const std::string& d) {
      children.push_back(d);
      return false;
    };
    WalkReport part;
    ASSERT_TRUE(WalkTree(dir, o,
                         [&](const FileEntry& e) {
                           files.push_back(e.path.substr(root_.size() + 1));
                         },
                         &part)
                    .ok());
    sum.Add(part, 16);
    // Depth-first, as the walk itself: children before later siblings.
    pending.insert(pending.begin(), children.begin(), children.end());
  }
  EXPECT_EQ(files, all);
  EXPECT_EQ(sum.directories, full.directories);
  EXPECT_EQ(sum.files, full.files);
  EXPECT_EQ(sum.bytes, full.bytes);
  EXPECT_EQ(sum.excluded, full.excluded);
  EXPECT_EQ(sum.empty_files, full.empty_files);
  EXPECT_EQ(sum.total_problems(), full.total_problems());
  EXPECT_EQ(sum.count(WalkProblem::kDanglingSymlink), 1);
  ASSERT_EQ(sum.examples.size(), 1u);
}

TEST_F(TreeWalkerTest, BadRootsAreStatuses) {
  WalkReport report;
  auto ignore = [](const FileEntry&) {};
  EXPECT_TRUE(absl::IsNotFound(WalkTree(root_ + "/nope", WalkOptions(), ignore, &report)));
  ASSERT_EQ(::mkfifo((root_ + "/fifo").c_str(), 0644), 0);
  EXPECT_TRUE(absl::IsFailedPrecondition(
      WalkTree(root_ + "/fifo", WalkOptions(), ignore, &report)));
}

// A root listed by a parent walk is entered as the walk enters a
// subdirectory: gone or not a directory is a problem in the report, with the
// directory counted and strerror's text as detail, never an error status.
TEST_F(TreeWalkerTest, AListedSubdirectoryRootThatChangedIsAProblemNotAStatus) {
  WalkOptions options;
  options.root_is_listed_subdirectory = true;
  auto ignore = [](const FileEntry&) { ADD_FAILURE() << "no file expected"; };
  WalkReport report;
  ASSERT_TRUE(WalkTree(root_ + "/nope", options, ignore, &report).ok());
  EXPECT_EQ(report.directories, 1);
  EXPECT_EQ(report.count(WalkProblem::kVanished), 1);
  ASSERT_EQ(report.examples.size(), 1u);
  EXPECT_EQ(report.examples[0].path, root_ + "/nope");
  EXPECT_EQ(report.examples[0].detail, std::strerror(ENOENT));

  Write("file.c", "int x;\n");
  ASSERT_TRUE(WalkTree(root_ + "/file.c", options, ignore, &report).ok());
  EXPECT_EQ(report.directories, 1);
  EXPECT_EQ(report.files, 0);
  EXPECT_EQ(report.count(WalkProblem::kUnreadableDirectory), 1);
  ASSERT_EQ(report.examples.size(), 1u);
  EXPECT_EQ(report.examples[0].detail, std::strerror(ENOTDIR));

  Write("sub/a.c", "int a;\n");
  std::vector<std::string> files;
  ASSERT_TRUE(WalkTree(
                  root_ + "/sub", options, [&](const FileEntry& e) { files.push_back(e.path); },
                  &report)
                  .ok());
  EXPECT_EQ(files, std::vector<std::string>{root_ + "/sub/a.c"});
  EXPECT_EQ(report.directories, 1);
  EXPECT_EQ(report.total_problems(), 0);
}

TEST_F(TreeWalkerTest, AnalyzerReportsUnreadableAndVanishedFiles) {
  FileAnalyzer analyzer;
  FileResult gone = analyzer.AnalyzeFile(root_ + "/never_there.c");
  EXPECT_EQ(gone.kind, FileKind::kVanished);
  fs::create_directories(root_ + "/dir.c");
  FileResult dir = analyzer.AnalyzeFile(root_ + "/dir.c");  // read: EISDIR
  EXPECT_EQ(dir.kind, FileKind::kUnreadable);
  EXPECT_NE(dir.error, 0);
  Write("ok.c", "int a;\n");
  FileResult ok = analyzer.AnalyzeFile(root_ + "/ok.c");
  EXPECT_EQ(ok.kind, FileKind::kCounted);
  EXPECT_EQ(ok.counts.code, 1);
}

}  // namespace
}  // namespace adaptrt::analyze
