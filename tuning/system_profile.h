// system_profile.h: what the machine (or the container) gives us: topology,
// memory, CPU quota, and the kind of disk under a path.
//
// The parsers take file contents or a root directory so that tests feed fixture
// files (a fake /proc/meminfo, a fake /sys/fs/cgroup) instead of this machine's
// values. ProfileSystem() reads the real files under ProbeRoots' defaults.
//
// Thread-safety: all functions are thread-safe (they read files and call hwloc
//                on a private topology object).
// Complexity:    ProfileSystem is dominated by hwloc's topology discovery
//                (milliseconds); the disk probe, when enabled, is bounded by
//                DiskProbeOptions::max_seconds.
// Ownership:     values only.
// Errors:        absl::Status naming the file and the line that failed to parse.
//                Missing optional sources (no cgroup, no /sys/block entry) are
//                not errors: the field stays empty.

#ifndef ADAPTRT_TUNING_SYSTEM_PROFILE_H_
#define ADAPTRT_TUNING_SYSTEM_PROFILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace adaptrt::tuning {

// Cache sizes per level, 0 where the level is absent or unknown.
struct CacheSizes {
  uint64_t l1d_bytes = 0;
  uint64_t l2_bytes = 0;
  uint64_t l3_bytes = 0;
};

struct Topology {
  int packages = 0;
  int physical_cores = 0;
  int hardware_threads = 0;
  int numa_nodes = 0;
  CacheSizes caches;  // of the first object of each level
};

// From /proc/meminfo: MemTotal and MemAvailable in bytes.
struct MemInfo {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;
};

enum class DiskKind { kUnknown, kHdd, kSsd, kNvme };
absl::string_view DiskKindName(DiskKind kind);

struct DiskProbeResult {
  double read_mb_per_s = 0;
  double write_mb_per_s = 0;
  uint64_t bytes = 0;  // bytes written and read back
};

// Where the probes read. Tests point these at fixture directories.
struct ProbeRoots {
  std::string proc = "/proc";            // meminfo, self/cgroup
  std::string sys = "/sys";              // dev/block/MAJ:MIN, block/*/queue
  std::string cgroup = "/sys/fs/cgroup"; // v2 unified root, or v1 hierarchies
};

struct DiskProbeOptions {
  // Upper bound on the bytes written then read back. Default 64 MiB.
  uint64_t max_bytes = 64ull << 20;
  // Stop writing (and reading) after this long. Default 2 s.
  double max_seconds = 2.0;
};

// Per call.
struct SystemProfileOptions {
  ProbeRoots roots;
  // The path whose disk is classified (and probed). Default: the working dir.
  std::string disk_path = ".";
  // Run the sequential read/write probe in disk_path. Off by default: it costs
  // up to 2 * max_seconds and writes a temporary file.
  bool probe_disk = false;
  DiskProbeOptions probe;
};

struct SystemProfile {
  Topology topology;
  // Host memory from /proc/meminfo.
  MemInfo host_memory;
  // The cgroup memory limit (v2 memory.max or v1 memory.limit_in_bytes, the
  // smallest along the cgroup's ancestors), absent when unlimited.
  std::optional<uint64_t> memory_limit_bytes;
  // Memory we may use: host values capped by the cgroup limit.
  uint64_t memory_total_bytes = 0;
  uint64_t memory_available_bytes = 0;
  // CPUs granted by cgroup cpu.max (v1 cfs_quota_us / cfs_period_us), absent
  // when unlimited.
  std::optional<double> cpu_quota;
  // min(hardware threads, quota), at least 1.
  double effective_cpus = 1;
  DiskKind disk = DiskKind::kUnknown;
  std::optional<DiskProbeResult> disk_probe;

  // Multi-line, human-readable summary.
  std::string ToString() const;
};

// Parses /proc/meminfo content. Errors: MemTotal missing or malformed.
// MemAvailable missing (kernels before 3.14) falls back to MemFree.
absl::StatusOr<MemInfo> ParseMeminfo(absl::string_view content);

// Parses cgroup v2 memory.max ("max" -> nullopt) or v1 memory.limit_in_bytes
// (values >= 2^60 mean unlimited -> nullopt).
absl::StatusOr<std::optional<uint64_t>> ParseMemoryLimit(absl::string_view content);

// Parses cgroup v2 cpu.max ("max 100000" -> nullopt, "200000 100000" -> 2.0).
absl::StatusOr<std::optional<double>> ParseCpuMax(absl::string_view content);

// Parses cgroup v1 cpu.cfs_quota_us and cpu.cfs_period_us (quota -1 -> nullopt).
absl::StatusOr<std::optional<double>> ParseCfsQuota(absl::string_view quota,
                                                    absl::string_view period);

// Reads <proc>/self/cgroup and returns the smallest memory limit along the
// process's cgroup and its ancestors (v2 and v1), or nullopt when unlimited or
// when no cgroup file system is visible.
absl::StatusOr<std::optional<uint64_t>> ReadMemoryLimit(const ProbeRoots& roots);

// Same for the CPU quota; nested quotas take the minimum.
absl::StatusOr<std::optional<double>> ReadCpuQuota(const ProbeRoots& roots);

// Classifies a whole-disk block device by name and queue/rotational content.
DiskKind ClassifyBlockDevice(absl::string_view device_name, absl::string_view rotational);

// The kind of disk holding `path`: st_dev -> <sys>/dev/block/MAJ:MIN -> the
// whole disk (a partition's parent) -> queue/rotational. kUnknown for virtual
// file systems (tmpfs, overlay) and anything unresolvable.
DiskKind DiskKindForPath(const std::string& path, const ProbeRoots& roots = {});
DiskKind DiskKindForDevice(unsigned major, unsigned minor, const ProbeRoots& roots);

// hwloc topology discovery.
absl::StatusOr<Topology> ReadTopology();

// Writes then reads back a temporary file in `dir`, bounded by `options`;
// the file is removed. The read may be served from the page cache (it is a
// rough probe: the result is an upper bound for reads).
absl::StatusOr<DiskProbeResult> ProbeDisk(const std::string& dir,
                                          const DiskProbeOptions& options = {});

// All of the above.
absl::StatusOr<SystemProfile> ProfileSystem(const SystemProfileOptions& options = {});

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_SYSTEM_PROFILE_H_
