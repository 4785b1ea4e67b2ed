// Tests of the cloc-compatible counting: the fixtures of cloc_fixtures.cc
// through the whole per-file pipeline (read, binary test, language, count),
// and targeted rules of LineCounter.

#include "runtime/analyze/line_counter.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/analyze/file_analyzer.h"
#include "runtime/analyze/language.h"
#include "runtime/analyze/report.h"
#include "runtime/analyze/tree_walker.h"
#include "tests/runtime/analyze/cloc_fixtures.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::analyze {
namespace {

using analyze_testing::ClocFixture;
using analyze_testing::ClocFixtures;

std::string TempDir() { return adaptrt::testing::TestTempRoot().string(); }

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Writes the fixtures (and expected.tsv, for verify_fixtures.sh) into
// $TEST_TMPDIR/fixtures and returns that directory.
std::string WriteFixtures() {
  std::string dir = TempDir() + "/fixtures";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string expected;
  for (const ClocFixture& f : ClocFixtures()) {
    WriteFile(absl::StrCat(dir, "/", std::string(f.name)), f.content);
    absl::StrAppend(&expected, std::string(f.name), "\t", std::string(f.language), "\t", f.blank, "\t",
                    f.comment, "\t", f.code, "\n");
  }
  WriteFile(dir + "/../expected.tsv", expected);
  return dir;
}

TEST(ClocFixturesTest, EachFileCountsAsCloc) {
  std::string dir = WriteFixtures();
  FileAnalyzer analyzer;
  for (const ClocFixture& f : ClocFixtures()) {
    SCOPED_TRACE(f.name);
    FileResult r = analyzer.AnalyzeFile(absl::StrCat(dir, "/", std::string(f.name)));
    if (f.language.empty()) {
      EXPECT_NE(r.kind, FileKind::kCounted);
      continue;
    }
    ASSERT_EQ(r.kind, FileKind::kCounted);
    EXPECT_EQ(r.language->name, f.language);
    EXPECT_EQ(r.counts.blank, f.blank);
    EXPECT_EQ(r.counts.comment, f.comment);
    EXPECT_EQ(r.counts.code, f.code);
  }
}

TEST(ClocFixturesTest, TreeTotalsAreTheSumOfTheFiles) {
  std::string dir = WriteFixtures();
  WriteFile(dir + "/empty.c", "");  // cloc skips empty files
  FileAnalyzer analyzer;
  Report report;
  WalkReport walk;
  ASSERT_TRUE(WalkTree(
                  dir, WalkOptions(),
                  [&](const FileEntry& e) { report.Add(analyzer.AnalyzeFile(e.path)); },
                  &walk)
                  .ok());
  report.AddWalk(walk);
  LineCounts expected;
  std::int64_t files = 0;
  for (const ClocFixture& f : ClocFixtures()) {
    if (f.language.empty()) continue;
    ++files;
    expected += LineCounts{f.blank, f.comment, f.code};
  }
  LanguageRow total = report.Total();
  EXPECT_EQ(total.files, files);
  EXPECT_EQ(total.counts, expected);
  EXPECT_EQ(report.skipped().binary, 1);
  EXPECT_EQ(report.skipped().not_code, 3);
  EXPECT_EQ(report.skipped().empty, 1);
}

// Every expectation of the LineCounterTest cases below was checked with
// cloc 1.96 on the same bytes (cloc --skip-uniqueness --by-file).
LineCounts Count(std::string_view language, std::string_view content) {
  const LanguageSpec* spec = FindLanguage(language);
  EXPECT_NE(spec, nullptr) << language;
  LineCounter counter;
  return counter.Count(*spec, content);
}

// FileAnalyzer reads a file of up to 1 MiB with one read() and larger ones
// in two steps (a 512-byte probe, then the rest): both give the same counts,
// and a binary file is recognized by its first 512 bytes in both.
TEST(FileAnalyzerTest, SmallAndLargeFilesAndBinaryFilesReadAlike) {
  adaptrt::testing::ScopedTempDir dir("file_analyzer");
  std::string unit = "int x; // comment\n\n/* block\n   more */ int y;\n";
  std::string small, large;
  while (small.size() < 4000) small += unit;
  while (large.size() < (std::size_t{3} << 19)) large += unit;  // 1.5 MiB
  const std::int64_t small_units = static_cast<std::int64_t>(small.size() / unit.size());
  const std::int64_t large_units = static_cast<std::int64_t>(large.size() / unit.size());
  WriteFile(dir.Sub("small.c"), small);
  WriteFile(dir.Sub("large.c"), large);
  std::string binary(600, '\0');
  WriteFile(dir.Sub("small_binary.c"), binary);
  binary.resize(std::size_t{2} << 20, 'x');  // NULs in the first 512 bytes
  WriteFile(dir.Sub("large_binary.c"), binary);

  FileAnalyzer analyzer;
  for (const auto& [name, units] :
       {std::pair{"small.c", small_units}, std::pair{"large.c", large_units}}) {
    SCOPED_TRACE(name);
    FileResult r = analyzer.AnalyzeFile(dir.Sub(name));
    ASSERT_EQ(r.kind, FileKind::kCounted);
    EXPECT_EQ(r.counts.code, 2 * units);
    EXPECT_EQ(r.counts.comment, units);  // "more */ int y;" is code
    EXPECT_EQ(r.counts.blank, units);
    EXPECT_EQ(r.bytes, static_cast<std::uint64_t>(units) * unit.size());
  }
  for (const char* name : {"small_binary.c", "large_binary.c"}) {
    SCOPED_TRACE(name);
    FileResult r = analyzer.AnalyzeFile(dir.Sub(name));
    EXPECT_EQ(r.kind, FileKind::kBinary);
    EXPECT_EQ(r.bytes, kBinaryProbeBytes);  // as far as the decision read
  }
}

TEST(LineCounterTest, EmptyAndBlankOnly) {
  EXPECT_EQ(Count("C++", ""), (LineCounts{0, 0, 0}));
  EXPECT_EQ(Count("C++", "\n\n  \t\n"), (LineCounts{3, 0, 0}));
  EXPECT_EQ(Count("Python", "\r\n\f\n\v\n"), (LineCounts{3, 0, 0}));
}

TEST(LineCounterTest, LinesAreCountedWithAndWithoutFinalNewline) {
  EXPECT_EQ(Count("C", "int a;\nint b;\n"), (LineCounts{0, 0, 2}));
  EXPECT_EQ(Count("C", "int a;\nint b;"), (LineCounts{0, 0, 2}));
  EXPECT_EQ(Count("C", "int a;\r\nint b;\r\n"), (LineCounts{0, 0, 2}));
}

TEST(LineCounterTest, CommentMarkersInStringsAreComments) {
  // cloc: the "//" in the string starts a comment, the line keeps its code.
  EXPECT_EQ(Count("C++", "auto u = \"http://x\";\n"), (LineCounts{0, 0, 1}));
  // "/*" in a string opens a comment up to the next "*/", merging the
  // string's line with the line after the "*/".
  EXPECT_EQ(Count("C++", "auto g = \"a/*\";\nint x;\nint y; // */\nint z;\n"),
            (LineCounts{0, 2, 2}));
}

TEST(LineCounterTest, BlockCommentSpanningCodeMergesLines) {
  // "int a; /* ... */ int b;" over three lines is one line of code for cloc.
  EXPECT_EQ(Count("C", "int a; /* x\ny\nz */ int b;\n"), (LineCounts{0, 2, 1}));
}

TEST(LineCounterTest, UnterminatedBlockCommentIsCode) {
  EXPECT_EQ(Count("C", "/* open\nint a;\n"), (LineCounts{0, 0, 2}));
}

TEST(LineCounterTest, CommentsDoNotNestInRust) {
  EXPECT_EQ(Count("Rust", "/* a /* b */ fn f() {} */\n"), (LineCounts{0, 0, 1}));
}

TEST(LineCounterTest, BlankAfterContinuationIsCode) {
  EXPECT_EQ(Count("C", "#define A \\\n\nint b;\n"), (LineCounts{0, 0, 3}));
  EXPECT_EQ(Count("Rust", "let a = 1; \\\n\nlet b;\n"), (LineCounts{1, 0, 2}));
}

TEST(LineCounterTest, PythonDocstringsAndHashComments) {
  EXPECT_EQ(Count("Python", "\"\"\"doc\"\"\"\nx = 1  # c\n# c\n"),
            (LineCounts{0, 2, 1}));
  EXPECT_EQ(Count("Python", "x = '/* not a comment for Python */'\ny = 2\n"),
            (LineCounts{0, 1, 1}));
  EXPECT_EQ(Count("Python", "def f():\n    '''a\n    b'''\n    return 1\n"),
            (LineCounts{0, 2, 2}));
}

TEST(LineCounterTest, ShebangLineIsCodeForScripts) {
  EXPECT_EQ(Count("Bourne Shell", "#!/bin/sh\n# c\necho\n"), (LineCounts{0, 1, 2}));
  EXPECT_EQ(Count("Bourne Shell", "\n#!/bin/sh\n"), (LineCounts{1, 0, 1}));
  // Not a script language: a #! line is an ordinary line.
  EXPECT_EQ(Count("YAML", "#!/bin/sh\nk: v\n"), (LineCounts{0, 1, 1}));
}

TEST(LineCounterTest, ByteOrderMarkIsDropped) {
  EXPECT_EQ(Count("C", "\xEF\xBB\xBF\n// c\n"), (LineCounts{1, 1, 0}));
}

TEST(LineCounterTest, CounterIsReusableAcrossFilesAndLanguages) {
  const LanguageSpec* c = FindLanguage("C");
  const LanguageSpec* py = FindLanguage("Python");
  ASSERT_NE(c, nullptr);
  ASSERT_NE(py, nullptr);
  LineCounter counter;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(counter.Count(*c, "/* a */\nint b;\n\n"), (LineCounts{1, 1, 1}));
    EXPECT_EQ(counter.Count(*py, "# a\nb = 1\n"), (LineCounts{0, 1, 1}));
  }
}

TEST(LineCounterTest, HugeUnterminatedCommentIsLinear) {
  // Many "/*" with no "*/" anywhere: one failed search, not one per opener.
  std::string content;
  for (int i = 0; i < 50000; ++i) content += "/* x\n";
  EXPECT_EQ(Count("C", content), (LineCounts{0, 0, 50000}));
}

}  // namespace
}  // namespace adaptrt::analyze
