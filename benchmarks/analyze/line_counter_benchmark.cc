// line_counter_benchmark: single-threaded counting throughput of the
// analysis core on real source held in memory, against the cheapest scan of
// the same bytes (counting '\n' with memchr, what `wc -l` does), so the
// ratio says how much cloc's rules cost over merely touching the bytes.
//
// Corpus: the C/C++ headers of /usr/include (up to 64 MB) and the Python
// files of /usr/lib/python3 (up to 32 MB), read once at start-up; a
// benchmark whose corpus is absent is skipped.
//
// Run: bazel run -c opt //benchmarks/analyze:line_counter_benchmark --
//        --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/analyze/file_analyzer.h"
#include "runtime/analyze/language.h"
#include "runtime/analyze/line_counter.h"
#include "runtime/analyze/tree_walker.h"

namespace adaptrt::analyze {
namespace {

struct Corpus {
  std::vector<std::string> paths;
  std::vector<std::string> contents;
  std::vector<const LanguageSpec*> languages;
  std::size_t bytes = 0;
};

Corpus Load(const char* root, std::string_view language, std::size_t max_bytes) {
  Corpus corpus;
  std::string buffer;
  WalkReport report;
  (void)WalkTree(
      root, WalkOptions(),
      [&](const FileEntry& e) {
        if (corpus.bytes >= max_bytes) return;
        if (ReadWholeFile(e.path, &buffer) != 0 || LooksBinary(buffer)) return;
        Detection d = DetectLanguage(e.path, buffer);
        if (d.language == nullptr || d.language->name != language) return;
        corpus.paths.push_back(e.path);
        corpus.contents.push_back(buffer);
        corpus.languages.push_back(d.language);
        corpus.bytes += buffer.size();
      },
      &report);
  return corpus;
}

const Corpus& Headers() {
  static const Corpus* corpus = new Corpus(Load("/usr/include", "C/C++ Header", 64 << 20));
  return *corpus;
}
const Corpus& PythonFiles() {
  static const Corpus* corpus = new Corpus(Load("/usr/lib/python3", "Python", 32 << 20));
  return *corpus;
}

// Runs `fn(i)` over every file of the corpus per iteration and reports the
// corpus's bytes per second.
template <typename Fn>
void OverCorpus(benchmark::State& state, const Corpus& corpus, Fn fn) {
  if (corpus.bytes == 0) {
    state.SkipWithError("corpus not found");
    return;
  }
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < corpus.contents.size(); ++i) sum += fn(i);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus.bytes));
}

// Peer: count newlines with memchr.
void Newlines(benchmark::State& state, const Corpus& corpus) {
  OverCorpus(state, corpus, [&](std::size_t i) {
    std::int64_t lines = 0;
    const std::string& c = corpus.contents[i];
    const char* p = c.data();
    const char* end = p + c.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr) {
      ++lines;
      ++p;
    }
    return lines;
  });
}

// Us: cloc's counting rules (language already known).
void Count(benchmark::State& state, const Corpus& corpus) {
  LineCounter counter;
  OverCorpus(state, corpus, [&](std::size_t i) {
    return counter.Count(*corpus.languages[i], corpus.contents[i]).code;
  });
}

// Us, whole per-file pipeline minus the read: binary test, language
// detection, count.
void Analyze(benchmark::State& state, const Corpus& corpus) {
  FileAnalyzer analyzer;
  OverCorpus(state, corpus, [&](std::size_t i) {
    return analyzer.AnalyzeContent(corpus.paths[i], corpus.contents[i]).counts.code;
  });
}

void BM_Headers_NewlinesPeer(benchmark::State& s) { Newlines(s, Headers()); }
void BM_Headers_Count(benchmark::State& s) { Count(s, Headers()); }
void BM_Headers_Analyze(benchmark::State& s) { Analyze(s, Headers()); }
void BM_Python_NewlinesPeer(benchmark::State& s) { Newlines(s, PythonFiles()); }
void BM_Python_Count(benchmark::State& s) { Count(s, PythonFiles()); }
void BM_Python_Analyze(benchmark::State& s) { Analyze(s, PythonFiles()); }

BENCHMARK(BM_Headers_NewlinesPeer)->Name("count_headers/memchr")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Headers_Count)->Name("count_headers/adaptrt")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Headers_Analyze)->Name("analyze_headers/adaptrt")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Python_NewlinesPeer)->Name("count_python/memchr")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Python_Count)->Name("count_python/adaptrt")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Python_Analyze)->Name("analyze_python/adaptrt")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace adaptrt::analyze

BENCHMARK_MAIN();
