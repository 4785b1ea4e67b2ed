// test_dir.h: a fresh, empty directory per test for L3 stores, under
// $TEST_TMPDIR (Bazel) or /tmp, removed with its contents on destruction.
//
// Thread-safety: not thread-safe; one per test.

#ifndef ADAPTRT_TESTS_CACHE_TEST_DIR_H_
#define ADAPTRT_TESTS_CACHE_TEST_DIR_H_

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace adaptrt::testing {

class TestDir {
 public:
  TestDir() {
    static std::atomic<int> counter{0};
    const char* base = std::getenv("TEST_TMPDIR");
    path_ = std::filesystem::path(base != nullptr ? base : "/tmp") /
            ("adaptrt_l3_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace adaptrt::testing

#endif  // ADAPTRT_TESTS_CACHE_TEST_DIR_H_
