// shared_data.h: locating the real cache traces in ../shared/traces for tests
// and benchmarks.
//
// The traces are data that stays outside the repository (a user's clone has
// none). Lookup order: $ADAPTRT_SHARED_DIR, then <checkout>/../shared.
// A test that needs them calls SharedTracePathOrSkip and skips with a clear
// message where they are absent.
//
// Thread-safety: thread-safe (reads the environment and the file system only).

#ifndef ADAPTRT_TESTS_UTIL_SHARED_DATA_H_
#define ADAPTRT_TESTS_UTIL_SHARED_DATA_H_

#include <optional>
#include <string>
#include <string_view>

namespace adaptrt::testing {

// The shared/ directory, or nullopt where there is none.
std::optional<std::string> SharedDir();

// The path of `relative` (e.g. "traces/arc/OLTP.lis") under shared/, or
// nullopt where the file is absent.
std::optional<std::string> SharedFile(std::string_view relative);

// A message naming what was looked for, for GTEST_SKIP and benchmark skips.
std::string SharedFileMissingMessage(std::string_view relative);

}  // namespace adaptrt::testing

#endif  // ADAPTRT_TESTS_UTIL_SHARED_DATA_H_
