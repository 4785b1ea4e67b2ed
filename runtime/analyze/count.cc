// count: the single-threaded reference driver of the analysis core. Walks
// each DIR, counts every file as cloc 1.96 does, prints cloc's table (or
// the report's JSON, or one line per file for comparisons with
// `cloc --by-file`).
//
// Usage: count [--json | --by-file] DIR...
//   --by-file  prints "path<TAB>language<TAB>blank<TAB>comment<TAB>code" for
//              each counted file, then "#skip<TAB>path<TAB>why" for the rest.

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_format.h"
#include "runtime/analyze/file_analyzer.h"
#include "runtime/analyze/report.h"
#include "runtime/analyze/tree_walker.h"

int main(int argc, char** argv) {
  using namespace adaptrt::analyze;  // NOLINT(build/namespaces)
  bool json = false;
  bool by_file = false;
  std::vector<std::string> roots;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--by-file") {
      by_file = true;
    } else if (arg == "--help" || arg == "-h") {
      std::printf("usage: count [--json | --by-file] DIR...\n");
      return 0;
    } else if (arg.starts_with("--")) {
      std::fprintf(stderr, "count: unknown flag %s (try --help)\n", argv[i]);
      return 2;
    } else {
      roots.emplace_back(arg);
    }
  }
  if (roots.empty()) roots.emplace_back(".");

  FileAnalyzer analyzer;
  Report report;
  int status = 0;
  for (const std::string& root : roots) {
    WalkReport walk;
    absl::Status s = WalkTree(
        root, WalkOptions(),
        [&](const FileEntry& entry) {
          FileResult result = analyzer.AnalyzeFile(entry.path);
          report.Add(result);
          if (!by_file) return;
          if (result.kind == FileKind::kCounted) {
            absl::PrintF("%s\t%s\t%d\t%d\t%d\n", entry.path, result.language->name,
                         result.counts.blank, result.counts.comment,
                         result.counts.code);
          } else {
            absl::PrintF("#skip\t%s\t%s\n", entry.path, FileKindName(result.kind));
          }
        },
        &walk);
    if (!s.ok()) {
      std::fprintf(stderr, "count: %s\n", std::string(s.message()).c_str());
      status = 1;
      continue;
    }
    report.AddWalk(walk);
    for (const WalkReport::Example& e : walk.examples) {
      std::fprintf(stderr, "count: %s: %s%s%s\n", e.path.c_str(),
                   std::string(WalkProblemName(e.problem)).c_str(),
                   e.detail.empty() ? "" : ": ", e.detail.c_str());
    }
  }
  if (json) {
    std::printf("%s\n", report.Json().c_str());
  } else if (!by_file) {
    std::fputs(report.Table().c_str(), stdout);
  }
  return status;
}
