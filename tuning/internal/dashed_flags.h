// dashed_flags.h: command-line parsing for the tuning tools (mrc, usl,
// sysinfo) that accepts flag names spelled with dashes as well as with absl's
// underscores (--sampling-rate as --sampling_rate).
//
// Thread-safety: call once from main, before other threads start.
// Ownership:     rewrites the flag names in argv in place (argv's strings are
//                the program's to modify); returned pointers point into argv.
// Errors:        as absl::ParseCommandLine (unknown flags exit with usage).

#ifndef ADAPTRT_TUNING_INTERNAL_DASHED_FLAGS_H_
#define ADAPTRT_TUNING_INTERNAL_DASHED_FLAGS_H_

#include <vector>

namespace adaptrt::tuning_internal {

// Turns dashes in the name part of every "--name[=value]" argument into
// underscores, then parses with absl::ParseCommandLine; returns the
// positional arguments (argv[0] first).
std::vector<char*> ParseCommandLineAcceptingDashes(int argc, char** argv);

}  // namespace adaptrt::tuning_internal

#endif  // ADAPTRT_TUNING_INTERNAL_DASHED_FLAGS_H_
