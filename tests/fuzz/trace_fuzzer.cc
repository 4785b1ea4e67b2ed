// trace_fuzzer.cc: cache_trace::ParseTrace (the replayer's trace reader) on
// arbitrary bytes, one target per format: the BUILD file compiles this file
// once per format with ADAPTRT_FUZZ_TRACE_FORMAT set to the format's name
// (lirs, lis, be32, be64, keys, oracle). The checks are in trace_check.cc.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/trace/trace_reader.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/trace_check.h"

#ifndef ADAPTRT_FUZZ_TRACE_FORMAT
#error "define ADAPTRT_FUZZ_TRACE_FORMAT to a format name (lirs, lis, be32, be64, keys, oracle)"
#endif
#define ADAPTRT_FUZZ_STRINGIZE2(x) #x
#define ADAPTRT_FUZZ_STRINGIZE(x) ADAPTRT_FUZZ_STRINGIZE2(x)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const adaptrt::cache_trace::TraceFormat format = [] {
    const absl::StatusOr<adaptrt::cache_trace::TraceFormat> parsed =
        adaptrt::cache_trace::ParseTraceFormat(ADAPTRT_FUZZ_STRINGIZE(ADAPTRT_FUZZ_TRACE_FORMAT));
    FUZZ_CHECK(parsed.ok(), parsed.status().ToString());
    return *parsed;
  }();
  adaptrt::fuzz::CheckTrace(std::string_view(reinterpret_cast<const char*>(data), size), format,
                            "fuzz." ADAPTRT_FUZZ_STRINGIZE(ADAPTRT_FUZZ_TRACE_FORMAT));
  return 0;
}
