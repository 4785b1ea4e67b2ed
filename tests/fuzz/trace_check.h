// trace_check.h: the checks shared by the trace fuzz targets, one target per
// format of cache/trace (trace_fuzzer.cc, compiled once per format).
//
// Thread-safety: thread-safe (no shared state).
// Complexity:    O(requests in the trace).
// Ownership:     borrows `data` for the call.
// Errors:        a violated property aborts (fuzz_check.h).

#ifndef ADAPTRT_TESTS_FUZZ_TRACE_CHECK_H_
#define ADAPTRT_TESTS_FUZZ_TRACE_CHECK_H_

#include <string_view>

#include "cache/trace/trace_reader.h"

namespace adaptrt::fuzz {

// Parses `data` as a trace of `format` named `name` and checks the
// properties listed in trace_check.cc.
void CheckTrace(std::string_view data, cache_trace::TraceFormat format, std::string_view name);

}  // namespace adaptrt::fuzz

#endif  // ADAPTRT_TESTS_FUZZ_TRACE_CHECK_H_
