#include "tests/util/temp_dir.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <system_error>

namespace adaptrt::testing {

std::filesystem::path TestTempRoot() {
  const char* base = std::getenv("TEST_TMPDIR");
  return std::filesystem::path(base != nullptr && *base != '\0' ? base : "/tmp");
}

ScopedTempDir::ScopedTempDir(std::string_view tag) {
  static std::atomic<int> counter{0};
  path_ = TestTempRoot() / (std::string("adaptrt_") + std::string(tag) + "_" +
                            std::to_string(::getpid()) + "_" +
                            std::to_string(counter.fetch_add(1, std::memory_order_relaxed)));
  std::filesystem::remove_all(path_);  // a leftover of a crashed run with our pid
  std::filesystem::create_directories(path_);
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScopedTempDir::Sub(std::string_view name) const { return (path_ / name).string(); }

}  // namespace adaptrt::testing
