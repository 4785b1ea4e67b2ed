// fuzz_check.h: the property checks of the fuzz targets in tests/fuzz/.
//
// A fuzz target proves more than "no crash": each one states properties of
// the parser under test (round trips, counts that add up, every error with
// a message) and checks them with FUZZ_CHECK. A failed check prints the
// property and aborts, which libFuzzer reports as a crash and saves the
// input (crash-<sha1>) for reproduction; the plain corpus driver
// (corpus_driver.cc) fails the regression test the same way.
//
// Thread-safety: thread-safe (stateless; the failure path ends the process).
// Complexity:    O(1) plus the message.
// Ownership:     none.
// Errors:        a violated property aborts the process by design.

#ifndef ADAPTRT_TESTS_FUZZ_FUZZ_CHECK_H_
#define ADAPTRT_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// libFuzzer's entry point, defined once by every target.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace adaptrt::fuzz {

// Prints "file:line: property violated: <condition>: <detail>" and aborts.
[[noreturn]] void Fail(const char* file, int line, const char* condition,
                       const std::string& detail);

// Printable, bounded rendering of bytes for failure messages.
std::string Show(absl::string_view bytes);
inline std::string Show(std::string_view bytes) {
  return Show(absl::string_view(bytes.data(), bytes.size()));
}
inline std::string Show(const std::string& bytes) { return Show(absl::string_view(bytes)); }

}  // namespace adaptrt::fuzz

// FUZZ_CHECK(cond, detail...): aborts with the details (absl::StrCat
// arguments) when `cond` is false.
#define FUZZ_CHECK(cond, ...)                                                  \
  do {                                                                         \
    if (!(cond)) {                                                             \
      ::adaptrt::fuzz::Fail(__FILE__, __LINE__, #cond,                         \
                            ::absl::StrCat("" __VA_OPT__(, ) __VA_ARGS__));    \
    }                                                                          \
  } while (0)

#endif  // ADAPTRT_TESTS_FUZZ_FUZZ_CHECK_H_
