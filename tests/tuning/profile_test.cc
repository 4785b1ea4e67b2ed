#include "tuning/profile/profile.h"

#include <string>

#include "absl/strings/match.h"

#include "gtest/gtest.h"
#include "tuning/system_profile.h"

namespace adaptrt::tuning {
namespace {

// Tests run in the runfiles tree, where data dependencies keep their
// workspace-relative paths.
constexpr char kProfilesDir[] = "profiles";

TEST(Profiles, EveryProfileLoads) {
  absl::StatusOr<std::map<std::string, Profile>> profiles = LoadProfileDir(kProfilesDir);
  ASSERT_TRUE(profiles.ok()) << profiles.status();
  EXPECT_EQ(profiles->size(), 7u);
  for (const char* name : kProfileNames) {
    ASSERT_TRUE(profiles->contains(name)) << name;
    const Profile& p = profiles->at(name);
    EXPECT_LE(p.expected_speedup.min, p.expected_speedup.max) << name;
    EXPECT_GE(p.executor.thread_pool, p.executor.workers) << name;
  }
  ASSERT_TRUE(profiles->contains("reference"));
}

TEST(Profiles, ReferenceListsTheDefaults) {
  absl::StatusOr<Profile> reference = LoadProfileFile("profiles/reference.yaml");
  ASSERT_TRUE(reference.ok()) << reference.status();
  EXPECT_EQ(*reference, Profile{});
}

TEST(Profiles, ValuesOfTheOriginalDesign) {
  absl::StatusOr<std::map<std::string, Profile>> all = LoadProfileDir(kProfilesDir);
  ASSERT_TRUE(all.ok()) << all.status();
  const Profile& small = all->at("small_project");
  EXPECT_EQ(small.cache.l1_mb, 50u);
  EXPECT_EQ(small.cache.l2_mb, 100u);
  EXPECT_EQ(small.cache.l3_mb, 250u);
  EXPECT_EQ(small.cache.ttl_hours, 12);
  EXPECT_EQ(small.executor.workers, 4);
  EXPECT_EQ(small.executor.thread_pool, 8);
  EXPECT_EQ(small.executor.process_pool, 4);
  EXPECT_EQ(small.expected_speedup.min, 3);
  EXPECT_EQ(small.expected_speedup.max, 5);
  EXPECT_EQ(all->at("medium_project").total_cache_mb(), 2600u);
  EXPECT_EQ(all->at("medium_project").executor.workers, 8);
  EXPECT_EQ(all->at("large_project").total_cache_mb(), 6200u);
  EXPECT_EQ(all->at("large_project").executor.workers, 16);
  const Profile& hp = all->at("high_performance");
  EXPECT_EQ(hp.cache.l1_mb, 500u);
  EXPECT_EQ(hp.cache.l2_mb, 2000u);
  EXPECT_EQ(hp.cache.l3_mb, 8000u);
  EXPECT_EQ(hp.cache.ttl_hours, 72);
  EXPECT_EQ(hp.executor.workers, 32);
  EXPECT_EQ(hp.executor.thread_pool, 64);
  EXPECT_EQ(hp.executor.process_pool, 32);
  EXPECT_TRUE(hp.executor.work_stealing);
  EXPECT_EQ(hp.expected_speedup.min, 10);
  EXPECT_EQ(hp.expected_speedup.max, 20);
  const Profile& mem = all->at("memory_constrained");
  EXPECT_EQ(mem.total_cache_mb(), 250u);
  EXPECT_EQ(mem.executor.workers, 2);
  const Profile& cpu = all->at("cpu_constrained");
  EXPECT_EQ(cpu.total_cache_mb(), 1400u);
  EXPECT_EQ(cpu.executor.workers, 4);
  // Totals split 10/30/60.
  for (const char* name : {"medium_project", "large_project", "memory_constrained",
                           "cpu_constrained"}) {
    const Profile& p = all->at(name);
    EXPECT_EQ(p.cache.l1_mb * 10, p.total_cache_mb()) << name;
    EXPECT_EQ(p.cache.l2_mb * 10, p.total_cache_mb() * 3) << name;
  }
}

TEST(Profiles, BrokenFilesNameFileLineAndKey) {
  const std::string dir = "tests/tuning/testdata/";
  EXPECT_EQ(LoadProfileFile(dir + "negative_size.yaml").status().message(),
            dir + "negative_size.yaml:4: cache.l2_mb: expected a positive integer, got \"-4\"");
  EXPECT_EQ(LoadProfileFile(dir + "wrong_type.yaml").status().message(),
            dir + "wrong_type.yaml:2: executor.workers: expected a positive integer, got "
                  "\"eight\"");
  EXPECT_EQ(LoadProfileFile(dir + "unknown_key.yaml").status().message(),
            dir + "unknown_key.yaml:3: cache.l4_mb: unknown key");
  const absl::Status not_yaml = LoadProfileFile(dir + "not_yaml.yaml").status();
  EXPECT_EQ(not_yaml.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(not_yaml.message(), dir + "not_yaml.yaml:3: not valid YAML: "))
      << not_yaml.message();
  EXPECT_EQ(LoadProfileFile(dir + "absent.yaml").status().code(), absl::StatusCode::kNotFound);
}

TEST(Profiles, InlineErrors) {
  EXPECT_EQ(ParseProfile("cache: 5\n", "p.yaml").status().message(),
            "p.yaml:1: cache: expected a mapping, got \"5\"");
  EXPECT_EQ(ParseProfile("caches:\n  l1_mb: 5\n", "p.yaml").status().message(),
            "p.yaml:1: caches: unknown key");
  EXPECT_EQ(ParseProfile("executor:\n  work_stealing: maybe\n", "p.yaml").status().message(),
            "p.yaml:2: executor.work_stealing: expected true or false, got \"maybe\"");
  EXPECT_EQ(ParseProfile("cache:\n  policy: fifo\n", "p.yaml").status().message(),
            "p.yaml:2: cache.policy: expected one of lru, lfu, arc, got \"fifo\"");
  EXPECT_EQ(ParseProfile("tuning:\n  target_hit_rate: 1.5\n", "p.yaml").status().message(),
            "p.yaml:2: tuning.target_hit_rate: expected a number in (0, 1], got \"1.5\"");
  EXPECT_EQ(ParseProfile("executor:\n  workers: 5000\n", "p.yaml").status().message(),
            "p.yaml:2: executor.workers: expected at most 4096, got \"5000\"");
  EXPECT_EQ(ParseProfile("cache:\n  l1_mb: [1, 2]\n", "p.yaml").status().message(),
            "p.yaml:2: cache.l1_mb: expected a positive integer, got a list");
  EXPECT_EQ(ParseProfile("expected_speedup:\n  min: 9\n  max: 3\n", "p.yaml").status().message(),
            "p.yaml:2: expected_speedup: min 9 exceeds max 3");
  EXPECT_EQ(ParseProfile("name: other\n", "dir/p.yaml").status().message(),
            "dir/p.yaml:1: name: expected \"p\" (the file's name), got \"other\"");
  EXPECT_EQ(ParseProfile("just a sentence\n", "p.yaml").status().message(),
            "p.yaml:1: expected a mapping of keys, got \"just a sentence\"");
  // Found by //tests/fuzz:profile_fuzzer: strings must be UTF-8 (else the
  // profile cannot be written back as YAML).
  EXPECT_EQ(ParseProfile("description: \"a\xE0\xDF\x8B\"\n", "p.yaml").status().message(),
            "p.yaml:1: description: expected UTF-8 text");
  EXPECT_EQ(ParseProfile("description: \xC0\xAF\n", "p.yaml").status().message(),
            "p.yaml:1: description: expected UTF-8 text");  // overlong '/'
  EXPECT_EQ(ParseProfile("description: \xED\xA0\x80\n", "p.yaml").status().message(),
            "p.yaml:1: description: expected UTF-8 text");  // surrogate
  absl::StatusOr<Profile> utf8 =
      ParseProfile("description: caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80\n", "p.yaml");
  ASSERT_TRUE(utf8.ok()) << utf8.status();
  EXPECT_EQ(utf8->description, "caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80");
  // Comments only: every default.
  absl::StatusOr<Profile> empty = ParseProfile("# nothing\n", "reference.yaml");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, Profile{});
}

SystemProfile Machine(double cpus, double memory_gb) {
  SystemProfile s;
  s.effective_cpus = cpus;
  s.memory_total_bytes = static_cast<uint64_t>(memory_gb * (1ull << 30));
  s.memory_available_bytes = s.memory_total_bytes;
  return s;
}

TEST(SelectProfile, HardwareRulesFirstThenFileCount) {
  EXPECT_EQ(SelectProfile(Machine(64, 2), 50).name, "memory_constrained");
  EXPECT_EQ(SelectProfile(Machine(2, 64), 50000).name, "cpu_constrained");
  EXPECT_EQ(SelectProfile(Machine(16, 32), 10).name, "high_performance");
  EXPECT_EQ(SelectProfile(Machine(8, 16), 999).name, "small_project");
  EXPECT_EQ(SelectProfile(Machine(8, 16), 1000).name, "medium_project");
  EXPECT_EQ(SelectProfile(Machine(8, 16), 10000).name, "medium_project");
  EXPECT_EQ(SelectProfile(Machine(8, 16), 10001).name, "large_project");
  EXPECT_EQ(SelectProfile(Machine(16, 16), 20000).name, "large_project");
  EXPECT_EQ(SelectProfile(Machine(2, 64), 50000).explanation,
            "64.0 GB of memory, 2 CPUs: fewer than 4 CPUs");
  EXPECT_EQ(SelectProfile(Machine(8, 16), 20000).explanation,
            "16.0 GB of memory, 8 CPUs: no hardware rule applies; 20000 files (> 10000)");
}

TEST(SelectProfile, EverySelectionNamesALoadableProfile) {
  absl::StatusOr<std::map<std::string, Profile>> all = LoadProfileDir(kProfilesDir);
  ASSERT_TRUE(all.ok());
  for (double cpus : {1.0, 4.0, 32.0}) {
    for (double gb : {1.0, 8.0, 64.0}) {
      for (uint64_t files : {10u, 5000u, 100000u}) {
        EXPECT_TRUE(all->contains(SelectProfile(Machine(cpus, gb), files).name));
      }
    }
  }
}

}  // namespace
}  // namespace adaptrt::tuning
