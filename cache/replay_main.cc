// replay: replays a cache trace through the production cache for each
// (policy, capacity) pair and prints a TSV table of hit ratios.
//
//   bazel run -c opt //cache:replay -- --trace=FILE --format=lis
//       --policies=lru,lfu,arc --capacities=1000,5000 [--bytes]
//
// Relative --trace paths resolve against $BUILD_WORKING_DIRECTORY (the
// directory `bazel run` was started from). Errors go to stderr, naming the
// file and line/offset; the exit status is then non-zero.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cache/policy/policy.h"
#include "cache/trace/replayer.h"
#include "cache/trace/trace_reader.h"

ABSL_FLAG(std::string, trace, "", "trace file to replay (required)");
ABSL_FLAG(std::string, format, "",
          "trace format: lirs, lis, be32, be64, keys or oracle (required)");
ABSL_FLAG(std::string, policies, "lru,lfu,arc",
          "comma-separated eviction policies: lru, lfu, arc");
ABSL_FLAG(std::string, capacities, "",
          "comma-separated capacities: entries, or bytes with --bytes "
          "(required)");
ABSL_FLAG(bool, bytes, false,
          "capacities are bytes and each request is charged its object size "
          "(oracle traces)");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "replay: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace ct = adaptrt::cache_trace;
  namespace cache = adaptrt::cache;
  absl::SetProgramUsageMessage(
      "replays a cache trace through adaptrt's cache and prints hit ratios:\n"
      "  replay --trace=FILE --format=FMT --policies=lru,lfu,arc "
      "--capacities=1000,5000 [--bytes]");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return Fail(absl::StrCat("unexpected argument \"", positional[1], "\""));
  }

  std::string path = absl::GetFlag(FLAGS_trace);
  if (path.empty()) return Fail("--trace is required");
  if (const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
      cwd != nullptr && *cwd != '\0' &&
      std::filesystem::path(path).is_relative()) {
    path = (std::filesystem::path(cwd) / path).string();
  }
  if (absl::GetFlag(FLAGS_format).empty()) return Fail("--format is required");
  absl::StatusOr<ct::TraceFormat> format =
      ct::ParseTraceFormat(absl::GetFlag(FLAGS_format));
  if (!format.ok()) return Fail(std::string(format.status().message()));

  std::vector<cache::PolicyKind> policies;
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_policies), ',', absl::SkipEmpty())) {
    absl::StatusOr<cache::PolicyKind> kind =
        cache::ParsePolicyKind(std::string(name));
    if (!kind.ok()) return Fail(std::string(kind.status().message()));
    policies.push_back(*kind);
  }
  if (policies.empty()) return Fail("--policies names no policy");

  std::vector<std::uint64_t> capacities;
  for (absl::string_view text :
       absl::StrSplit(absl::GetFlag(FLAGS_capacities), ',', absl::SkipEmpty())) {
    std::uint64_t capacity = 0;
    if (!absl::SimpleAtoi(text, &capacity) || capacity == 0) {
      return Fail(absl::StrCat("--capacities: expected positive integers, got \"",
                               text, "\""));
    }
    capacities.push_back(capacity);
  }
  if (capacities.empty()) return Fail("--capacities is required");

  absl::StatusOr<ct::Trace> trace = ct::ReadTrace(path, *format);
  if (!trace.ok()) return Fail(std::string(trace.status().message()));

  const bool bytes = absl::GetFlag(FLAGS_bytes);
  if (bytes && trace->sizes.size() != trace->keys.size()) {
    return Fail(absl::StrCat(path, ": --bytes needs object sizes; only "
                                   "--format=oracle traces carry them"));
  }
  std::fputs(ct::ReplayTsvHeader().c_str(), stdout);
  for (cache::PolicyKind policy : policies) {
    for (std::uint64_t capacity : capacities) {
      absl::StatusOr<ct::ReplayResult> result =
          ct::Replay(*trace, policy, capacity, bytes);
      if (!result.ok()) return Fail(std::string(result.status().message()));
      std::fputs(ct::ReplayTsvRow(*result).c_str(), stdout);
      std::fflush(stdout);
    }
  }
  return 0;
}
