// mrc: prints a miss-ratio curve of a trace as TSV.
//
//   bazel run -c opt //tuning:mrc -- --trace=FILE --format=lis
//       --sampling-rate=0.01 --capacities=1000,2000,5000
//
// Output: a header "capacity<TAB>miss_ratio" and one row per capacity (LRU).
// --sampling-rate=1 gives the exact curve. --max-keys=N switches to
// fixed-size SHARDS. --exact adds a column "exact_miss_ratio" and prints the
// mean absolute error to stderr. --policy=lru runs SHARDS; --policy=lru-minisim
// runs the mini-simulation with the LRU simulator. --policy=arc|lfu are not
// available yet (they need cache/policy code behind PolicySimulator).
// Flag names accept dashes or underscores (--sampling-rate, --sampling_rate).

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tuning/internal/dashed_flags.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_format.h"
#include "tuning/cache_tuner.h"
#include "tuning/internal/trace_reader.h"
#include "tuning/mrc.h"
#include "tuning/workload_analyzer.h"

ABSL_FLAG(std::string, trace, "", "trace file");
ABSL_FLAG(std::string, format, "lirs", "trace format: lis, lirs, keys, be32");
ABSL_FLAG(double, sampling_rate, 0.01, "SHARDS sampling rate R in (0, 1]; 1 = exact");
ABSL_FLAG(std::string, capacities, "",
          "comma-separated capacities in entries (default: 20 even steps up to the number "
          "of distinct keys)");
ABSL_FLAG(uint64_t, max_keys, 0, "fixed-size SHARDS: at most this many sampled keys");
ABSL_FLAG(bool, exact, false, "add the exact LRU curve as a third column, MAE on stderr");
ABSL_FLAG(std::string, policy, "lru", "lru (SHARDS), lru-minisim, arc, lfu");
ABSL_FLAG(uint64_t, entry_bytes, 0,
          "with --budget-mb: bytes per entry, to print the cache tuner's tier decision");
ABSL_FLAG(uint64_t, budget_mb, 0, "cache budget for the tier decision, MB");
ABSL_FLAG(uint64_t, available_mb, 8192, "available memory the original rule sees, MB");
ABSL_FLAG(double, target_hit_rate, 0.8, "the tier decision's target");

namespace {

using adaptrt::tuning::MissRatioCurve;

int Fail(const std::string& message) {
  std::cerr << "mrc: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("prints a miss-ratio curve of a trace as TSV");
  adaptrt::tuning_internal::ParseCommandLineAcceptingDashes(argc, argv);
  namespace t = adaptrt::tuning;
  namespace ti = adaptrt::tuning_internal;
  if (absl::GetFlag(FLAGS_trace).empty()) return Fail("--trace is required");
  absl::StatusOr<ti::TraceFormat> format = ti::ParseTraceFormat(absl::GetFlag(FLAGS_format));
  if (!format.ok()) return Fail(std::string(format.status().message()));
  absl::StatusOr<std::vector<uint64_t>> trace = ti::ReadTrace(absl::GetFlag(FLAGS_trace), *format);
  if (!trace.ok()) return Fail(std::string(trace.status().message()));
  const double rate = absl::GetFlag(FLAGS_sampling_rate);
  if (!(rate > 0 && rate <= 1)) return Fail("--sampling-rate must be in (0, 1]");
  const std::string policy = absl::GetFlag(FLAGS_policy);
  if (policy == "arc" || policy == "lfu") {
    return Fail("--policy=" + policy +
                ": the mini-simulation needs cache/policy's implementation behind "
                "tuning::PolicySimulator; not wired yet (use lru or lru-minisim)");
  }
  if (policy != "lru" && policy != "lru-minisim") return Fail("unknown --policy " + policy);

  std::vector<double> capacities;
  if (const std::string list = absl::GetFlag(FLAGS_capacities); !list.empty()) {
    for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
      double c = 0;
      if (!absl::SimpleAtod(item, &c) || c <= 0) {
        return Fail("--capacities: expected positive numbers, got \"" + std::string(item) + "\"");
      }
      capacities.push_back(c);
    }
  }
  const bool want_exact = absl::GetFlag(FLAGS_exact) || capacities.empty();
  MissRatioCurve exact;
  if (want_exact || rate >= 1) exact = t::ExactLruCurve(*trace);
  if (capacities.empty()) {
    const double distinct = exact.empty() ? 1 : exact.points().back().capacity;
    capacities = t::EvenCapacities(distinct, 20);
  }

  MissRatioCurve estimate;
  if (policy == "lru-minisim") {
    estimate = t::MiniSimulationCurve(*trace, t::LruFactory(), capacities, rate);
  } else if (rate >= 1 && absl::GetFlag(FLAGS_max_keys) == 0) {
    estimate = exact;
  } else {
    t::ShardsOptions options;
    options.rate = rate;
    options.max_keys = absl::GetFlag(FLAGS_max_keys);
    t::Shards shards(options);
    for (uint64_t key : *trace) shards.Access(key);
    estimate = shards.Curve();
  }

  const bool column = absl::GetFlag(FLAGS_exact);
  std::printf(column ? "capacity\tmiss_ratio\texact_miss_ratio\n" : "capacity\tmiss_ratio\n");
  for (double c : capacities) {
    if (column) {
      std::printf("%.0f\t%.4f\t%.4f\n", c, estimate.MissRatio(c), exact.MissRatio(c));
    } else {
      std::printf("%.0f\t%.4f\n", c, estimate.MissRatio(c));
    }
  }
  if (column) {
    std::fprintf(stderr, "requests %zu, mean absolute error %.4f over %zu capacities\n",
                 trace->size(), t::MeanAbsoluteError(estimate, exact, capacities),
                 capacities.size());
  }
  if (absl::GetFlag(FLAGS_entry_bytes) > 0 && absl::GetFlag(FLAGS_budget_mb) > 0) {
    t::CacheTunerOptions options;
    options.target_hit_rate = absl::GetFlag(FLAGS_target_hit_rate);
    const t::CacheDecision d = t::DecideTierSizes(
        estimate, absl::GetFlag(FLAGS_entry_bytes), absl::GetFlag(FLAGS_budget_mb) << 20,
        absl::GetFlag(FLAGS_available_mb) << 20, options);
    std::fprintf(stderr, "tiers: L1 %.1f MB, L2 %.1f MB, L3 %.1f MB; %s\n",
                 d.sizes.l1_bytes / 1048576.0, d.sizes.l2_bytes / 1048576.0,
                 d.sizes.l3_bytes / 1048576.0, d.reason.c_str());
    double loop = 0, half = 0;
    std::string why;
    const double distinct = estimate.empty() ? 0 : estimate.points().back().capacity;
    const t::ReusePattern pattern = t::ClassifyReuse(estimate, distinct, &loop, &half, &why);
    std::fprintf(stderr, "reuse pattern: %s (%s)\n", t::ReusePatternName(pattern), why.c_str());
  }
  return 0;
}
