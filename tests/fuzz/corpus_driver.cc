// corpus_driver.cc: a main() that runs a fuzz target once over given inputs,
// for builds without libFuzzer (gcc, the default configuration). It makes
// every target a plain regression test over its seed corpus:
//
//   fuzz_target FILE_OR_DIR...
//
// Files are read whole and passed to LLVMFuzzerTestOneInput; directories are
// read recursively, in sorted order. A violated property aborts (see
// fuzz_check.h). Exits non-zero when an argument cannot be read or when no
// input was found (an empty corpus would make the test pass vacuously).
// libFuzzer builds (--config=fuzz) link libFuzzer's own main instead, which
// accepts the same arguments.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "tests/fuzz/fuzz_check.h"

namespace {

namespace fs = std::filesystem;

bool RunFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read\n", path.c_str());
    return false;
  }
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code error;
    std::vector<fs::path> files;
    if (fs::is_directory(arg, error)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(arg);
    }
    if (error) {
      std::fprintf(stderr, "%s: %s\n", argv[i], error.message().c_str());
      return 1;
    }
    for (const fs::path& file : files) {
      if (!RunFile(file)) return 1;
      ++inputs;
    }
  }
  if (inputs == 0) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR... (no input found)\n", argv[0]);
    return 1;
  }
  std::printf("%zu inputs, every property held\n", inputs);
  return 0;
}
