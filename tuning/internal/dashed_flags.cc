#include "tuning/internal/dashed_flags.h"

#include <cstring>

#include "absl/flags/parse.h"

namespace adaptrt::tuning_internal {

std::vector<char*> ParseCommandLineAcceptingDashes(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (std::strncmp(arg, "--", 2) != 0) continue;
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace adaptrt::tuning_internal
