// trace_reader.h: minimal readers of the cache trace formats in
// ../shared/traces, private to tuning/ (the mrc tool and tests).
//
// TODO(integration): cache/ is getting the project's trace readers; replace
// this file with them once both branches are merged.
//
// Formats:
//   lis   text "start count ignore reqno": count consecutive pages from start,
//         each one request (ARC's OLTP trace);
//   lirs  text, one decimal id per line; a line "*" is a marker and skipped;
//   keys  text, one key per line: a decimal unsigned integer, or any other
//         token, hashed (FNV-1a 64); blank lines and lines starting with '#'
//         are skipped;
//   be32  binary, big-endian signed 32-bit keys.
//
// Thread-safety: thread-safe.
// Complexity:    linear in the file; the whole trace is held in memory.
// Ownership:     values only.
// Errors:        unknown format, unreadable file, or a malformed line (named
//                as path:line).

#ifndef ADAPTRT_TUNING_INTERNAL_TRACE_READER_H_
#define ADAPTRT_TUNING_INTERNAL_TRACE_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace adaptrt::tuning_internal {

enum class TraceFormat { kLis, kLirs, kKeys, kBe32 };

absl::StatusOr<TraceFormat> ParseTraceFormat(absl::string_view name);

// Parses trace content (the whole file). `name` is used in errors.
absl::StatusOr<std::vector<uint64_t>> ParseTrace(absl::string_view content, TraceFormat format,
                                                 absl::string_view name);

absl::StatusOr<std::vector<uint64_t>> ReadTrace(const std::string& path, TraceFormat format);

}  // namespace adaptrt::tuning_internal

#endif  // ADAPTRT_TUNING_INTERNAL_TRACE_READER_H_
