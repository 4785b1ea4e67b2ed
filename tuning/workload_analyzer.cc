// workload_analyzer.cc: execution classification, Space-Saving, reuse
// patterns and recommendations.
//
// SpaceSaving invariants: entries_ and by_count_ hold the same keys, at most
// capacity_ of them; by_count_ orders them by (count, key) so the minimum is
// begin(). A new key takes over the minimum counter: count = min + weight,
// error = min (the classic bound: true count in [count - error, count]).
//
// Reuse pattern, from the LRU curve (c10, c50, c90:
// capacities where 10/50/90% of the achievable hits are reached):
//   scanning          achievable hit ratio below 20%;
//   looping           c90 / c10 < 1.5 (a cliff: LRU gets nothing until the
//                     loop fits; the loop size is c90);
//   recency-friendly  c50 at most 10% of the working set;
//   irregular         otherwise.
// Not thread-safe; no atomics.

#include "tuning/workload_analyzer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace adaptrt::tuning {
namespace {

std::string Count(double n) {
  if (n >= 1e6) return absl::StrFormat("%.2fM", n / 1e6);
  if (n >= 1e4) return absl::StrFormat("%.0fK", n / 1e3);
  return absl::StrFormat("%.0f", n);
}

}  // namespace

ExecutionClassification ClassifyExecution(double task_cpu_seconds, double task_wall_seconds,
                                          const ClassifierOptions& options) {
  ExecutionClassification c;
  if (!(task_wall_seconds > 0)) {
    c.explanation = "no task time measured yet";
    return c;
  }
  c.known = true;
  c.blocking_ratio = std::clamp(1.0 - task_cpu_seconds / task_wall_seconds, 0.0, 1.0);
  if (c.blocking_ratio < options.cpu_bound_below) {
    c.type = TaskType::kCpuBound;
  } else if (c.blocking_ratio > options.io_bound_above) {
    c.type = TaskType::kIoBound;
  } else {
    c.type = TaskType::kMixed;
  }
  c.explanation = absl::StrFormat(
      "%s: tasks spent %.1f s on CPU of %.1f s wall, blocking %.0f%% of the time", 
      TaskTypeName(c.type), task_cpu_seconds, task_wall_seconds, 100 * c.blocking_ratio);
  return c;
}

SpaceSaving::SpaceSaving(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void SpaceSaving::Add(uint64_t key, uint64_t weight) {
  total_ += weight;
  if (auto it = entries_.find(key); it != entries_.end()) {
    by_count_.erase({it->second.count, key});
    it->second.count += weight;
    by_count_.insert({it->second.count, key});
    return;
  }
  Entry entry{key, weight, 0};
  if (entries_.size() >= capacity_) {
    const auto [min_count, min_key] = *by_count_.begin();
    by_count_.erase(by_count_.begin());
    entries_.erase(min_key);
    entry.count = min_count + weight;
    entry.error = min_count;
  }
  entries_[key] = entry;
  by_count_.insert({entry.count, key});
}

std::vector<SpaceSaving::Entry> SpaceSaving::Top(size_t n) const {
  std::vector<Entry> top;
  for (auto it = by_count_.rbegin(); it != by_count_.rend() && top.size() < n; ++it) {
    top.push_back(entries_.at(it->second));
  }
  return top;
}

const char* ReusePatternName(ReusePattern pattern) {
  switch (pattern) {
    case ReusePattern::kRecencyFriendly:
      return "recency-friendly";
    case ReusePattern::kLooping:
      return "looping";
    case ReusePattern::kScanning:
      return "scanning";
    case ReusePattern::kIrregular:
      return "irregular";
    case ReusePattern::kUnknown:
      break;
  }
  return "unknown";
}

ReusePattern ClassifyReuse(const MissRatioCurve& curve, double working_set_keys,
                           double* loop_keys, double* keys_for_half_hits,
                           std::string* explanation) {
  if (curve.empty()) {
    *explanation = "no reuse seen yet";
    return ReusePattern::kUnknown;
  }
  const double floor = curve.points().back().miss_ratio;
  const double max_hits = 1.0 - floor;
  const auto capacity_for_share = [&](double share) {
    return curve.CapacityFor(1.0 - share * max_hits).value_or(working_set_keys);
  };
  const double c10 = capacity_for_share(0.1), c50 = capacity_for_share(0.5),
               c90 = capacity_for_share(0.9);
  *keys_for_half_hits = c50;
  *loop_keys = 0;
  if (max_hits < 0.2) {
    *explanation = absl::StrFormat(
        "%.0f%% of accesses are first accesses; even an unbounded LRU cache hits %.0f%%",
        100 * floor, 100 * max_hits);
    return ReusePattern::kScanning;
  }
  if (c10 > 0 && c90 / c10 < 1.5) {
    *loop_keys = c90;
    *explanation = absl::StrFormat(
        "LRU's hits jump from 10%% to 90%% of the achievable %.0f%% between %s and %s keys "
        "(a loop of about %s keys)",
        100 * max_hits, Count(c10), Count(c90), Count(c90));
    return ReusePattern::kLooping;
  }
  if (c50 <= 0.1 * working_set_keys) {
    *explanation = absl::StrFormat(
        "half of the achievable %.0f%% hits come within %s keys, %.1f%% of the working set",
        100 * max_hits, Count(c50), 100 * c50 / std::max(working_set_keys, 1.0));
    return ReusePattern::kRecencyFriendly;
  }
  *explanation = absl::StrFormat(
      "hits spread over sizes: 10%%/50%%/90%% of the achievable %.0f%% at %s/%s/%s keys",
      100 * max_hits, Count(c10), Count(c50), Count(c90));
  return ReusePattern::kIrregular;
}

WorkloadAnalyzer::WorkloadAnalyzer(const WorkloadAnalyzerOptions& options)
    : options_(options), hot_(options.top_k), shards_(options.shards) {}

void WorkloadAnalyzer::AddExecution(const ExecutorSample& sample) {
  task_cpu_seconds_ += sample.task_cpu_seconds;
  task_wall_seconds_ += sample.task_wall_seconds;
}

void WorkloadAnalyzer::AddKey(uint64_t key) {
  hot_.Add(key);
  shards_.Access(key);
}

void WorkloadAnalyzer::AddKeys(absl::Span<const uint64_t> keys) {
  for (uint64_t key : keys) AddKey(key);
}

WorkloadReport WorkloadAnalyzer::Report(double cpus) const {
  WorkloadReport report;
  report.execution =
      ClassifyExecution(task_cpu_seconds_, task_wall_seconds_, options_.classifier);
  std::vector<std::string>& out = report.recommendations;
  if (report.execution.known) {
    const double b = std::min(report.execution.blocking_ratio, 0.95);
    const double workers = std::max(1.0, std::round(cpus / (1.0 - b)));
    out.push_back(absl::StrFormat(
        "Work is %s (tasks block %.0f%% of their wall time): start near %.0f workers for "
        "%.4g CPUs (CPUs / (1 - blocking)); the original rule says %d.",
        TaskTypeName(report.execution.type), 100 * report.execution.blocking_ratio, workers,
        cpus, InitialWorkers(report.execution.type, cpus)));
  }

  KeyStreamReport& k = report.keys;
  k.accesses = hot_.total();
  if (k.accesses > 0) {
    k.hot_keys = hot_.Top(options_.hot_keys_reported);
    uint64_t hot_count = 0;
    for (const SpaceSaving::Entry& e : k.hot_keys) hot_count += e.count - e.error;
    k.hot_share = static_cast<double>(hot_count) / static_cast<double>(k.accesses);
    k.working_set_keys = static_cast<double>(shards_.sampled_keys()) / shards_.rate();
    k.lru_curve = shards_.Curve();
    k.max_hit_ratio = k.lru_curve.empty() ? 0 : 1.0 - k.lru_curve.points().back().miss_ratio;
    k.pattern = ClassifyReuse(k.lru_curve, k.working_set_keys, &k.loop_keys,
                              &k.keys_for_half_hits, &k.pattern_explanation);
    const std::string bytes =
        options_.entry_bytes == 0
            ? std::string()
            : absl::StrFormat(" (%.0f MB at %d bytes per entry)",
                              k.working_set_keys * options_.entry_bytes / (1 << 20),
                              options_.entry_bytes);
    out.push_back(absl::StrFormat("Working set: about %s distinct keys%s over %s accesses.",
                                  Count(k.working_set_keys), bytes,
                                  Count(static_cast<double>(k.accesses))));
    if (!k.hot_keys.empty() && k.hot_share >= 0.05) {
      out.push_back(absl::StrFormat(
          "Hot keys: the top %d take at least %.1f%% of accesses (the hottest %.1f%%); keep "
          "them in L1.",
          k.hot_keys.size(), 100 * k.hot_share,
          100.0 * static_cast<double>(k.hot_keys[0].count - k.hot_keys[0].error) /
              static_cast<double>(k.accesses)));
    }
    switch (k.pattern) {
      case ReusePattern::kLooping:
        out.push_back(absl::StrFormat(
            "Looping access: %s. LRU gains nothing below %s entries: size the cache above "
            "that, or use ARC or LFU, which keep part of the loop.",
            k.pattern_explanation, Count(k.loop_keys)));
        break;
      case ReusePattern::kScanning:
        out.push_back(absl::StrFormat(
            "Scanning access: %s. Caching helps little; keep the cache small or filter "
            "admissions.",
            k.pattern_explanation));
        break;
      case ReusePattern::kRecencyFriendly:
        out.push_back(absl::StrFormat(
            "Recency-friendly access: %s. LRU works well; a cache of %s entries gets half "
            "of the achievable hits.",
            k.pattern_explanation, Count(k.keys_for_half_hits)));
        break;
      case ReusePattern::kIrregular:
        out.push_back(absl::StrFormat(
            "Irregular reuse: %s. Size the cache from the miss-ratio curve's knee.",
            k.pattern_explanation));
        break;
      case ReusePattern::kUnknown:
        break;
    }
  }
  return report;
}

}  // namespace adaptrt::tuning
