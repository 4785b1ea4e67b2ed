#include "tuning/internal/trace_reader.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tuning/internal/file_util.h"

namespace adaptrt::tuning_internal {
namespace {

uint64_t Fnv1a(absl::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

absl::Status LineError(absl::string_view name, int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(name, ":", line, ": ", message));
}

}  // namespace

absl::StatusOr<TraceFormat> ParseTraceFormat(absl::string_view name) {
  if (name == "lis") return TraceFormat::kLis;
  if (name == "lirs") return TraceFormat::kLirs;
  if (name == "keys") return TraceFormat::kKeys;
  if (name == "be32") return TraceFormat::kBe32;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown trace format \"", name, "\" (expected lis, lirs, keys or be32)"));
}

absl::StatusOr<std::vector<uint64_t>> ParseTrace(absl::string_view content, TraceFormat format,
                                                 absl::string_view name) {
  std::vector<uint64_t> keys;
  if (format == TraceFormat::kBe32) {
    if (content.size() % 4 != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": size ", content.size(), " is not a multiple of 4"));
    }
    keys.reserve(content.size() / 4);
    for (size_t i = 0; i < content.size(); i += 4) {
      const uint32_t v = (uint32_t{static_cast<unsigned char>(content[i])} << 24) |
                         (uint32_t{static_cast<unsigned char>(content[i + 1])} << 16) |
                         (uint32_t{static_cast<unsigned char>(content[i + 2])} << 8) |
                         uint32_t{static_cast<unsigned char>(content[i + 3])};
      keys.push_back(static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v))));
    }
    return keys;
  }
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    switch (format) {
      case TraceFormat::kLis: {
        std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
        uint64_t start = 0, count = 0;
        if (f.size() < 2 || !absl::SimpleAtoi(f[0], &start) || !absl::SimpleAtoi(f[1], &count)) {
          return LineError(name, line_number,
                           absl::StrCat("expected \"start count ...\", got \"", line, "\""));
        }
        for (uint64_t i = 0; i < count; ++i) keys.push_back(start + i);
        break;
      }
      case TraceFormat::kLirs: {
        if (line == "*") continue;
        uint64_t key = 0;
        if (!absl::SimpleAtoi(line, &key)) {
          return LineError(name, line_number,
                           absl::StrCat("expected a decimal id, got \"", line, "\""));
        }
        keys.push_back(key);
        break;
      }
      case TraceFormat::kKeys: {
        if (line[0] == '#') continue;
        uint64_t key = 0;
        keys.push_back(absl::SimpleAtoi(line, &key) ? key : Fnv1a(line));
        break;
      }
      case TraceFormat::kBe32:
        break;
    }
  }
  return keys;
}

absl::StatusOr<std::vector<uint64_t>> ReadTrace(const std::string& path, TraceFormat format) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  return ParseTrace(*content, format, path);
}

}  // namespace adaptrt::tuning_internal
