// The on-disk hwloc topology export: its key follows the boot id and the
// allowed CPUs, a hit reuses the file, a new key replaces it, an unwritable
// directory fails before any discovery, and hwloc loading the export sees the
// topology a fresh discovery sees.

#include "runtime/internal/topology_cache.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"
#include "tuning/system_profile.h"

namespace adaptrt::runtime_internal {
namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int CountExports(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    n += absl::StartsWith(e.path().filename().string(), "topology-");
  }
  return n;
}

class TopologyCacheTest : public ::testing::Test {
 protected:
  TopologyCacheTest() : tmp_("topology") {
    options_.directory = tmp_.Sub("cache");
    options_.boot_id_path = tmp_.Sub("boot_id");
    options_.status_path = tmp_.Sub("status");
    Write(options_.boot_id_path, "11111111-aaaa\n");
    Write(options_.status_path, "Name:\tx\nCpus_allowed_list:\t0-1\nMems_allowed_list:\t0\n");
  }

  testing::ScopedTempDir tmp_;
  TopologyCacheOptions options_;
};

TEST_F(TopologyCacheTest, KeyNamesBootIdAllowedCpusAndHwlocVersion) {
  absl::StatusOr<std::string> key = TopologyCacheKey(options_);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(absl::StrContains(*key, "boot_id=11111111-aaaa\n")) << *key;
  EXPECT_TRUE(absl::StrContains(*key, "cpus_allowed=0-1\n")) << *key;
  EXPECT_TRUE(absl::StrContains(*key, "mems_allowed=0\n")) << *key;
  EXPECT_TRUE(absl::StrContains(*key, "hwloc_api=0x")) << *key;

  ::setenv("HWLOC_TOPOLOGY_CACHE_TEST", "1", 1);
  absl::StatusOr<std::string> with_env = TopologyCacheKey(options_);
  ::unsetenv("HWLOC_TOPOLOGY_CACHE_TEST");
  ASSERT_TRUE(with_env.ok());
  EXPECT_TRUE(absl::StrContains(*with_env, "env HWLOC_TOPOLOGY_CACHE_TEST=1\n")) << *with_env;
}

TEST_F(TopologyCacheTest, NoBootIdIsNotFound) {
  options_.boot_id_path = tmp_.Sub("missing");
  EXPECT_EQ(TopologyCacheKey(options_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CachedTopologyXml(options_).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TopologyCacheTest, HitReusesTheFileAndANewKeyReplacesIt) {
  absl::StatusOr<std::string> first = CachedTopologyXml(options_);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(absl::StrContains(Read(*first), "<topology")) << *first;

  // A hit returns the file as it is: mark it and see the mark come back.
  Write(*first, Read(*first) + "<!-- marked -->\n");
  absl::StatusOr<std::string> again = CachedTopologyXml(options_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *first);
  EXPECT_TRUE(absl::StrContains(Read(*again), "marked"));

  // Another CPU set (a cgroup cpuset change) is another key: a fresh export,
  // and the old one is gone.
  Write(options_.status_path, "Cpus_allowed_list:\t0\nMems_allowed_list:\t0\n");
  absl::StatusOr<std::string> other = CachedTopologyXml(options_);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(*other, *first);
  EXPECT_FALSE(fs::exists(*first));
  EXPECT_FALSE(absl::StrContains(Read(*other), "marked"));
  EXPECT_EQ(CountExports(options_.directory), 1);

  // So is a reboot.
  Write(options_.boot_id_path, "22222222-bbbb\n");
  absl::StatusOr<std::string> rebooted = CachedTopologyXml(options_);
  ASSERT_TRUE(rebooted.ok()) << rebooted.status();
  EXPECT_NE(*rebooted, *other);
  EXPECT_EQ(CountExports(options_.directory), 1);
}

TEST_F(TopologyCacheTest, UnwritableDirectoryFailsWithoutLeavingFiles) {
  Write(tmp_.Sub("a_file"), "x");
  options_.directory = tmp_.Sub("a_file") + "/topology";  // under a regular file
  EXPECT_EQ(CachedTopologyXml(options_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TopologyCacheTest, LoadedExportMatchesDiscovery) {
  absl::StatusOr<tuning::Topology> discovered = tuning::ReadTopology();
  ASSERT_TRUE(discovered.ok()) << discovered.status();

  absl::StatusOr<std::string> xml = CachedTopologyXml(options_);
  ASSERT_TRUE(xml.ok()) << xml.status();
  ::setenv("HWLOC_XMLFILE", xml->c_str(), 1);
  ::setenv("HWLOC_THISSYSTEM", "1", 1);
  absl::StatusOr<tuning::Topology> loaded = tuning::ReadTopology();
  ::unsetenv("HWLOC_XMLFILE");
  ::unsetenv("HWLOC_THISSYSTEM");
  ASSERT_TRUE(loaded.ok()) << loaded.status();

  EXPECT_EQ(loaded->packages, discovered->packages);
  EXPECT_EQ(loaded->physical_cores, discovered->physical_cores);
  EXPECT_EQ(loaded->hardware_threads, discovered->hardware_threads);
  EXPECT_EQ(loaded->numa_nodes, discovered->numa_nodes);
  EXPECT_EQ(loaded->caches.l1d_bytes, discovered->caches.l1d_bytes);
  EXPECT_EQ(loaded->caches.l2_bytes, discovered->caches.l2_bytes);
  EXPECT_EQ(loaded->caches.l3_bytes, discovered->caches.l3_bytes);
  EXPECT_GT(loaded->hardware_threads, 0);
}

}  // namespace
}  // namespace adaptrt::runtime_internal
