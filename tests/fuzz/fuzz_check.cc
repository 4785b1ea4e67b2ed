// fuzz_check.cc: the failure path of FUZZ_CHECK.

#include "tests/fuzz/fuzz_check.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"

namespace adaptrt::fuzz {

void Fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: property violated: %s%s%s\n", file, line, condition,
               detail.empty() ? "" : ": ", detail.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string Show(absl::string_view bytes) {
  constexpr std::size_t kMax = 80;
  std::string shown = absl::CHexEscape(bytes.substr(0, kMax));
  if (bytes.size() > kMax) absl::StrAppend(&shown, "... (", bytes.size(), " bytes)");
  return absl::StrCat("\"", shown, "\"");
}

}  // namespace adaptrt::fuzz
