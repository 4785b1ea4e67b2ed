// file_util.h: small file helpers shared by tuning/ (reading whole files,
// writing atomically).
//
// Thread-safety: thread-safe (concurrent writers of one path: last rename wins).
// Complexity:    linear in the file size.
// Ownership:     values only.
// Errors:        absl::Status naming the path and errno (NotFound for ENOENT).

#ifndef ADAPTRT_TUNING_INTERNAL_FILE_UTIL_H_
#define ADAPTRT_TUNING_INTERNAL_FILE_UTIL_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace adaptrt::tuning_internal {

// The whole file. NotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `content` to `path` atomically: a temporary file in the same
// directory, fsync, rename over `path`, fsync of the directory. Creates
// missing parent directories. A crash leaves either the old or the new file.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);

}  // namespace adaptrt::tuning_internal

#endif  // ADAPTRT_TUNING_INTERNAL_FILE_UTIL_H_
