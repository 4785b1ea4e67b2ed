// history_fuzzer.cc: tuning::History::Load (the tuning history file) on
// arbitrary bytes. Load reads a path, so each input is written to a scratch
// file first ($TEST_TMPDIR, else /dev/shm, else $TMPDIR or /tmp; one per
// process).
//
// Properties, beyond "no crash":
// - all or nothing: a file that does not load completely gives an empty
//   history and a non-empty warning naming the file; a loaded one gives no
//   warning;
// - round trip: Save(Load(x)) loads back without a warning to the same
//   records (same count, every signature found with the same values), and
//   saving that again writes the same bytes (encode(decode(e)) == e).

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/fuzz/fuzz_check.h"
#include "tuning/history.h"

namespace adaptrt::fuzz {
namespace {

// Memory-backed when possible: Save fsyncs, which costs milliseconds on disk.
std::string ScratchDir() {
  if (const char* dir = std::getenv("TEST_TMPDIR"); dir != nullptr && *dir != '\0') return dir;
  if (access("/dev/shm", W_OK) == 0) return "/dev/shm";
  if (const char* dir = std::getenv("TMPDIR"); dir != nullptr && *dir != '\0') return dir;
  return "/tmp";
}

const std::string& ScratchPrefix() {
  static const std::string* prefix = [] {
    auto* p = new std::string(absl::StrCat(ScratchDir(), "/adaptrt_history_fuzz.", getpid()));
    std::atexit([] {
      for (const char* suffix : {".in", ".saved", ".resaved"}) {
        std::remove((ScratchPrefix() + suffix).c_str());
      }
    });
    return p;
  }();
  return *prefix;
}

void Write(const std::string& path, absl::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  FUZZ_CHECK(out.good(), "cannot write ", path);
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  FUZZ_CHECK(in.good(), "cannot read ", path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool SameRecord(const tuning::HistoryRecord& a, const tuning::HistoryRecord& b) {
  // Byte-wise for doubles: NaN hit rates load and must survive a round trip.
  const auto same_double = [](double x, double y) {
    return (x != x && y != y) || x == y;
  };
  return a.signature == b.signature && a.workers == b.workers &&
         a.tiers.l1_bytes == b.tiers.l1_bytes && a.tiers.l2_bytes == b.tiers.l2_bytes &&
         a.tiers.l3_bytes == b.tiers.l3_bytes && same_double(a.score, b.score) &&
         same_double(a.hit_rate, b.hit_rate) && a.unix_seconds == b.unix_seconds;
}

void Check(absl::string_view data) {
  const std::string input = ScratchPrefix() + ".in";
  const std::string saved = ScratchPrefix() + ".saved";
  const std::string resaved = ScratchPrefix() + ".resaved";
  Write(input, data);
  // Save merges into an existing file: start each round trip from none.
  std::remove(saved.c_str());
  std::remove(resaved.c_str());
  std::string warning;
  const tuning::History history = tuning::History::Load(input, &warning);
  if (!warning.empty()) {
    FUZZ_CHECK(history.size() == 0, history.size(), " records kept despite: ", warning);
    FUZZ_CHECK(absl::StartsWith(warning, input), warning);
    return;
  }
  const std::vector<absl::string_view> input_lines =
      absl::StrSplit(data, '\n', absl::SkipEmpty());
  FUZZ_CHECK(!input_lines.empty() && input_lines[0] == "adaptrt-history 1" &&
                 history.size() < input_lines.size(),
             history.size(), " records loaded without a warning from ", Show(data));

  const absl::Status s = history.Save(saved);
  FUZZ_CHECK(s.ok(), s.ToString());
  const std::string saved_bytes = Read(saved);
  std::string warning2;
  const tuning::History reloaded = tuning::History::Load(saved, &warning2);
  FUZZ_CHECK(warning2.empty(), warning2, "\nsaved:\n", Show(saved_bytes));
  FUZZ_CHECK(reloaded.size() == history.size(), reloaded.size(), " vs ", history.size());
  std::vector<absl::string_view> lines = absl::StrSplit(saved_bytes, '\n', absl::SkipEmpty());
  FUZZ_CHECK(lines.size() == history.size() + 1, lines.size(), " lines for ", history.size(),
             " records");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string signature(lines[i].substr(0, lines[i].find('\t')));
    const std::optional<tuning::HistoryRecord> before = history.Best(signature);
    const std::optional<tuning::HistoryRecord> after = reloaded.Best(signature);
    FUZZ_CHECK(before.has_value() && after.has_value() && SameRecord(*before, *after),
               "record ", Show(signature), " changed in the round trip");
  }
  const absl::Status s2 = reloaded.Save(resaved);
  FUZZ_CHECK(s2.ok(), s2.ToString());
  FUZZ_CHECK(Read(resaved) == saved_bytes, "saving the reloaded history changed the file");
}

}  // namespace
}  // namespace adaptrt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  adaptrt::fuzz::Check(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
