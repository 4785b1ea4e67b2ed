// reliability_util.h: helpers shared by the fault-injection tests and the
// soak binary.
//
//   VersionedValue a value that encodes its key and a version, so that a
//                  value read back for the wrong key, or an older version
//                  than allowed, is detected (ParseVersioned).
//   SpawnSelf      fork + exec of this same binary (/proc/self/exe) with
//                  extra arguments: a clean child process (no inherited
//                  threads of RocksDB or of the test), killable with SIGKILL.
//
// Thread-safety: thread-safe. (Scratch directories: tests/util/temp_dir.h.)
// Errors:        SpawnSelf returns -1 if fork fails; the child _exit(127)s if
//                exec fails.

#ifndef ADAPTRT_TESTS_RELIABILITY_RELIABILITY_UTIL_H_
#define ADAPTRT_TESTS_RELIABILITY_RELIABILITY_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace adaptrt::testing {

// "<key>#<version>#" padded with a key-dependent filler to `size` bytes (at
// least the prefix).
std::string VersionedValue(std::string_view key, std::uint64_t version, std::size_t size);

// The version encoded in `value` if it is a well-formed VersionedValue of
// `key` (prefix and filler both checked); nullopt otherwise.
std::optional<std::uint64_t> ParseVersioned(std::string_view key, std::string_view value);

// Starts this binary again with `args` (argv[1..]); returns the child's pid.
pid_t SpawnSelf(const std::vector<std::string>& args);

// waitpid for `pid`; returns the raw wait status.
int WaitFor(pid_t pid);

}  // namespace adaptrt::testing

#endif  // ADAPTRT_TESTS_RELIABILITY_RELIABILITY_UTIL_H_
