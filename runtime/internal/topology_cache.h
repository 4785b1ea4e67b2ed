// topology_cache.h: an hwloc XML export of this machine's topology, kept on
// disk so that a short-lived process (the `adaptrt` command) can load it
// instead of discovering the topology again.
//
// Why: hwloc's discovery (sysfs, and cpuid on every PU with the thread bound
// to it) made tuning::ProfileSystem 2.6 ms of every `adaptrt analyze` on the
// 2-core VM, of a fixed cost of about 13 ms; with the XML export it is
// 1.3 ms (docs/startup.md). hwloc documents exporting to XML once and reloading it
// (HWLOC_XMLFILE) for exactly this.
//
// Validity: the export is keyed by everything its content depends on that
// may change while the files stay: the kernel's boot id (a reboot, new
// hardware or a resized VM), the CPUs and memory nodes the process may use
// (/proc/self/status Cpus_allowed_list, Mems_allowed_list: cgroup cpusets,
// affinity), hwloc's API version and every HWLOC_* environment variable. A
// different key discovers again and replaces the file.
//
// Thread-safety: the functions are thread-safe; concurrent processes may
//                share a directory (the file is written under a temporary
//                name and renamed into place).
// Complexity:    a hit reads two small /proc files and stats one file; a miss
//                discovers the topology (hwloc_topology_load) and writes it.
// Ownership:     returns paths; nothing is held.
// Errors:        absl::Status: NotFound when no key can be built (no boot id),
//                FailedPrecondition when the directory cannot be written
//                (checked before the discovery), Internal when hwloc fails.

#ifndef ADAPTRT_RUNTIME_INTERNAL_TOPOLOGY_CACHE_H_
#define ADAPTRT_RUNTIME_INTERNAL_TOPOLOGY_CACHE_H_

#include <string>

#include "absl/status/statusor.h"

namespace adaptrt::runtime_internal {

struct TopologyCacheOptions {
  // Directory of the export (created when missing). Required.
  std::string directory;
  // Files the key reads; tests point them elsewhere.
  std::string boot_id_path = "/proc/sys/kernel/random/boot_id";
  std::string status_path = "/proc/self/status";
};

// The key text (one "name=value" line per input). Errors: NotFound when the
// boot id cannot be read.
absl::StatusOr<std::string> TopologyCacheKey(const TopologyCacheOptions& options);

// The path of the export for the current key in options.directory: the file
// already there, or one written now from a fresh discovery (older exports in
// the directory are removed). Use it with HWLOC_XMLFILE and
// HWLOC_THISSYSTEM=1 (the topology is this machine's: binding works).
absl::StatusOr<std::string> CachedTopologyXml(const TopologyCacheOptions& options);

}  // namespace adaptrt::runtime_internal

#endif  // ADAPTRT_RUNTIME_INTERNAL_TOPOLOGY_CACHE_H_
