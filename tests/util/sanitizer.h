// sanitizer.h: whether this binary is built with AddressSanitizer or
// ThreadSanitizer, for tests that scale their work down there (sanitized
// code runs 5-20x slower and CI reruns every concurrency test under both)
// or skip what a sanitizer cannot see through (RocksDB is not built with
// TSan). gcc defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__; clang
// answers __has_feature.
//
// Thread-safety: constants. Complexity, ownership, errors: none.

#ifndef ADAPTRT_TESTS_UTIL_SANITIZER_H_
#define ADAPTRT_TESTS_UTIL_SANITIZER_H_

namespace adaptrt::testing {

#if defined(__has_feature)
#define ADAPTRT_TESTS_HAS_FEATURE(x) __has_feature(x)
#else
#define ADAPTRT_TESTS_HAS_FEATURE(x) 0
#endif

inline constexpr bool kUnderThreadSanitizer =
#if defined(__SANITIZE_THREAD__) || ADAPTRT_TESTS_HAS_FEATURE(thread_sanitizer)
    true;
#else
    false;
#endif

inline constexpr bool kUnderAddressSanitizer =
#if defined(__SANITIZE_ADDRESS__) || ADAPTRT_TESTS_HAS_FEATURE(address_sanitizer)
    true;
#else
    false;
#endif

#undef ADAPTRT_TESTS_HAS_FEATURE

inline constexpr bool kUnderSanitizer = kUnderThreadSanitizer || kUnderAddressSanitizer;

// `plain` in a plain build, `sanitized` under ASan or TSan.
template <typename T>
constexpr T SanitizerScaled(T plain, T sanitized) {
  return kUnderSanitizer ? sanitized : plain;
}

// The message of a test skipped under TSan because it drives RocksDB.
inline constexpr char kRocksDbNotUnderTsan[] =
    "RocksDB is not TSan-instrumented; runs in the normal and asan builds";

}  // namespace adaptrt::testing

#endif  // ADAPTRT_TESTS_UTIL_SANITIZER_H_
