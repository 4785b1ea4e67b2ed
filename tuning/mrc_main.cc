// mrc: prints a miss-ratio curve of a trace as TSV.
//
//   bazel run -c opt //tuning:mrc -- --trace=FILE --format=lis
//       --sampling-rate=0.01 --capacities=1000,2000,5000 [--policy=arc]
//
// Output: a header "capacity<TAB>miss_ratio" and one row per capacity.
// --policy=lru (default) estimates with SHARDS; --policy=lfu|arc (and
// lru-minisim) with mini-simulations: caches of max(1, round(C x R)) entries
// running cache/policy's code on the keys sampled at rate R (LFU at
// max(R, --lfu-min-rate), see tuning/policy_simulator.h).
// --sampling-rate=1 gives the exact curve. --max-keys=N switches LRU to
// fixed-size SHARDS. --exact adds a column "exact_miss_ratio" (LRU: from
// reuse distances; LFU/ARC: a full-size simulation per capacity) and prints
// the mean absolute error to stderr. With --entry-bytes and --budget-mb the
// cache tuner's decision follows on stderr; --policy=all prints the LRU
// (SHARDS) curve and lets the tuner choose the policy from mini-simulations of
// LRU, LFU and ARC at the same capacities. LFU is mini-simulated at
// max(R, --lfu-min-rate) (default 0.3; 0 turns that off): at small R its
// curve is optimistic (tuning/policy_simulator.h).
// Formats are cache/trace's: lirs, lis, be32, be64, keys, oracle.
// Flag names accept dashes or underscores (--sampling-rate, --sampling_rate).

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cache/policy/policy.h"
#include "cache/trace/trace_reader.h"
#include "tuning/cache_tuner.h"
#include "tuning/internal/dashed_flags.h"
#include "tuning/mrc.h"
#include "tuning/policy_simulator.h"
#include "tuning/workload_analyzer.h"

ABSL_FLAG(std::string, trace, "", "trace file");
ABSL_FLAG(std::string, format, "lirs", "trace format: lirs, lis, be32, be64, keys, oracle");
ABSL_FLAG(double, sampling_rate, 0.01, "sampling rate R in (0, 1]; 1 = exact");
ABSL_FLAG(std::string, capacities, "",
          "comma-separated capacities in entries (default: 20 even steps up to the number "
          "of distinct keys)");
ABSL_FLAG(uint64_t, max_keys, 0, "fixed-size SHARDS (LRU): at most this many sampled keys");
ABSL_FLAG(bool, exact, false, "add the exact curve as a third column, MAE on stderr");
ABSL_FLAG(std::string, policy, "lru",
          "lru (SHARDS), lru-minisim, lfu, arc (mini-simulations), all (with --budget-mb: "
          "let the tuner choose)");
ABSL_FLAG(uint64_t, seed, 0x5eed, "spatial sampling hash seed (SHARDS and mini-simulations)");
ABSL_FLAG(uint64_t, entry_bytes, 0,
          "with --budget-mb: bytes per entry, to print the cache tuner's tier decision");
ABSL_FLAG(uint64_t, budget_mb, 0, "cache budget for the tier decision, MB");
ABSL_FLAG(uint64_t, available_mb, 8192, "available memory the original rule sees, MB");
ABSL_FLAG(double, target_hit_rate, 0.8, "the tier decision's target");
ABSL_FLAG(double, lfu_min_rate, adaptrt::tuning::kLfuMinMiniSimulationRate,
          "LFU mini-simulations run at max(--sampling-rate, this) (LFU is not "
          "scale-invariant; see tuning/policy_simulator.h); 0 = at --sampling-rate");

namespace {

namespace t = adaptrt::tuning;
using adaptrt::cache::PolicyKind;
using adaptrt::tuning::MissRatioCurve;

int Fail(const std::string& message) {
  std::cerr << "mrc: " << message << "\n";
  return 2;
}

// The rate `kind` is estimated at: R, or LFU's floor (--lfu-min-rate).
double RateFor(PolicyKind kind, double rate) {
  return t::MiniSimulationRateFor(kind, rate, absl::GetFlag(FLAGS_lfu_min_rate));
}

// The estimate of `kind`'s curve at rate R (SHARDS for LRU unless
// `lru_minisim`; mini-simulations at RateFor(kind, R)).
MissRatioCurve Estimate(const std::vector<uint64_t>& trace, PolicyKind kind, bool lru_minisim,
                        double rate, const std::vector<double>& capacities,
                        const MissRatioCurve& exact_lru) {
  if (kind != PolicyKind::kLru || lru_minisim) {
    return t::MiniSimulationCurve(trace, t::CachePolicyFactory(kind), capacities,
                                  RateFor(kind, rate), absl::GetFlag(FLAGS_seed));
  }
  if (rate >= 1 && absl::GetFlag(FLAGS_max_keys) == 0 && !exact_lru.empty()) return exact_lru;
  t::ShardsOptions options;
  options.rate = rate;
  options.max_keys = absl::GetFlag(FLAGS_max_keys);
  options.seed = absl::GetFlag(FLAGS_seed);
  t::Shards shards(options);
  for (uint64_t key : trace) shards.Access(key);
  return shards.Curve();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("prints a miss-ratio curve of a trace as TSV");
  adaptrt::tuning_internal::ParseCommandLineAcceptingDashes(argc, argv);
  namespace ct = adaptrt::cache_trace;
  if (absl::GetFlag(FLAGS_trace).empty()) return Fail("--trace is required");
  absl::StatusOr<ct::TraceFormat> format = ct::ParseTraceFormat(absl::GetFlag(FLAGS_format));
  if (!format.ok()) return Fail(std::string(format.status().message()));
  absl::StatusOr<ct::Trace> read = ct::ReadTrace(absl::GetFlag(FLAGS_trace), *format);
  if (!read.ok()) return Fail(std::string(read.status().message()));
  const std::vector<uint64_t>& trace = read->keys;
  const double rate = absl::GetFlag(FLAGS_sampling_rate);
  if (!(rate > 0 && rate <= 1)) return Fail("--sampling-rate must be in (0, 1]");

  const std::string policy_flag = absl::GetFlag(FLAGS_policy);
  const bool all = policy_flag == "all";
  const bool lru_minisim = policy_flag == "lru-minisim";
  PolicyKind kind = PolicyKind::kLru;
  if (!all && !lru_minisim) {
    absl::StatusOr<PolicyKind> parsed = adaptrt::cache::ParsePolicyKind(policy_flag);
    if (!parsed.ok()) return Fail("--policy: " + std::string(parsed.status().message()));
    kind = *parsed;
  }

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
  if (capacities.empty()) {
    const absl::flat_hash_set<uint64_t> distinct(trace.begin(), trace.end());
    capacities = t::EvenCapacities(static_cast<double>(std::max<size_t>(distinct.size(), 1)), 20);
  }
  const bool column = absl::GetFlag(FLAGS_exact);
  MissRatioCurve exact_lru;
  if ((column && kind == PolicyKind::kLru) || (rate >= 1 && kind == PolicyKind::kLru)) {
    exact_lru = t::ExactLruCurve(trace);
  }
  const MissRatioCurve estimate = Estimate(trace, kind, lru_minisim, rate, capacities, exact_lru);
  MissRatioCurve exact;
  if (column) {
    exact = kind == PolicyKind::kLru ? exact_lru : t::ExactPolicyCurve(trace, kind, capacities);
  }

  std::printf(column ? "capacity\tmiss_ratio\texact_miss_ratio\n" : "capacity\tmiss_ratio\n");
  for (double c : capacities) {
    if (column) {
      std::printf("%.0f\t%.4f\t%.4f\n", c, estimate.MissRatio(c), exact.MissRatio(c));
    } else {
      std::printf("%.0f\t%.4f\n", c, estimate.MissRatio(c));
    }
  }
  if (column) {
    const bool minisim = kind != PolicyKind::kLru || lru_minisim;
    const double used = minisim ? RateFor(kind, rate) : rate;
    const std::string simulated_at =
        used != rate ? absl::StrFormat(" (simulated at R=%g)", used) : "";
    std::fprintf(stderr, "%s, R=%g%s: requests %zu, mean absolute error %.4f over %zu capacities\n",
                 all ? "lru" : policy_flag.c_str(), rate, simulated_at.c_str(), trace.size(),
                 t::MeanAbsoluteError(estimate, exact, capacities), capacities.size());
  }
  if (absl::GetFlag(FLAGS_entry_bytes) > 0 && absl::GetFlag(FLAGS_budget_mb) > 0) {
    t::CacheTunerOptions options;
    options.target_hit_rate = absl::GetFlag(FLAGS_target_hit_rate);
    std::vector<t::PolicyCurve> curves = {{kind, estimate}};
    if (all) {
      // Every candidate by mini-simulation at the same capacities, so that
      // no curve is finer-grained than another.
      curves.clear();
      for (PolicyKind k : {PolicyKind::kLru, PolicyKind::kLfu, PolicyKind::kArc}) {
        curves.push_back({k, Estimate(trace, k, /*lru_minisim=*/true, rate, capacities,
                                      exact_lru)});
      }
    }
    const t::CacheDecision d = t::DecidePolicyAndTierSizes(
        curves, absl::GetFlag(FLAGS_entry_bytes), absl::GetFlag(FLAGS_budget_mb) << 20,
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
