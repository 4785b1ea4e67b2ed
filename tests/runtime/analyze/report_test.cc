// Tests of the report: cloc's order, totals, merging, the table and JSON.

#include "runtime/analyze/report.h"

#include <string>

#include "gtest/gtest.h"
#include "runtime/analyze/language.h"

namespace adaptrt::analyze {
namespace {

const LanguageSpec& Lang(std::string_view name) {
  const LanguageSpec* spec = FindLanguage(name);
  EXPECT_NE(spec, nullptr) << name;
  return *spec;
}

TEST(ReportTest, SortedByCodeDescendingThenName) {
  Report report;
  report.AddCounted(Lang("Python"), {1, 2, 30});
  report.AddCounted(Lang("C++"), {4, 5, 100});
  report.AddCounted(Lang("C"), {0, 0, 30});
  report.AddCounted(Lang("C++"), {1, 1, 10});
  std::vector<LanguageRow> rows = report.Languages();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].language, "C++");
  EXPECT_EQ(rows[0].files, 2);
  EXPECT_EQ(rows[0].counts, (LineCounts{5, 6, 110}));
  EXPECT_EQ(rows[1].language, "C");  // ties on code: by name
  EXPECT_EQ(rows[2].language, "Python");
  LanguageRow total = report.Total();
  EXPECT_EQ(total.files, 4);
  EXPECT_EQ(total.counts, (LineCounts{6, 8, 170}));
}

TEST(ReportTest, SkippedFilesAndMerge) {
  Report a, b;
  FileResult binary;
  binary.kind = FileKind::kBinary;
  a.Add(binary);
  FileResult counted;
  counted.kind = FileKind::kCounted;
  counted.language = &Lang("Go");
  counted.counts = {1, 1, 1};
  b.Add(counted);
  FileResult vanished;
  vanished.kind = FileKind::kVanished;
  b.Add(vanished);
  WalkReport walk;
  walk.excluded = 2;
  walk.empty_files = 3;
  walk.problems[static_cast<int>(WalkProblem::kDanglingSymlink)] = 1;
  b.AddWalk(walk);
  a.Merge(b);
  EXPECT_EQ(a.Total().files, 1);
  EXPECT_EQ(a.skipped().binary, 1);
  EXPECT_EQ(a.skipped().vanished, 1);
  EXPECT_EQ(a.skipped().excluded, 2);
  EXPECT_EQ(a.skipped().empty, 3);
  EXPECT_EQ(a.skipped().walk_problems, 1);
}

TEST(ReportTest, TableLooksLikeCloc) {
  Report report;
  report.AddCounted(Lang("C/C++ Header"), {357540, 804178, 1749006});
  std::string table = report.Table();
  EXPECT_NE(table.find("Language                      files          blank        "
                       "comment           code\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("C/C++ Header                      1         357540         "
                       "804178        1749006\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("SUM:"), std::string::npos);
}

TEST(ReportTest, JsonShape) {
  Report report;
  report.AddCounted(Lang("C++"), {1, 2, 3});
  report.AddCounted(Lang("Bourne Shell"), {0, 1, 1});
  EXPECT_EQ(report.Json(),
            R"({"languages": [{"language": "C++", "files": 1, "blank": 1, "comment": 2, )"
            R"("code": 3}, {"language": "Bourne Shell", "files": 1, "blank": 0, )"
            R"("comment": 1, "code": 1}], "total": {"files": 2, "blank": 1, )"
            R"("comment": 3, "code": 4}, "skipped": {"binary": 0, "not_code": 0, )"
            R"("empty": 0, "unreadable": 0, "vanished": 0, "excluded": 0, )"
            R"("too_large": 0, "walk_problems": 0}})");
}

TEST(ReportTest, JsonQuoteEscapes) {
  EXPECT_EQ(JsonQuote("C/C++ \"x\"\\\n\x01"), R"("C/C++ \"x\"\\\n\u0001")");
}

}  // namespace
}  // namespace adaptrt::analyze
