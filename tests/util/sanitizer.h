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

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kUnderThreadSanitizer = true;
#else
inline constexpr bool kUnderThreadSanitizer = false;
#endif
#else
inline constexpr bool kUnderThreadSanitizer = false;
#endif

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kUnderAddressSanitizer = true;
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif
#else
inline constexpr bool kUnderAddressSanitizer = false;
#endif

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
