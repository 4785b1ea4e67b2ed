// temp_dir.h: ScopedTempDir, a fresh, empty directory for one test (or one
// process of a test), under $TEST_TMPDIR (set by Bazel) or /tmp, removed with
// its contents when the object dies.
//
// Thread-safety: construction is thread-safe (names come from the pid and an
//                atomic counter, so concurrent tests and processes never share
//                a directory); a ScopedTempDir itself is a plain value.
// Ownership:     the object owns the directory and everything under it.
// Errors:        the constructor throws std::filesystem::filesystem_error if
//                the directory cannot be created (a broken test environment:
//                the test fails there, naming the path); removal errors are
//                ignored.

#ifndef ADAPTRT_TESTS_UTIL_TEMP_DIR_H_
#define ADAPTRT_TESTS_UTIL_TEMP_DIR_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace adaptrt::testing {

// $TEST_TMPDIR when set and non-empty, else /tmp.
std::filesystem::path TestTempRoot();

class ScopedTempDir {
 public:
  // Creates TestTempRoot()/adaptrt_<tag>_<pid>_<n>, empty. `tag` only helps
  // whoever looks at the disk (e.g. "l3", a test's name).
  explicit ScopedTempDir(std::string_view tag = "test");
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  ~ScopedTempDir();

  // A path inside the directory (not created).
  std::string Sub(std::string_view name) const;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace adaptrt::testing

#endif  // ADAPTRT_TESTS_UTIL_TEMP_DIR_H_
