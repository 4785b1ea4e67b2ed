// report.h: per-language totals of an analysis, sorted and printed as cloc
// prints them (code descending, then name), as a text table or as JSON.
//
// JSON shape (issue 6; the integrator adds "performance"):
//   {"languages": [{"language": "C++", "files": 3, "blank": 10,
//                   "comment": 4, "code": 120}, ...],
//    "total": {"files": ..., "blank": ..., "comment": ..., "code": ...},
//    "skipped": {"binary": ..., "not_code": ..., "empty": ...,
//                "unreadable": ..., "vanished": ..., "excluded": ...,
//                "walk_problems": ...}}
//
// Thread-safety: not thread-safe; aggregate one Report per thread and Merge.
// Complexity:    Add O(1) expected; Languages() O(L log L) for L languages.
// Ownership:     language names are views into static tables.
// Errors:        none.

#ifndef ADAPTRT_RUNTIME_ANALYZE_REPORT_H_
#define ADAPTRT_RUNTIME_ANALYZE_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "runtime/analyze/file_analyzer.h"
#include "runtime/analyze/line_counter.h"
#include "runtime/analyze/tree_walker.h"

namespace adaptrt::analyze {

struct LanguageRow {
  std::string_view language;  // empty for the total
  std::int64_t files = 0;
  LineCounts counts;
};

// Files seen but not counted, by cause.
struct SkippedFiles {
  std::int64_t binary = 0;
  std::int64_t not_code = 0;    // no language (unknown, README, .png...)
  std::int64_t empty = 0;       // empty files (walk or read)
  std::int64_t unreadable = 0;  // open/read failed
  std::int64_t vanished = 0;    // gone between walk and read
  std::int64_t excluded = 0;    // .git and the other excluded names
  std::int64_t too_large = 0;   // over the size limit
  std::int64_t walk_problems = 0;  // see WalkReport (dangling links...)
};

class Report {
 public:
  // Adds one analyzed file.
  void Add(const FileResult& result);
  // Adds a counted file directly (results served from a cache).
  void AddCounted(const LanguageSpec& language, const LineCounts& counts);
  // Adds what the walk skipped or found wrong.
  void AddWalk(const WalkReport& walk);
  // Adds everything `other` holds.
  void Merge(const Report& other);

  // Languages sorted by code lines descending, then by name.
  std::vector<LanguageRow> Languages() const;
  LanguageRow Total() const;
  const SkippedFiles& skipped() const { return skipped_; }

  // cloc's default table (80 columns), then one line on skipped files.
  std::string Table() const;
  // The JSON object above, on one line.
  std::string Json() const;

 private:
  absl::flat_hash_map<std::string_view, LanguageRow> rows_;
  SkippedFiles skipped_;
};

// `s` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view s);

}  // namespace adaptrt::analyze

#endif  // ADAPTRT_RUNTIME_ANALYZE_REPORT_H_
