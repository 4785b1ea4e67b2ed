// file_analyzer.h: one file from path to counts: read it, skip it if binary
// (cloc's Perl -B test), detect its language, count its lines. The unit of
// work the analyze job schedules and caches per file.
//
// Thread-safety: not thread-safe; use one FileAnalyzer per thread (it owns
//                the read buffer and a LineCounter).
// Complexity:    O(file size): one read, one classification, one count.
// Ownership:     FileResult::language points into static tables.
// Errors:        a file that cannot be read is a FileResult of kind
//                kUnreadable or kVanished with its errno, not an error
//                status: one bad file never stops a tree.

#ifndef ADAPTRT_RUNTIME_ANALYZE_FILE_ANALYZER_H_
#define ADAPTRT_RUNTIME_ANALYZE_FILE_ANALYZER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/analyze/language.h"
#include "runtime/analyze/line_counter.h"

namespace adaptrt::analyze {

enum class FileKind : std::uint8_t {
  kCounted,     // a language was found and the lines counted
  kBinary,      // cloc's -B test says binary: not counted
  kNotCode,     // no language (see FileResult::skip_reason)
  kEmpty,       // empty when read (it changed since the walk)
  kUnreadable,  // open or read failed (errno in FileResult::error)
  kVanished,    // ENOENT: removed since the walk
};

// "counted", "binary", "not code", "empty", "unreadable" or "vanished".
std::string_view FileKindName(FileKind kind);

struct FileResult {
  FileKind kind = FileKind::kNotCode;
  const LanguageSpec* language = nullptr;  // set when kCounted
  SkipReason skip_reason = SkipReason::kNone;
  LineCounts counts;
  std::uint64_t bytes = 0;  // bytes read
  int error = 0;            // errno for kUnreadable / kVanished
};

class FileAnalyzer {
 public:
  FileAnalyzer() = default;
  FileAnalyzer(const FileAnalyzer&) = delete;
  FileAnalyzer& operator=(const FileAnalyzer&) = delete;

  // Reads and analyzes the file at `path`.
  FileResult AnalyzeFile(const std::string& path);

  // Analyzes `content` as the content of a file named `path` (the name
  // matters for the language; nothing is read).
  FileResult AnalyzeContent(std::string_view path, std::string_view content);

 private:
  std::string buffer_;
  LineCounter counter_;
};

// Reads the whole file at `path` into *out (replacing its content).
// Returns 0 or the errno of the failing open/read.
int ReadWholeFile(const std::string& path, std::string* out);

}  // namespace adaptrt::analyze

#endif  // ADAPTRT_RUNTIME_ANALYZE_FILE_ANALYZER_H_
