// profile.h: named settings profiles (profiles/*.yaml): their schema, the
// YAML loader that validates them, and the selector that picks one for a
// machine and a workload.
//
// Why here and not in runtime/: STYLE.md places profile loading in runtime/;
// the profile *schema* and *selection* are tuning decisions (issue 5 owns
// them) and the auto-tuner starts from a profile, so they live in tuning/.
// runtime/ calls LoadProfileFile / SelectProfile; nothing here touches the
// live cache or executor.
//
// The reference profile (profiles/reference.yaml) lists every key with its
// default and a comment; the defaults of the structs below are the same
// values (a test checks it). Other profiles override only what differs.
//
// Thread-safety: all functions are thread-safe (no shared state).
// Complexity:    linear in the file size.
// Ownership:     values only.
// Errors:        absl::InvalidArgumentError naming the place:
//                `profiles/large.yaml:12: cache.l2_mb: expected a positive
//                integer, got "-4"`; NotFound for a missing file. yaml-cpp's
//                exceptions never escape.

#ifndef ADAPTRT_TUNING_PROFILE_PROFILE_H_
#define ADAPTRT_TUNING_PROFILE_PROFILE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tuning/system_profile.h"

namespace adaptrt::tuning {

struct CacheProfile {
  uint64_t l1_mb = 260;     // in-memory hot tier
  uint64_t l2_mb = 780;     // in-memory warm tier
  uint64_t l3_mb = 1560;    // persistent tier (RocksDB)
  double ttl_hours = 24;    // entry lifetime
  std::string policy = "lru";  // lru | lfu | arc
};

struct ExecutorProfile {
  int workers = 8;          // executor worker threads
  int thread_pool = 16;     // threads for blocking calls
  int process_pool = 8;     // helper processes
  bool work_stealing = false;
};

struct SpeedupRange {
  double min = 5;  // expected speedup over sequential, lower bound
  double max = 8;  // upper bound
};

struct AutoTuneProfile {
  bool enabled = true;
  int period_ms = 1000;            // auto-tuner loop period
  std::string target = "throughput";  // throughput | latency | memory
  double target_hit_rate = 0.8;    // cache tuner's goal, in (0, 1]
};

struct Profile {
  std::string name = "reference";
  std::string description = "every key with its default";
  CacheProfile cache;
  ExecutorProfile executor;
  SpeedupRange expected_speedup;
  AutoTuneProfile tuning;

  uint64_t total_cache_mb() const { return cache.l1_mb + cache.l2_mb + cache.l3_mb; }
  friend bool operator==(const Profile&, const Profile&);
};

// Parses `yaml` on top of the defaults. `file` names the source in errors;
// the profile's `name` key must equal the file's stem ("large" for
// "profiles/large.yaml") when given.
absl::StatusOr<Profile> ParseProfile(absl::string_view yaml, const std::string& file);

// Reads and parses a file.
absl::StatusOr<Profile> LoadProfileFile(const std::string& path);

// Every *.yaml in `dir`, by name. Fails on the first broken file.
absl::StatusOr<std::map<std::string, Profile>> LoadProfileDir(const std::string& dir);

// The built-in profile names, in selection order of the hardware rules.
inline constexpr const char* kProfileNames[] = {
    "memory_constrained", "cpu_constrained", "high_performance",
    "small_project",      "medium_project",  "large_project"};

struct ProfileChoice {
  std::string name;         // one of kProfileNames
  std::string explanation;  // why, with the numbers
};

// Hardware rules first: memory < 4 GB -> memory_constrained; effective CPUs
// < 4 -> cpu_constrained; >= 16 CPUs and >= 32 GB -> high_performance.
// Otherwise by file count: < 1000 small_project, <= 10000 medium_project,
// else large_project.
ProfileChoice SelectProfile(const SystemProfile& system, uint64_t file_count);

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_PROFILE_PROFILE_H_
