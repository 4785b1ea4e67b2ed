#include "tuning/system_profile.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tuning/internal/file_util.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::tuning {
namespace {

namespace fs = std::filesystem;
using tuning_internal::WriteFileAtomically;

constexpr char kMeminfo[] =
    "MemTotal:       16384000 kB\n"
    "MemFree:         1000000 kB\n"
    "MemAvailable:    8192000 kB\n"
    "Buffers:          100000 kB\n";

// A fresh fixture directory under TEST_TMPDIR.
fs::path FixtureDir(const std::string& name) {
  fs::path dir = adaptrt::testing::TestTempRoot() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Write(const fs::path& path, const std::string& content) {
  ASSERT_TRUE(WriteFileAtomically(path.string(), content).ok()) << path;
}

TEST(ParseMeminfo, ReadsTotalAndAvailable) {
  absl::StatusOr<MemInfo> info = ParseMeminfo(kMeminfo);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->total_bytes, 16384000ull * 1024);
  EXPECT_EQ(info->available_bytes, 8192000ull * 1024);
}

TEST(ParseMeminfo, FallsBackToMemFreeAndRejectsGarbage) {
  absl::StatusOr<MemInfo> info = ParseMeminfo("MemTotal: 100 kB\nMemFree: 40 kB\n");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->available_bytes, 40u * 1024);
  EXPECT_EQ(ParseMeminfo("MemFree: 40 kB\n").status().message(), "meminfo: no MemTotal line");
  EXPECT_EQ(ParseMeminfo("MemTotal: lots kB\n").status().message(),
            "meminfo:1: MemTotal: expected a number, got \"lots\"");
}

TEST(ParseCgroup, MemoryLimits) {
  EXPECT_EQ(*ParseMemoryLimit("max\n"), std::nullopt);
  EXPECT_EQ(*ParseMemoryLimit("2147483648\n"), std::optional<uint64_t>(2147483648u));
  EXPECT_EQ(*ParseMemoryLimit("9223372036854771712\n"), std::nullopt);  // v1 "unlimited"
  EXPECT_FALSE(ParseMemoryLimit("two gigs").ok());
}

TEST(ParseCgroup, CpuQuotas) {
  EXPECT_EQ(*ParseCpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(*ParseCpuMax("200000 100000\n"), std::optional<double>(2.0));
  EXPECT_EQ(*ParseCpuMax("50000 100000"), std::optional<double>(0.5));
  EXPECT_EQ(ParseCpuMax("x 100000").status().message(),
            "cpu.max: expected \"QUOTA PERIOD\", got \"x 100000\"");
  EXPECT_EQ(*ParseCfsQuota("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(*ParseCfsQuota("150000\n", "100000\n"), std::optional<double>(1.5));
  EXPECT_FALSE(ParseCfsQuota("150000", "0").ok());
}

TEST(ReadCgroup, V2NestedLimitsTakeTheSmallest) {
  const fs::path root = FixtureDir("cgroup_v2");
  ProbeRoots roots{(root / "proc").string(), (root / "sys").string(),
                   (root / "sys/fs/cgroup").string()};
  Write(root / "proc/self/cgroup", "0::/kubepods/pod1/container\n");
  Write(root / "sys/fs/cgroup/kubepods/memory.max", "4294967296\n");
  Write(root / "sys/fs/cgroup/kubepods/pod1/container/memory.max", "max\n");
  Write(root / "sys/fs/cgroup/kubepods/pod1/memory.max", "1073741824\n");
  Write(root / "sys/fs/cgroup/kubepods/pod1/container/cpu.max", "200000 100000\n");
  Write(root / "sys/fs/cgroup/kubepods/cpu.max", "max 100000\n");
  EXPECT_EQ(*ReadMemoryLimit(roots), std::optional<uint64_t>(1073741824u));
  EXPECT_EQ(*ReadCpuQuota(roots), std::optional<double>(2.0));
}

TEST(ReadCgroup, V1Hierarchies) {
  const fs::path root = FixtureDir("cgroup_v1");
  ProbeRoots roots{(root / "proc").string(), (root / "sys").string(),
                   (root / "sys/fs/cgroup").string()};
  Write(root / "proc/self/cgroup",
        "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n");
  Write(root / "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "536870912\n");
  Write(root / "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  Write(root / "sys/fs/cgroup/cpu/docker/abc/cpu.cfs_quota_us", "300000\n");
  Write(root / "sys/fs/cgroup/cpu/docker/abc/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(*ReadMemoryLimit(roots), std::optional<uint64_t>(536870912u));
  EXPECT_EQ(*ReadCpuQuota(roots), std::optional<double>(3.0));
}

TEST(ReadCgroup, NoCgroupMeansUnlimited) {
  const fs::path root = FixtureDir("cgroup_none");
  ProbeRoots roots{(root / "proc").string(), (root / "sys").string(),
                   (root / "sys/fs/cgroup").string()};
  EXPECT_EQ(*ReadMemoryLimit(roots), std::nullopt);
  EXPECT_EQ(*ReadCpuQuota(roots), std::nullopt);
}

TEST(ReadCgroup, MalformedFileNamesThePath) {
  const fs::path root = FixtureDir("cgroup_bad");
  ProbeRoots roots{(root / "proc").string(), (root / "sys").string(),
                   (root / "sys/fs/cgroup").string()};
  Write(root / "sys/fs/cgroup/memory.max", "lots\n");
  absl::StatusOr<std::optional<uint64_t>> limit = ReadMemoryLimit(roots);
  ASSERT_FALSE(limit.ok());
  EXPECT_EQ(limit.status().message(),
            (root / "sys/fs/cgroup/memory.max").string() +
                ": memory limit: expected a number or \"max\", got \"lots\"");
}

TEST(DiskKind, ClassifiesBlockDevices) {
  EXPECT_EQ(ClassifyBlockDevice("nvme0n1", "0\n"), DiskKind::kNvme);
  EXPECT_EQ(ClassifyBlockDevice("sda", "1\n"), DiskKind::kHdd);
  EXPECT_EQ(ClassifyBlockDevice("sdb", "0\n"), DiskKind::kSsd);
  EXPECT_EQ(ClassifyBlockDevice("vda", ""), DiskKind::kUnknown);
}

TEST(DiskKind, ResolvesPartitionsThroughSysDevBlock) {
  const fs::path root = FixtureDir("sys_block");
  ProbeRoots roots{(root / "proc").string(), (root / "sys").string(),
                   (root / "sys/fs/cgroup").string()};
  const fs::path disk = root / "sys/devices/pci0000:00/0000:00:1f.2/host0/block/sda";
  Write(disk / "queue/rotational", "1\n");
  Write(disk / "sda1/partition", "1\n");
  const fs::path nvme = root / "sys/devices/pci0000:00/nvme/nvme0/nvme0n1";
  Write(nvme / "queue/rotational", "0\n");
  fs::create_directories(root / "sys/dev/block");
  fs::create_symlink(disk / "sda1", root / "sys/dev/block/8:1");
  fs::create_symlink(nvme, root / "sys/dev/block/259:0");
  EXPECT_EQ(DiskKindForDevice(8, 1, roots), DiskKind::kHdd);
  EXPECT_EQ(DiskKindForDevice(259, 0, roots), DiskKind::kNvme);
  EXPECT_EQ(DiskKindForDevice(8, 2, roots), DiskKind::kUnknown);  // absent
  EXPECT_EQ(DiskKindForDevice(0, 42, roots), DiskKind::kUnknown);  // tmpfs
}

TEST(ProfileSystem, FixtureCapsMemoryAndCpus) {
  const fs::path root = FixtureDir("whole");
  SystemProfileOptions options;
  options.roots = {(root / "proc").string(), (root / "sys").string(),
                   (root / "sys/fs/cgroup").string()};
  Write(root / "proc/meminfo", kMeminfo);
  Write(root / "proc/self/cgroup", "0::/\n");
  Write(root / "sys/fs/cgroup/memory.max", "2147483648\n");
  Write(root / "sys/fs/cgroup/cpu.max", "50000 100000\n");
  absl::StatusOr<SystemProfile> profile = ProfileSystem(options);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->memory_total_bytes, 2147483648u);
  EXPECT_EQ(profile->memory_available_bytes, 2147483648u);
  EXPECT_EQ(profile->host_memory.total_bytes, 16384000ull * 1024);
  EXPECT_EQ(profile->effective_cpus, 1.0);  // 0.5 CPU of quota rounds up to one
  EXPECT_EQ(profile->cpu_quota, std::optional<double>(0.5));
}

TEST(ProfileSystem, RealMachineIsSane) {
  SystemProfileOptions options;
  options.probe_disk = true;
  options.probe.max_bytes = 4 << 20;
  options.probe.max_seconds = 0.5;
  options.disk_path = adaptrt::testing::TestTempRoot().string();
  absl::StatusOr<SystemProfile> profile = ProfileSystem(options);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_GE(profile->topology.hardware_threads, 1);
  EXPECT_GE(profile->topology.physical_cores, 1);
  EXPECT_LE(profile->topology.physical_cores, profile->topology.hardware_threads);
  EXPECT_GT(profile->memory_total_bytes, 0u);
  EXPECT_LE(profile->memory_available_bytes, profile->memory_total_bytes);
  EXPECT_GE(profile->effective_cpus, 1.0);
  ASSERT_TRUE(profile->disk_probe.has_value());
  EXPECT_GT(profile->disk_probe->bytes, 0u);
  EXPECT_GT(profile->disk_probe->write_mb_per_s, 0.0);
  std::cout << profile->ToString();
}

}  // namespace
}  // namespace adaptrt::tuning
