// trace_reader.h: reading cache access traces (one request per key access)
// in the formats of public trace collections, for the replayer and tests.
//
// Formats (see ../shared/traces/README.md):
//   lirs    text, one decimal key per line; a line "*" is a checkpoint marker
//           and is skipped
//   lis     text "start count ignore reqno" (ARC traces): `count` requests to
//           the consecutive keys start .. start+count-1 (count <= 65536)
//   be32    binary, big-endian signed 32-bit keys
//   be64    binary, big-endian signed 64-bit keys
//   keys    text, one decimal key per line
//   oracle  libCacheSim oracleGeneral: little-endian 24-byte records
//           {uint32 timestamp; uint64 id; uint32 size; int64 next_access}
// Text formats ignore surrounding whitespace and blank lines.
//
// Thread-safety: functions are thread-safe; a Trace is a plain value.
// Complexity: O(file size); the whole trace is held in memory (8 bytes per
//             request, 12 with sizes).
// Errors: NotFound for a missing file; InvalidArgument naming the file and
//         the line (text) or byte offset (binary) of the first malformed
//         record. Never crashes on bad input.

#ifndef ADAPTRT_CACHE_TRACE_TRACE_READER_H_
#define ADAPTRT_CACHE_TRACE_TRACE_READER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace adaptrt::cache_trace {

enum class TraceFormat { kLirs, kLis, kBe32, kBe64, kKeys, kOracle };

// "lirs", "lis", "be32", "be64", "keys", "oracle".
std::string_view TraceFormatName(TraceFormat format);
// The inverse of TraceFormatName. Errors: InvalidArgument listing the formats.
absl::StatusOr<TraceFormat> ParseTraceFormat(std::string_view text);

struct Trace {
  std::vector<std::uint64_t> keys;   // one per request, in order
  std::vector<std::uint32_t> sizes;  // object sizes (oracle only), else empty
};

// Reads the trace at `path`.
absl::StatusOr<Trace> ReadTrace(const std::string& path, TraceFormat format);

// Parses trace bytes already in memory; `name` is used in error messages.
absl::StatusOr<Trace> ParseTrace(std::string_view data, TraceFormat format,
                                 std::string_view name);

}  // namespace adaptrt::cache_trace

#endif  // ADAPTRT_CACHE_TRACE_TRACE_READER_H_
