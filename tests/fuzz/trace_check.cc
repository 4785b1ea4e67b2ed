// trace_check.cc: the properties the trace fuzz targets check (see
// trace_check.h).
//
// Properties, beyond "no crash":
// - an error is InvalidArgument and its message names the file and the line
//   (text) or byte offset (binary) of the first bad record;
// - binary formats: the record count is the file size over the record size,
//   and encode(decode(x)) == x for the fields the format keeps (be32, be64:
//   the whole file; oracle: each record's id and size);
// - every format: decode(encode(v)) == v, where encode writes the parsed
//   keys (and sizes) back in the same format (lis: runs of consecutive
//   keys as "start count 0 reqno" lines);
// - text formats: at most one request per line, except lis whose lines
//   expand to `count` requests.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/fuzz/trace_check.h"

#include "cache/trace/trace_reader.h"
#include "tests/fuzz/fuzz_check.h"

namespace adaptrt::fuzz {
namespace {

using cache_trace::Trace;
using cache_trace::TraceFormat;

void PutBigEndian(std::uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutLittleEndian(std::uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The trace written back in `format`.
std::string Encode(const Trace& trace, TraceFormat format) {
  std::string out;
  if (format == TraceFormat::kLis) {
    // Runs of consecutive keys, as lis writes them: "start count 0 reqno".
    constexpr std::uint64_t kMaxRun = std::uint64_t{1} << 16;
    std::size_t reqno = 0;
    for (std::size_t i = 0; i < trace.keys.size(); ++reqno) {
      std::size_t n = 1;
      while (i + n < trace.keys.size() && n < kMaxRun &&
             trace.keys[i + n] == trace.keys[i] + n) {
        ++n;
      }
      absl::StrAppend(&out, trace.keys[i], " ", n, " 0 ", reqno, "\n");
      i += n;
    }
    return out;
  }
  for (std::size_t i = 0; i < trace.keys.size(); ++i) {
    const std::uint64_t key = trace.keys[i];
    switch (format) {
      case TraceFormat::kLirs:
      case TraceFormat::kKeys:
        absl::StrAppend(&out, key, "\n");
        break;
      case TraceFormat::kLis:  // above
        break;
      case TraceFormat::kBe32:
        PutBigEndian(key, 4, &out);
        break;
      case TraceFormat::kBe64:
        PutBigEndian(key, 8, &out);
        break;
      case TraceFormat::kOracle:
        PutLittleEndian(i, 4, &out);   // timestamp
        PutLittleEndian(key, 8, &out);
        PutLittleEndian(trace.sizes[i], 4, &out);
        PutLittleEndian(~std::uint64_t{0}, 8, &out);  // next access: never
        break;
    }
  }
  return out;
}

std::size_t RecordBytes(TraceFormat format) {
  switch (format) {
    case TraceFormat::kBe32:
      return 4;
    case TraceFormat::kBe64:
      return 8;
    case TraceFormat::kOracle:
      return 24;
    default:
      return 0;  // text
  }
}

}  // namespace

void CheckTrace(std::string_view data, TraceFormat format, std::string_view name) {
  const absl::StatusOr<Trace> trace = cache_trace::ParseTrace(data, format, name);
  if (!trace.ok()) {
    const absl::Status& s = trace.status();
    FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument, s.ToString());
    FUZZ_CHECK(absl::StartsWith(s.message(), absl::StrCat(std::string(name), ":line ")) ||
                   absl::StartsWith(s.message(), absl::StrCat(std::string(name), ":offset ")),
               s.ToString());
    return;
  }
  const std::size_t record = RecordBytes(format);
  if (format == TraceFormat::kOracle) {
    FUZZ_CHECK(trace->sizes.size() == trace->keys.size(), trace->sizes.size(), " sizes, ",
               trace->keys.size(), " keys");
  } else {
    FUZZ_CHECK(trace->sizes.empty(), trace->sizes.size());
  }
  const std::string encoded = Encode(*trace, format);
  if (record != 0) {
    FUZZ_CHECK(trace->keys.size() * record == data.size(), trace->keys.size(), " records of ",
               record, " bytes from ", data.size(), " bytes");
    if (format == TraceFormat::kOracle) {
      for (std::size_t i = 0; i < trace->keys.size(); ++i) {
        FUZZ_CHECK(encoded.substr(i * record + 4, 12) == data.substr(i * record + 4, 12),
                   "record ", i);
      }
    } else {
      if (format == TraceFormat::kBe32) {
        for (std::uint64_t key : trace->keys) {
          const auto signed_key = static_cast<std::int64_t>(key);
          FUZZ_CHECK(signed_key >= INT32_MIN && signed_key <= INT32_MAX, key);
        }
      }
      FUZZ_CHECK(encoded == data, "re-encoded ", Show(encoded));
    }
  } else if (format != TraceFormat::kLis) {
    std::size_t lines = 0;
    for (char c : data) lines += c == '\n';
    if (!data.empty() && data.back() != '\n') ++lines;
    FUZZ_CHECK(trace->keys.size() <= lines, trace->keys.size(), " keys from ", lines, " lines");
  }
  const absl::StatusOr<Trace> again = cache_trace::ParseTrace(encoded, format, "encoded");
  FUZZ_CHECK(again.ok(), again.status().ToString());
  FUZZ_CHECK(again->keys == trace->keys && again->sizes == trace->sizes, "re-encoded as ",
             Show(encoded));
}

}  // namespace adaptrt::fuzz
