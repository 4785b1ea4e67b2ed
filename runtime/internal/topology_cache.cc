// topology_cache.cc (see topology_cache.h).
//
// Design:
//   * The file name carries the key's 64-bit FNV-1a hash (stable across
//     processes and builds, unlike absl::Hash): topology-<16 hex>.xml. A file
//     with the current name is a hit; no other file is read.
//   * A miss first proves the directory writable (creates it and the
//     temporary file), then discovers and exports into the temporary file and
//     renames it into place, so a reader never sees a partial export and a
//     read-only directory costs no discovery. Exports under other names are
//     then removed (one machine state at a time).
//   * hwloc's discovery here runs with the caller's environment (the CLI's
//     HWLOC_PLUGINS_BLACKLIST included), as the process's own would.
//   * No state, no locks, no atomics.

#include "runtime/internal/topology_cache.h"

#include <hwloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tuning/internal/file_util.h"

extern char** environ;

namespace adaptrt::runtime_internal {

namespace fs = std::filesystem;

namespace {

constexpr char kPrefix[] = "topology-";
constexpr char kSuffix[] = ".xml";

// The value of "Name:\t..." in /proc/self/status, or "".
std::string StatusField(const std::string& status, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (absl::ConsumePrefix(&line, name) && absl::ConsumePrefix(&line, ":")) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return "";
}

std::uint64_t Fnv1a64(absl::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

absl::StatusOr<std::string> TopologyCacheKey(const TopologyCacheOptions& options) {
  absl::StatusOr<std::string> boot_id = tuning_internal::ReadFile(options.boot_id_path);
  if (!boot_id.ok() || absl::StripAsciiWhitespace(*boot_id).empty()) {
    return absl::NotFoundError(absl::StrCat("topology cache: cannot read the boot id from ",
                                            options.boot_id_path));
  }
  // Absent: empty fields, still a key.
  const std::string status = tuning_internal::ReadFile(options.status_path).value_or("");
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (absl::StartsWith(*e, "HWLOC_")) env.emplace_back(*e);
  }
  std::sort(env.begin(), env.end());
  std::string key = absl::StrCat(
      "boot_id=", absl::StripAsciiWhitespace(*boot_id), "\n",
      "cpus_allowed=", StatusField(status, "Cpus_allowed_list"), "\n",
      "mems_allowed=", StatusField(status, "Mems_allowed_list"), "\n",
      absl::StrFormat("hwloc_api=%#x\n", hwloc_get_api_version()));
  for (const std::string& e : env) absl::StrAppend(&key, "env ", e, "\n");
  return key;
}

absl::StatusOr<std::string> CachedTopologyXml(const TopologyCacheOptions& options) {
  if (options.directory.empty()) {
    return absl::InvalidArgumentError("topology cache: no directory");
  }
  absl::StatusOr<std::string> key = TopologyCacheKey(options);
  if (!key.ok()) return key.status();
  const std::string name = absl::StrFormat("%s%016x%s", kPrefix, Fnv1a64(*key), kSuffix);
  const fs::path dir(options.directory);
  const fs::path path = dir / name;
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) > 0 && !ec) {
    return path.string();
  }

  // Miss: the directory must take a file before the discovery is paid for.
  fs::create_directories(dir, ec);
  const fs::path tmp = dir / absl::StrCat(".", name, ".", ::getpid(), ".tmp");
  if (std::FILE* f = std::fopen(tmp.c_str(), "w"); f != nullptr) {
    std::fclose(f);
  } else {
    return absl::FailedPreconditionError(
        absl::StrCat("topology cache: cannot write in ", dir.string()));
  }
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) {
    fs::remove(tmp, ec);
    return absl::InternalError("topology cache: hwloc_topology_init failed");
  }
  const bool exported = hwloc_topology_load(topology) == 0 &&
                        hwloc_topology_export_xml(topology, tmp.c_str(), 0) == 0;
  hwloc_topology_destroy(topology);
  if (!exported) {
    fs::remove(tmp, ec);
    return absl::InternalError("topology cache: hwloc could not discover or export");
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return absl::FailedPreconditionError(
        absl::StrCat("topology cache: cannot rename into ", path.string(), ": ", ec.message()));
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string f = entry.path().filename().string();
    if (f != name && absl::StartsWith(f, kPrefix) && absl::EndsWith(f, kSuffix)) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
  return path.string();
}

}  // namespace adaptrt::runtime_internal
