// line_counter_fuzzer.cc: the `analyze` line counter (analyze::LineCounter,
// with language detection and the per-file pipeline) on arbitrary bytes.
//
// Input layout: the first line (up to the first '\n', at most 64 bytes) is
// the file's name, the rest is its content. A name that no language claims
// is counted as C++ so that every input exercises a counter.
//
// Properties, beyond "no crash":
// - counts add up: blank, comment and code are non-negative and
//   blank + comment + code == the number of lines of the content (lines end
//   at '\n'; a last line without one counts too);
// - no state leaks from file to file: a LineCounter reused across all inputs
//   (scratch buffers grown by earlier files) counts exactly as a fresh one;
// - the per-file pipeline (FileAnalyzer::AnalyzeContent) agrees: a counted
//   file has the detected language and the same counts, and only empty,
//   binary or unclaimed files are not counted.

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/analyze/file_analyzer.h"
#include "runtime/analyze/language.h"
#include "runtime/analyze/line_counter.h"
#include "tests/fuzz/fuzz_check.h"

namespace adaptrt::fuzz {
namespace {

using analyze::FileKind;
using analyze::LanguageSpec;
using analyze::LineCounter;
using analyze::LineCounts;

std::int64_t Lines(std::string_view content) {
  std::int64_t lines = 0;
  for (char c : content) lines += c == '\n';
  if (!content.empty() && content.back() != '\n') ++lines;
  return lines;
}

void Check(std::string_view data) {
  constexpr std::size_t kMaxName = 64;
  const std::size_t newline = data.substr(0, kMaxName).find('\n');
  const std::string_view name = newline == std::string_view::npos ? "" : data.substr(0, newline);
  const std::string_view content =
      newline == std::string_view::npos ? data : data.substr(newline + 1);

  const analyze::Detection detection = analyze::DetectLanguage(name, content);
  const LanguageSpec* language = detection.language;
  if (language != nullptr) {
    FUZZ_CHECK(!language->pseudo && language->resolver == analyze::Resolver::kNone,
               std::string(language->name), " detected for ", Show(name));
  } else {
    language = analyze::FindLanguage("C++");
    FUZZ_CHECK(language != nullptr, "no C++ in the language table");
  }

  static LineCounter* const reused = new LineCounter();
  const LineCounts counts = reused->Count(*language, content);
  const std::string where = absl::StrCat(std::string(language->name), " file ", Show(content), ": blank ",
                                         counts.blank, " comment ", counts.comment, " code ",
                                         counts.code);
  FUZZ_CHECK(counts.blank >= 0 && counts.comment >= 0 && counts.code >= 0, where);
  FUZZ_CHECK(counts.lines() == Lines(content), where, "; lines ", Lines(content));

  LineCounter fresh;
  FUZZ_CHECK(fresh.Count(*language, content) == counts, where, "; a fresh counter differs");

  static analyze::FileAnalyzer* const analyzer = new analyze::FileAnalyzer();
  const analyze::FileResult result = analyzer->AnalyzeContent(name, content);
  FUZZ_CHECK(result.bytes == content.size(), result.bytes);
  if (result.kind == FileKind::kCounted) {
    FUZZ_CHECK(result.language == detection.language && result.counts == counts, where,
               "; the file analyzer counted ", result.counts.blank, "/", result.counts.comment,
               "/", result.counts.code);
  } else {
    FUZZ_CHECK(result.kind == FileKind::kEmpty || result.kind == FileKind::kBinary ||
                   result.kind == FileKind::kNotCode,
               std::string(analyze::FileKindName(result.kind)));
    FUZZ_CHECK((result.kind == FileKind::kEmpty) == content.empty(),
               std::string(analyze::FileKindName(result.kind)));
    FUZZ_CHECK(result.kind != FileKind::kNotCode || detection.language == nullptr,
               std::string(detection.language->name), " detected but not counted");
  }
}

}  // namespace
}  // namespace adaptrt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  adaptrt::fuzz::Check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
