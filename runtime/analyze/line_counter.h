// line_counter.h: blank, comment and code lines of one file, as cloc 1.96
// counts them (`cloc --skip-uniqueness`, default options).
//
// cloc reads the lines, drops a byte-order mark and one '\r' before each
// '\n', removes blank lines, then runs the language's filters one after the
// other (each followed by another blank-line removal); the lines left are
// code, the lines removed by the filters are comments. Its filters are
// regexes, not parsers: a "//" or "/*" inside a string literal starts a
// comment, an unterminated "/*" comments nothing, Rust's block comments do
// not nest, a Python line containing "/*" is a comment, and a comment that
// merges two lines makes them one. LineCounter reproduces those results,
// not an idealized tokenizer; line_counter.cc documents each rule.
//
// Thread-safety: not thread-safe; use one LineCounter per thread (it owns
//                scratch buffers reused from file to file).
// Complexity:    O(bytes) per file for every filter cloc uses on C-family,
//                Python, shell and the other line-prefix languages; no
//                allocation once the scratch buffers have grown to the
//                largest file seen.
// Ownership:     Count borrows `content` for the duration of the call.
// Errors:        none: every byte sequence has a count (binary content is
//                the caller's business, see LooksBinary in language.h).

#ifndef ADAPTRT_RUNTIME_ANALYZE_LINE_COUNTER_H_
#define ADAPTRT_RUNTIME_ANALYZE_LINE_COUNTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/analyze/language.h"

namespace adaptrt::analyze {

struct LineCounts {
  std::int64_t blank = 0;
  std::int64_t comment = 0;
  std::int64_t code = 0;

  std::int64_t lines() const { return blank + comment + code; }
  LineCounts& operator+=(const LineCounts& other) {
    blank += other.blank;
    comment += other.comment;
    code += other.code;
    return *this;
  }
  friend bool operator==(const LineCounts&, const LineCounts&) = default;
};

class LineCounter {
 public:
  LineCounter() = default;
  LineCounter(const LineCounter&) = delete;
  LineCounter& operator=(const LineCounter&) = delete;

  // Counts `content` (a whole file) as cloc counts a file of `language`.
  LineCounts Count(const LanguageSpec& language, std::string_view content);

  // A sequence of lines stored back to back; each line keeps its '\n' when
  // it has one (cloc's lines do until a filter splits the text). Public for
  // line_counter.cc's helpers only.
  struct Lines {
    std::string bytes;
    std::vector<std::size_t> ends;  // line i is bytes[ends[i-1], ends[i])

    void Clear() {
      bytes.clear();
      ends.clear();
    }
    std::size_t size() const { return ends.size(); }
    std::string_view operator[](std::size_t i) const {
      std::size_t begin = i == 0 ? 0 : ends[i - 1];
      return std::string_view(bytes).substr(begin, ends[i] - begin);
    }
    void Add(std::string_view line) {
      bytes.append(line);
      ends.push_back(bytes.size());
    }
  };

 private:
  Lines a_, b_;          // filter input and output, swapped after each filter
  std::string text_;     // a filter's joined text
  std::string scratch_;  // a filter's rewritten text or line
  std::string first_line_;   // first non-blank line (scripts only)
  std::string final_first_;  // first line left by the filters (scripts only)
};

}  // namespace adaptrt::analyze

#endif  // ADAPTRT_RUNTIME_ANALYZE_LINE_COUNTER_H_
