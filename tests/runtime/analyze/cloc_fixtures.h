// cloc_fixtures.h: files written for testing the analysis core, each with
// the counts cloc 1.96 gives for it.
//
// Every expected number below was produced by
//   cloc --skip-uniqueness --by-file --json <dir with these files>
// (benchmarks/analyze/verify_fixtures.sh re-checks them: it runs the
// fixture test, which writes the files and an expected.tsv, then cloc on
// the same files). The fixtures aim at cloc's rules, quirks included:
// comment markers inside strings, unterminated and "nested" comments, CRLF,
// no final newline, docstrings, #! scripts, continuation lines, BOMs.

#ifndef ADAPTRT_TESTS_RUNTIME_ANALYZE_CLOC_FIXTURES_H_
#define ADAPTRT_TESTS_RUNTIME_ANALYZE_CLOC_FIXTURES_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace adaptrt::analyze_testing {

struct ClocFixture {
  std::string_view name;      // file name (decides the language)
  std::string_view content;   // exact bytes
  std::string_view language;  // cloc's language; "" when cloc skips the file
  std::int64_t blank;
  std::int64_t comment;
  std::int64_t code;
};

std::span<const ClocFixture> ClocFixtures();

}  // namespace adaptrt::analyze_testing

#endif  // ADAPTRT_TESTS_RUNTIME_ANALYZE_CLOC_FIXTURES_H_
