// profile_fuzzer.cc: tuning::ParseProfile (the YAML profile loader) on
// arbitrary bytes.
//
// Properties, beyond "no crash, no exception escapes":
// - an error is InvalidArgument and its message names the file;
// - a parsed profile is inside the schema's ranges (profile.h, profile.cc);
// - round trip: the profile written back as YAML, every key, parses to an
//   equal profile (decode(encode(v)) == v).

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "tests/fuzz/fuzz_check.h"
#include "tuning/profile/profile.h"
#include "yaml-cpp/yaml.h"

namespace adaptrt::fuzz {
namespace {

constexpr char kFile[] = "profiles/fuzz.yaml";

std::string Real(double v) { return absl::StrFormat("%.17g", v); }

// Every key of `p` as a YAML document, strings double-quoted by yaml-cpp.
std::string ToYaml(const tuning::Profile& p) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << p.name;
  out << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << p.description;
  out << YAML::Key << "cache" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "l1_mb" << YAML::Value << p.cache.l1_mb;
  out << YAML::Key << "l2_mb" << YAML::Value << p.cache.l2_mb;
  out << YAML::Key << "l3_mb" << YAML::Value << p.cache.l3_mb;
  out << YAML::Key << "ttl_hours" << YAML::Value << Real(p.cache.ttl_hours);
  out << YAML::Key << "policy" << YAML::Value << p.cache.policy;
  out << YAML::EndMap;
  out << YAML::Key << "executor" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "workers" << YAML::Value << p.executor.workers;
  out << YAML::Key << "thread_pool" << YAML::Value << p.executor.thread_pool;
  out << YAML::Key << "process_pool" << YAML::Value << p.executor.process_pool;
  out << YAML::Key << "work_stealing" << YAML::Value << p.executor.work_stealing;
  out << YAML::EndMap;
  out << YAML::Key << "expected_speedup" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "min" << YAML::Value << Real(p.expected_speedup.min);
  out << YAML::Key << "max" << YAML::Value << Real(p.expected_speedup.max);
  out << YAML::EndMap;
  out << YAML::Key << "tuning" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << p.tuning.enabled;
  out << YAML::Key << "period_ms" << YAML::Value << p.tuning.period_ms;
  out << YAML::Key << "target" << YAML::Value << p.tuning.target;
  out << YAML::Key << "target_hit_rate" << YAML::Value << Real(p.tuning.target_hit_rate);
  out << YAML::EndMap;
  out << YAML::EndMap;
  return out.c_str();
}

bool OneOf(const std::string& v, std::initializer_list<std::string_view> choices) {
  for (std::string_view c : choices) {
    if (v == c) return true;
  }
  return false;
}

void CheckRanges(const tuning::Profile& p) {
  constexpr std::uint64_t kMaxMb = std::uint64_t{1} << 30;
  FUZZ_CHECK(p.name == "fuzz", "name ", Show(p.name));
  for (std::uint64_t mb : {p.cache.l1_mb, p.cache.l2_mb, p.cache.l3_mb}) {
    FUZZ_CHECK(mb >= 1 && mb <= kMaxMb, mb);
  }
  FUZZ_CHECK(p.cache.ttl_hours > 0 && p.cache.ttl_hours <= 24.0 * 365 * 100, p.cache.ttl_hours);
  FUZZ_CHECK(OneOf(p.cache.policy, {"lru", "lfu", "arc"}), Show(p.cache.policy));
  for (int n : {p.executor.workers, p.executor.thread_pool, p.executor.process_pool}) {
    FUZZ_CHECK(n >= 1 && n <= 4096, n);
  }
  FUZZ_CHECK(p.expected_speedup.min > 0 && p.expected_speedup.max <= 1e6 &&
                 p.expected_speedup.min <= p.expected_speedup.max,
             p.expected_speedup.min, " .. ", p.expected_speedup.max);
  FUZZ_CHECK(p.tuning.period_ms >= 10 && p.tuning.period_ms <= 3600 * 1000, p.tuning.period_ms);
  FUZZ_CHECK(OneOf(p.tuning.target, {"throughput", "latency", "memory"}), Show(p.tuning.target));
  FUZZ_CHECK(p.tuning.target_hit_rate > 0 && p.tuning.target_hit_rate <= 1,
             p.tuning.target_hit_rate);
}

}  // namespace
}  // namespace adaptrt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using adaptrt::fuzz::Show;
  const absl::string_view yaml(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<adaptrt::tuning::Profile> profile =
      adaptrt::tuning::ParseProfile(yaml, adaptrt::fuzz::kFile);
  if (!profile.ok()) {
    const absl::Status& s = profile.status();
    FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument, s.ToString());
    FUZZ_CHECK(absl::StartsWith(s.message(), adaptrt::fuzz::kFile) &&
                   s.message().size() > sizeof(adaptrt::fuzz::kFile),
               s.ToString());
    return 0;
  }
  adaptrt::fuzz::CheckRanges(*profile);
  const std::string again = adaptrt::fuzz::ToYaml(*profile);
  const absl::StatusOr<adaptrt::tuning::Profile> reparsed =
      adaptrt::tuning::ParseProfile(again, adaptrt::fuzz::kFile);
  FUZZ_CHECK(reparsed.ok(), reparsed.status().ToString(), "\n", again);
  FUZZ_CHECK(*reparsed == *profile, "written back as\n", again, "\nparsed to description ",
             Show(reparsed->description), ", was ", Show(profile->description));
  return 0;
}
