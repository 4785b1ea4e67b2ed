// sysinfo: prints the system profile and the profile SelectProfile picks.
//
//   bazel run //tuning:sysinfo -- --files=5000 [--probe-disk] [--path=DIR]

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tuning/internal/dashed_flags.h"
#include "tuning/profile/profile.h"
#include "tuning/system_profile.h"

ABSL_FLAG(uint64_t, files, 1000, "workload size in files, for profile selection");
ABSL_FLAG(bool, probe_disk, false, "run the bounded sequential read/write probe");
ABSL_FLAG(std::string, path, ".", "directory whose disk is classified (and probed)");

int main(int argc, char** argv) {
  adaptrt::tuning_internal::ParseCommandLineAcceptingDashes(argc, argv);
  namespace t = adaptrt::tuning;
  t::SystemProfileOptions options;
  options.probe_disk = absl::GetFlag(FLAGS_probe_disk);
  options.disk_path = absl::GetFlag(FLAGS_path);
  absl::StatusOr<t::SystemProfile> system = t::ProfileSystem(options);
  if (!system.ok()) {
    std::cerr << "sysinfo: " << system.status().message() << "\n";
    return 1;
  }
  std::cout << system->ToString();
  const t::ProfileChoice choice = t::SelectProfile(*system, absl::GetFlag(FLAGS_files));
  std::cout << "profile: " << choice.name << " (" << choice.explanation << ")\n";
  return 0;
}
