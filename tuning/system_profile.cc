// system_profile.cc: topology (hwloc), memory (/proc/meminfo capped by
// cgroups), CPU quota (cgroup cpu.max / cfs quota), disk kind (/sys/block).
//
// Design: every source is parsed by a pure function over its text, so tests
// cover the formats with fixtures; the Read* functions only locate files
// under ProbeRoots. A container sees its own cgroup at the cgroup root
// ("0::/"), a host process sees a path below it: we walk from the process's
// cgroup up to the root and take the smallest limit (limits nest).
// No shared state; hwloc gets a private topology per call.

#include "tuning/system_profile.h"

#include <fcntl.h>
#include <hwloc.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/ascii.h"
#include "tuning/internal/file_util.h"

namespace adaptrt::tuning {
namespace {

namespace fs = std::filesystem;
using tuning_internal::ReadFile;

// Values at or above this in v1's memory.limit_in_bytes mean "no limit"
// (the kernel reports PAGE_COUNTER_MAX rounded to pages, about 2^63).
constexpr uint64_t kUnlimitedV1 = uint64_t{1} << 60;

std::optional<std::string> ReadOptional(const fs::path& path) {
  absl::StatusOr<std::string> content = ReadFile(path.string());
  if (!content.ok()) return std::nullopt;
  return *std::move(content);
}

// Lines of /proc/self/cgroup: "hierarchy-id:controllers:path".
struct CgroupEntry {
  std::string controllers;
  std::string path;
};

std::vector<CgroupEntry> ParseProcCgroup(absl::string_view content) {
  std::vector<CgroupEntry> entries;
  for (absl::string_view line : absl::StrSplit(content, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (parts.size() != 3) continue;
    entries.push_back({std::string(parts[1]), std::string(parts[2])});
  }
  return entries;
}

// Directories from `leaf` up to `root` inclusive (leaf = root / relative).
std::vector<fs::path> SelfAndAncestors(const fs::path& root, absl::string_view relative) {
  std::vector<fs::path> dirs;
  fs::path rel(std::string(absl::StripPrefix(relative, "/")));
  while (true) {
    dirs.push_back(rel.empty() ? root : root / rel);
    if (rel.empty()) break;
    rel = rel.has_parent_path() ? rel.parent_path() : fs::path();
  }
  return dirs;
}

bool HasController(absl::string_view controllers, absl::string_view name) {
  for (absl::string_view c : absl::StrSplit(controllers, ',')) {
    if (c == name) return true;
  }
  return false;
}

// The directories to search per cgroup version, for one controller (v1).
struct CgroupDirs {
  std::vector<fs::path> v2;
  std::vector<fs::path> v1;
};

CgroupDirs LocateCgroupDirs(const ProbeRoots& roots, absl::string_view v1_controller,
                            absl::string_view v1_mount) {
  CgroupDirs dirs;
  const fs::path root(roots.cgroup);
  std::optional<std::string> self = ReadOptional(fs::path(roots.proc) / "self/cgroup");
  if (self.has_value()) {
    for (const CgroupEntry& entry : ParseProcCgroup(*self)) {
      if (entry.controllers.empty()) {
        dirs.v2 = SelfAndAncestors(root, entry.path);
      } else if (HasController(entry.controllers, v1_controller)) {
        dirs.v1 = SelfAndAncestors(root / std::string(v1_mount), entry.path);
      }
    }
  }
  // Inside a container /proc/self/cgroup may name a path that the container's
  // mount does not show; the mount's root is then the container's cgroup.
  if (dirs.v2.empty()) dirs.v2.push_back(root);
  if (dirs.v1.empty()) dirs.v1.push_back(root / std::string(v1_mount));
  dirs.v2.push_back(root);
  dirs.v1.push_back(root / std::string(v1_mount));
  return dirs;
}

template <typename T>
std::optional<T> Min(std::optional<T> a, std::optional<T> b) {
  if (!a.has_value()) return b;
  if (!b.has_value()) return a;
  return std::min(*a, *b);
}

uint64_t CountObjects(hwloc_topology_t topology, hwloc_obj_type_t type) {
  const int n = hwloc_get_nbobjs_by_type(topology, type);
  return n < 0 ? 0 : static_cast<uint64_t>(n);
}

uint64_t FirstCacheSize(hwloc_topology_t topology, hwloc_obj_type_t type) {
  hwloc_obj_t obj = hwloc_get_obj_by_type(topology, type, 0);
  if (obj == nullptr || obj->attr == nullptr) return 0;
  return obj->attr->cache.size;
}

std::string Mb(uint64_t bytes) {
  return absl::StrFormat("%.0f MB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

absl::string_view DiskKindName(DiskKind kind) {
  switch (kind) {
    case DiskKind::kHdd:
      return "hdd";
    case DiskKind::kSsd:
      return "ssd";
    case DiskKind::kNvme:
      return "nvme";
    case DiskKind::kUnknown:
      break;
  }
  return "unknown";
}

absl::StatusOr<MemInfo> ParseMeminfo(absl::string_view content) {
  std::optional<uint64_t> total, available, free;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(": \t"), absl::SkipEmpty());
    if (parts.size() < 2) continue;
    std::optional<uint64_t>* field = nullptr;
    if (parts[0] == "MemTotal") field = &total;
    if (parts[0] == "MemAvailable") field = &available;
    if (parts[0] == "MemFree") field = &free;
    if (field == nullptr) continue;
    uint64_t value = 0;
    if (!absl::SimpleAtoi(parts[1], &value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "meminfo:", line_number, ": ", parts[0], ": expected a number, got \"", parts[1], "\""));
    }
    const uint64_t unit = (parts.size() >= 3 && parts[2] == "kB") ? 1024 : 1;
    *field = value * unit;
  }
  if (!total.has_value()) return absl::InvalidArgumentError("meminfo: no MemTotal line");
  MemInfo info;
  info.total_bytes = *total;
  info.available_bytes = available.value_or(free.value_or(*total));
  return info;
}

absl::StatusOr<std::optional<uint64_t>> ParseMemoryLimit(absl::string_view content) {
  const absl::string_view text = absl::StripAsciiWhitespace(content);
  if (text == "max") return std::optional<uint64_t>();
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    // v1 reports -1 on some kernels for "no limit".
    int64_t signed_value = 0;
    if (absl::SimpleAtoi(text, &signed_value) && signed_value < 0) {
      return std::optional<uint64_t>();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("memory limit: expected a number or \"max\", got \"", text, "\""));
  }
  if (value >= kUnlimitedV1) return std::optional<uint64_t>();
  return std::optional<uint64_t>(value);
}

absl::StatusOr<std::optional<double>> ParseCpuMax(absl::string_view content) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(content), ' ', absl::SkipEmpty());
  if (parts.empty() || parts.size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("cpu.max: expected \"QUOTA PERIOD\", got \"", content, "\""));
  }
  if (parts[0] == "max") return std::optional<double>();
  uint64_t quota = 0, period = 100000;
  if (!absl::SimpleAtoi(parts[0], &quota) ||
      (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &period)) || period == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cpu.max: expected \"QUOTA PERIOD\", got \"",
                     absl::StripAsciiWhitespace(content), "\""));
  }
  return std::optional<double>(static_cast<double>(quota) / static_cast<double>(period));
}

absl::StatusOr<std::optional<double>> ParseCfsQuota(absl::string_view quota,
                                                    absl::string_view period) {
  int64_t q = 0, p = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(quota), &q)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cpu.cfs_quota_us: expected a number, got \"", absl::StripAsciiWhitespace(quota), "\""));
  }
  if (q < 0) return std::optional<double>();
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(period), &p) || p <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cpu.cfs_period_us: expected a positive number, got \"",
                     absl::StripAsciiWhitespace(period), "\""));
  }
  return std::optional<double>(static_cast<double>(q) / static_cast<double>(p));
}

absl::StatusOr<std::optional<uint64_t>> ReadMemoryLimit(const ProbeRoots& roots) {
  const CgroupDirs dirs = LocateCgroupDirs(roots, "memory", "memory");
  std::optional<uint64_t> limit;
  for (const fs::path& dir : dirs.v2) {
    if (std::optional<std::string> text = ReadOptional(dir / "memory.max")) {
      absl::StatusOr<std::optional<uint64_t>> value = ParseMemoryLimit(*text);
      if (!value.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat((dir / "memory.max").string(), ": ", value.status().message()));
      }
      limit = Min(limit, *value);
    }
  }
  for (const fs::path& dir : dirs.v1) {
    if (std::optional<std::string> text = ReadOptional(dir / "memory.limit_in_bytes")) {
      absl::StatusOr<std::optional<uint64_t>> value = ParseMemoryLimit(*text);
      if (!value.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            (dir / "memory.limit_in_bytes").string(), ": ", value.status().message()));
      }
      limit = Min(limit, *value);
    }
  }
  return limit;
}

absl::StatusOr<std::optional<double>> ReadCpuQuota(const ProbeRoots& roots) {
  const CgroupDirs dirs = LocateCgroupDirs(roots, "cpu", "cpu");
  std::optional<double> quota;
  for (const fs::path& dir : dirs.v2) {
    if (std::optional<std::string> text = ReadOptional(dir / "cpu.max")) {
      absl::StatusOr<std::optional<double>> value = ParseCpuMax(*text);
      if (!value.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat((dir / "cpu.max").string(), ": ", value.status().message()));
      }
      quota = Min(quota, *value);
    }
  }
  for (const fs::path& dir : dirs.v1) {
    std::optional<std::string> q = ReadOptional(dir / "cpu.cfs_quota_us");
    std::optional<std::string> p = ReadOptional(dir / "cpu.cfs_period_us");
    if (q.has_value() && p.has_value()) {
      absl::StatusOr<std::optional<double>> value = ParseCfsQuota(*q, *p);
      if (!value.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(dir.string(), ": ", value.status().message()));
      }
      quota = Min(quota, *value);
    }
  }
  return quota;
}

DiskKind ClassifyBlockDevice(absl::string_view device_name, absl::string_view rotational) {
  if (absl::StartsWith(device_name, "nvme")) return DiskKind::kNvme;
  const absl::string_view r = absl::StripAsciiWhitespace(rotational);
  if (r == "1") return DiskKind::kHdd;
  if (r == "0") return DiskKind::kSsd;
  return DiskKind::kUnknown;
}

DiskKind DiskKindForDevice(unsigned major, unsigned minor, const ProbeRoots& roots) {
  if (major == 0) return DiskKind::kUnknown;  // tmpfs, overlay, proc...
  std::error_code error;
  const fs::path link = fs::path(roots.sys) / "dev/block" / absl::StrCat(major, ":", minor);
  fs::path device = fs::canonical(link, error);
  if (error) return DiskKind::kUnknown;
  // A partition's directory sits inside its disk's directory.
  if (fs::exists(device / "partition", error)) device = device.parent_path();
  std::optional<std::string> rotational = ReadOptional(device / "queue/rotational");
  if (!rotational.has_value()) {
    // Device-mapper and md devices: classify by their first slave.
    for (const auto& slave : fs::directory_iterator(device / "slaves", error)) {
      fs::path slave_dev = fs::canonical(slave.path(), error);
      if (error) break;
      if (fs::exists(slave_dev / "partition", error)) slave_dev = slave_dev.parent_path();
      if (std::optional<std::string> r = ReadOptional(slave_dev / "queue/rotational")) {
        return ClassifyBlockDevice(slave_dev.filename().string(), *r);
      }
    }
    return DiskKind::kUnknown;
  }
  return ClassifyBlockDevice(device.filename().string(), *rotational);
}

DiskKind DiskKindForPath(const std::string& path, const ProbeRoots& roots) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return DiskKind::kUnknown;
  return DiskKindForDevice(major(st.st_dev), minor(st.st_dev), roots);
}

absl::StatusOr<Topology> ReadTopology() {
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) {
    return absl::InternalError("hwloc_topology_init failed");
  }
  if (hwloc_topology_load(topology) != 0) {
    hwloc_topology_destroy(topology);
    return absl::InternalError("hwloc_topology_load failed");
  }
  Topology t;
  t.packages = static_cast<int>(CountObjects(topology, HWLOC_OBJ_PACKAGE));
  t.physical_cores = static_cast<int>(CountObjects(topology, HWLOC_OBJ_CORE));
  t.hardware_threads = static_cast<int>(CountObjects(topology, HWLOC_OBJ_PU));
  t.numa_nodes = static_cast<int>(CountObjects(topology, HWLOC_OBJ_NUMANODE));
  t.caches.l1d_bytes = FirstCacheSize(topology, HWLOC_OBJ_L1CACHE);
  t.caches.l2_bytes = FirstCacheSize(topology, HWLOC_OBJ_L2CACHE);
  t.caches.l3_bytes = FirstCacheSize(topology, HWLOC_OBJ_L3CACHE);
  hwloc_topology_destroy(topology);
  // Some virtual machines hide the core level: count threads as cores then.
  if (t.hardware_threads <= 0) t.hardware_threads = 1;
  if (t.physical_cores <= 0) t.physical_cores = t.hardware_threads;
  if (t.packages <= 0) t.packages = 1;
  if (t.numa_nodes <= 0) t.numa_nodes = 1;
  return t;
}

absl::StatusOr<DiskProbeResult> ProbeDisk(const std::string& dir,
                                          const DiskProbeOptions& options) {
  using Clock = std::chrono::steady_clock;
  std::string path = (fs::path(dir) / "adaptrt-disk-probe.XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return absl::InternalError(absl::StrCat(path, ": mkstemp failed"));
  constexpr size_t kBlock = 1 << 20;
  std::vector<char> block(kBlock);
  for (size_t i = 0; i < kBlock; ++i) block[i] = static_cast<char>(i * 131);
  DiskProbeResult result;
  const auto deadline_of = [&](Clock::time_point start) {
    return start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(options.max_seconds));
  };
  absl::Status status;
  Clock::time_point start = Clock::now();
  while (result.bytes < options.max_bytes && Clock::now() < deadline_of(start)) {
    if (::write(fd, block.data(), kBlock) != static_cast<ssize_t>(kBlock)) {
      status = absl::InternalError(absl::StrCat(path, ": write failed"));
      break;
    }
    result.bytes += kBlock;
  }
  if (status.ok() && ::fsync(fd) != 0) status = absl::InternalError(path + ": fsync failed");
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (status.ok() && seconds > 0) {
    result.write_mb_per_s = static_cast<double>(result.bytes) / (1 << 20) / seconds;
  }
  if (status.ok()) {
    ::lseek(fd, 0, SEEK_SET);
    uint64_t read = 0;
    start = Clock::now();
    while (read < result.bytes && Clock::now() < deadline_of(start)) {
      const ssize_t n = ::read(fd, block.data(), kBlock);
      if (n <= 0) break;
      read += static_cast<uint64_t>(n);
    }
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (seconds > 0) result.read_mb_per_s = static_cast<double>(read) / (1 << 20) / seconds;
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<SystemProfile> ProfileSystem(const SystemProfileOptions& options) {
  SystemProfile profile;
  absl::StatusOr<Topology> topology = ReadTopology();
  if (!topology.ok()) return topology.status();
  profile.topology = *topology;

  absl::StatusOr<std::string> meminfo =
      ReadFile((fs::path(options.roots.proc) / "meminfo").string());
  if (!meminfo.ok()) return meminfo.status();
  absl::StatusOr<MemInfo> host = ParseMeminfo(*meminfo);
  if (!host.ok()) return host.status();
  profile.host_memory = *host;

  absl::StatusOr<std::optional<uint64_t>> limit = ReadMemoryLimit(options.roots);
  if (!limit.ok()) return limit.status();
  profile.memory_limit_bytes = *limit;
  profile.memory_total_bytes = host->total_bytes;
  profile.memory_available_bytes = host->available_bytes;
  if (limit->has_value()) {
    profile.memory_total_bytes = std::min(profile.memory_total_bytes, **limit);
    profile.memory_available_bytes = std::min(profile.memory_available_bytes, **limit);
  }

  absl::StatusOr<std::optional<double>> quota = ReadCpuQuota(options.roots);
  if (!quota.ok()) return quota.status();
  profile.cpu_quota = *quota;
  double cpus = profile.topology.hardware_threads;
  if (quota->has_value()) cpus = std::min(cpus, **quota);
  profile.effective_cpus = std::max(1.0, cpus);

  profile.disk = DiskKindForPath(options.disk_path, options.roots);
  if (options.probe_disk) {
    absl::StatusOr<DiskProbeResult> probe = ProbeDisk(options.disk_path, options.probe);
    if (!probe.ok()) return probe.status();
    profile.disk_probe = *probe;
  }
  return profile;
}

std::string SystemProfile::ToString() const {
  std::string out = absl::StrFormat(
      "topology: %d package(s), %d core(s), %d thread(s), %d NUMA node(s); "
      "L1d %d KB, L2 %d KB, L3 %d KB\n",
      topology.packages, topology.physical_cores, topology.hardware_threads,
      topology.numa_nodes, topology.caches.l1d_bytes >> 10, topology.caches.l2_bytes >> 10,
      topology.caches.l3_bytes >> 10);
  absl::StrAppend(&out, "memory: ", Mb(memory_total_bytes), " total, ",
                  Mb(memory_available_bytes), " available",
                  memory_limit_bytes.has_value()
                      ? absl::StrCat(" (cgroup limit ", Mb(*memory_limit_bytes), ")")
                      : std::string(),
                  "\n");
  absl::StrAppend(&out, absl::StrFormat("cpus: %.2f effective", effective_cpus),
                  cpu_quota.has_value() ? absl::StrFormat(" (cgroup quota %.2f)", *cpu_quota)
                                        : std::string(),
                  "\n");
  absl::StrAppend(&out, "disk: ", DiskKindName(disk));
  if (disk_probe.has_value()) {
    absl::StrAppend(&out, absl::StrFormat(" (write %.0f MB/s, read %.0f MB/s over %d MB)",
                                          disk_probe->write_mb_per_s,
                                          disk_probe->read_mb_per_s, disk_probe->bytes >> 20));
  }
  absl::StrAppend(&out, "\n");
  return out;
}

}  // namespace adaptrt::tuning
