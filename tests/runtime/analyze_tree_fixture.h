// analyze_tree_fixture.h: the gtest fixture the analyze job's tests share: a
// fresh directory holding a three-file tree (tree/a.c, tree/sub/b.py,
// tree/sub/c.py, counts in the comments below), Write() to add or change
// files, and RuntimeOptions with the cache under that directory and the
// auto-tuner on.
//
// Thread-safety: a gtest fixture (one test thread); Write() must not race
//                the job that reads the tree.
// Ownership:     the directory and everything under it go with the fixture.

#ifndef ADAPTRT_TESTS_RUNTIME_ANALYZE_TREE_FIXTURE_H_
#define ADAPTRT_TESTS_RUNTIME_ANALYZE_TREE_FIXTURE_H_

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "runtime/runtime.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::testing {

class AnalyzeTreeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = dir_.str();
    Write("tree/a.c", "/* comment */\nint a;\n\nint b; // x\n");  // C: 1 blank 1 comment 2 code
    Write("tree/sub/b.py", "# c\nx = 1\n\n");                       // Python: 1 1 1
    Write("tree/sub/c.py", "y = '#'\n");                            // Python: 0 0 1
  }
  // Writes `text` to tmp_/rel (replacing it), creating missing directories.
  void Write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(tmp_ + "/" + rel).parent_path());
    std::ofstream(tmp_ + "/" + rel, std::ios::binary) << text;
  }
  // 2 workers, auto-tuner every 10 ms, cache (L3) under tmp_/cache.
  RuntimeOptions Options() const {
    RuntimeOptions o;
    o.cache_directory = tmp_ + "/cache";
    o.auto_tune = true;
    o.tuner_period = absl::Milliseconds(10);
    o.workers = 2;
    return o;
  }

  ScopedTempDir dir_{"analyze"};
  std::string tmp_;
};

}  // namespace adaptrt::testing

#endif  // ADAPTRT_TESTS_RUNTIME_ANALYZE_TREE_FIXTURE_H_
