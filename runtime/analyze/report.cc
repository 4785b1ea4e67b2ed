// report.cc: aggregation in a hash map keyed by the (static) language name;
// sorting and formatting happen only when a report is printed.

#include "runtime/analyze/report.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace adaptrt::analyze {

void Report::AddCounted(const LanguageSpec& language, const LineCounts& counts) {
  LanguageRow& row = rows_[language.name];
  row.language = language.name;
  ++row.files;
  row.counts += counts;
}

void Report::Add(const FileResult& result) {
  switch (result.kind) {
    case FileKind::kCounted:
      AddCounted(*result.language, result.counts);
      break;
    case FileKind::kBinary:
      ++skipped_.binary;
      break;
    case FileKind::kNotCode:
      ++skipped_.not_code;
      break;
    case FileKind::kEmpty:
      ++skipped_.empty;
      break;
    case FileKind::kUnreadable:
      ++skipped_.unreadable;
      break;
    case FileKind::kVanished:
      ++skipped_.vanished;
      break;
  }
}

void Report::AddWalk(const WalkReport& walk) {
  skipped_.empty += walk.empty_files;
  skipped_.excluded += walk.excluded;
  skipped_.too_large += walk.too_large;
  skipped_.vanished += walk.count(WalkProblem::kVanished);
  skipped_.unreadable += walk.count(WalkProblem::kUnreadableDirectory) +
                         walk.count(WalkProblem::kUnreadableEntry);
  skipped_.walk_problems += walk.total_problems() -
                            walk.count(WalkProblem::kVanished) -
                            walk.count(WalkProblem::kUnreadableDirectory) -
                            walk.count(WalkProblem::kUnreadableEntry);
}

void Report::Merge(const Report& other) {
  for (const auto& [name, row] : other.rows_) {
    LanguageRow& mine = rows_[name];
    mine.language = name;
    mine.files += row.files;
    mine.counts += row.counts;
  }
  skipped_.binary += other.skipped_.binary;
  skipped_.not_code += other.skipped_.not_code;
  skipped_.empty += other.skipped_.empty;
  skipped_.unreadable += other.skipped_.unreadable;
  skipped_.vanished += other.skipped_.vanished;
  skipped_.excluded += other.skipped_.excluded;
  skipped_.too_large += other.skipped_.too_large;
  skipped_.walk_problems += other.skipped_.walk_problems;
}

std::vector<LanguageRow> Report::Languages() const {
  std::vector<LanguageRow> rows;
  rows.reserve(rows_.size());
  for (const auto& [name, row] : rows_) rows.push_back(row);
  std::sort(rows.begin(), rows.end(), [](const LanguageRow& a, const LanguageRow& b) {
    if (a.counts.code != b.counts.code) return a.counts.code > b.counts.code;
    return a.language < b.language;
  });
  return rows;
}

LanguageRow Report::Total() const {
  LanguageRow total;
  for (const auto& [name, row] : rows_) {
    total.files += row.files;
    total.counts += row.counts;
  }
  return total;
}

std::string Report::Table() const {
  const std::string rule(80, '-');
  std::string out = absl::StrCat(rule, "\n");
  absl::StrAppendFormat(&out, "%-28s%7s%15s%15s%15s\n", "Language", "files",
                        "blank", "comment", "code");
  absl::StrAppend(&out, rule, "\n");
  auto row_line = [&](std::string_view name, const LanguageRow& row) {
    absl::StrAppendFormat(&out, "%-28s%7d%15d%15d%15d\n", name, row.files,
                          row.counts.blank, row.counts.comment, row.counts.code);
  };
  for (const LanguageRow& row : Languages()) row_line(row.language, row);
  absl::StrAppend(&out, rule, "\n");
  row_line("SUM:", Total());
  absl::StrAppend(&out, rule, "\n");
  absl::StrAppendFormat(
      &out,
      "not counted: %d binary, %d not code, %d empty, %d excluded, %d too large, "
      "%d unreadable, %d vanished, %d other walk problems\n",
      skipped_.binary, skipped_.not_code, skipped_.empty, skipped_.excluded,
      skipped_.too_large, skipped_.unreadable, skipped_.vanished,
      skipped_.walk_problems);
  return out;
}

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out += "\"";
  return out;
}

std::string Report::Json() const {
  auto fields = [](const LanguageRow& row) {
    return absl::StrFormat(R"("files": %d, "blank": %d, "comment": %d, "code": %d)",
                           row.files, row.counts.blank, row.counts.comment,
                           row.counts.code);
  };
  std::string out = "{\"languages\": [";
  bool first = true;
  for (const LanguageRow& row : Languages()) {
    absl::StrAppend(&out, first ? "" : ", ", "{\"language\": ", JsonQuote(row.language),
                    ", ", fields(row), "}");
    first = false;
  }
  absl::StrAppend(&out, "], \"total\": {", fields(Total()), "}, ");
  absl::StrAppendFormat(&out,
                        R"("skipped": {"binary": %d, "not_code": %d, "empty": %d, )"
                        R"("unreadable": %d, "vanished": %d, "excluded": %d, )"
                        R"("too_large": %d, "walk_problems": %d}})",
                        skipped_.binary, skipped_.not_code, skipped_.empty,
                        skipped_.unreadable, skipped_.vanished, skipped_.excluded,
                        skipped_.too_large, skipped_.walk_problems);
  return out;
}

}  // namespace adaptrt::analyze
