// Trace parsing. Design: the file is read whole, then parsed in one pass
// without allocation per record; text lines are split by hand (no streams)
// so ~13M requests parse in well under a second. Every failure returns a
// Status naming file and line/offset; nothing here aborts.

#include "cache/trace/trace_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace adaptrt::cache_trace {
namespace {

// A lis line expands to `count` requests: one 13-byte line may not demand
// gigabytes (the fuzzer found "2 2333333338" allocating 18 GB). 2^16 pages
// of 512 bytes is a 32 MiB request, larger than block layers issue (the
// requests of ../shared/traces/arc/OLTP.lis are single pages).
constexpr std::uint64_t kMaxLisPagesPerLine = std::uint64_t{1} << 16;

absl::Status Malformed(std::string_view name, std::string_view where,
                       std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(name), ":", std::string(where), ": ",
                   std::string(what)));
}

std::string Quote(absl::string_view line) {
  constexpr std::size_t kMax = 40;
  std::string text(line.substr(0, kMax));
  if (line.size() > kMax) text += "...";
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

// Calls on_line(line_number, stripped_line) for each non-blank line.
template <typename OnLine>
absl::Status ForEachLine(std::string_view data, OnLine&& on_line) {
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    ++line_number;
    const absl::string_view line = absl::StripAsciiWhitespace(
        absl::string_view(data.data() + pos, end - pos));
    pos = end + 1;
    if (line.empty()) continue;
    if (absl::Status s = on_line(line_number, line); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::uint64_t LoadBigEndian(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t LoadLittleEndian(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

absl::Status ParseText(std::string_view data, TraceFormat format,
                       std::string_view name, Trace& trace) {
  return ForEachLine(data, [&](std::size_t n, absl::string_view line)
                               -> absl::Status {
    const std::string where = absl::StrCat("line ", n);
    if (format == TraceFormat::kLirs && line == "*") return absl::OkStatus();
    if (format == TraceFormat::kLis) {
      std::vector<absl::string_view> fields =
          absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      std::uint64_t start = 0;
      std::uint64_t count = 0;
      if (fields.size() < 2 || !absl::SimpleAtoi(fields[0], &start) ||
          !absl::SimpleAtoi(fields[1], &count)) {
        return Malformed(name, where,
                         absl::StrCat("expected \"start count ignore reqno\" "
                                      "(decimal integers), got ",
                                      Quote(line)));
      }
      if (count > kMaxLisPagesPerLine) {
        return Malformed(name, where,
                         absl::StrCat("page count ", count,
                                      " is implausible (at most ",
                                      kMaxLisPagesPerLine, " per request)"));
      }
      for (std::uint64_t i = 0; i < count; ++i) trace.keys.push_back(start + i);
      return absl::OkStatus();
    }
    std::uint64_t key = 0;
    if (!absl::SimpleAtoi(line, &key)) {
      std::int64_t negative = 0;
      if (!absl::SimpleAtoi(line, &negative)) {
        return Malformed(name, where,
                         absl::StrCat("expected a decimal key, got ",
                                      Quote(line)));
      }
      key = static_cast<std::uint64_t>(negative);
    }
    trace.keys.push_back(key);
    return absl::OkStatus();
  });
}

absl::Status ParseBinary(std::string_view data, TraceFormat format,
                         std::string_view name, Trace& trace) {
  const std::size_t record = format == TraceFormat::kBe32   ? 4
                             : format == TraceFormat::kBe64 ? 8
                                                            : 24;
  if (data.size() % record != 0) {
    const std::size_t offset = data.size() - data.size() % record;
    return Malformed(
        name, absl::StrCat("offset ", offset),
        absl::StrCat("truncated record: ", data.size() % record,
                     " trailing bytes; ", std::string(TraceFormatName(format)),
                     " records are ", record, " bytes (file size ",
                     data.size(), ")"));
  }
  const std::size_t n = data.size() / record;
  trace.keys.reserve(n);
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  if (format == TraceFormat::kOracle) trace.sizes.reserve(n);
  for (std::size_t i = 0; i < n; ++i, p += record) {
    switch (format) {
      case TraceFormat::kBe32:
        trace.keys.push_back(static_cast<std::uint64_t>(static_cast<std::int64_t>(
            static_cast<std::int32_t>(LoadBigEndian(p, 4)))));
        break;
      case TraceFormat::kBe64:
        trace.keys.push_back(LoadBigEndian(p, 8));
        break;
      default:  // oracle
        trace.keys.push_back(LoadLittleEndian(p + 4, 8));
        trace.sizes.push_back(
            static_cast<std::uint32_t>(LoadLittleEndian(p + 12, 4)));
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view TraceFormatName(TraceFormat format) {
  switch (format) {
    case TraceFormat::kLirs:
      return "lirs";
    case TraceFormat::kLis:
      return "lis";
    case TraceFormat::kBe32:
      return "be32";
    case TraceFormat::kBe64:
      return "be64";
    case TraceFormat::kKeys:
      return "keys";
    case TraceFormat::kOracle:
      return "oracle";
  }
  return "unknown";
}

absl::StatusOr<TraceFormat> ParseTraceFormat(std::string_view text) {
  for (TraceFormat f : {TraceFormat::kLirs, TraceFormat::kLis,
                        TraceFormat::kBe32, TraceFormat::kBe64,
                        TraceFormat::kKeys, TraceFormat::kOracle}) {
    if (TraceFormatName(f) == text) return f;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown trace format \"", std::string(text),
                   "\" (expected lirs, lis, be32, be64, keys or oracle)"));
}

absl::StatusOr<Trace> ParseTrace(std::string_view data, TraceFormat format,
                                 std::string_view name) {
  Trace trace;
  absl::Status status;
  switch (format) {
    case TraceFormat::kLirs:
    case TraceFormat::kLis:
    case TraceFormat::kKeys:
      status = ParseText(data, format, name, trace);
      break;
    default:
      status = ParseBinary(data, format, name, trace);
      break;
  }
  if (!status.ok()) return status;
  return trace;
}

absl::StatusOr<Trace> ReadTrace(const std::string& path, TraceFormat format) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int error = errno;
    const std::string message =
        absl::StrCat(path, ": cannot open trace: ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message)
                           : absl::InvalidArgumentError(message);
  }
  std::string data;
  char buffer[1 << 16];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    data.append(buffer, got);
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": read error (is it a directory?)"));
  }
  return ParseTrace(data, format, path);
}

}  // namespace adaptrt::cache_trace
