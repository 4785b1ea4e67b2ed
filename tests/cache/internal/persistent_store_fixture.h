// persistent_store_fixture.h: the gtest fixture the PersistentStore tests
// share: a fresh directory per test, a wall clock the test sets, options for
// a store in that directory, and OpenOrDie.
//
// Thread-safety: a gtest fixture; now_ is read by the store's clock, so a
//                test changes it only while no other thread uses the store.

#ifndef ADAPTRT_TESTS_CACHE_INTERNAL_PERSISTENT_STORE_FIXTURE_H_
#define ADAPTRT_TESTS_CACHE_INTERNAL_PERSISTENT_STORE_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/time/time.h"
#include "cache/internal/persistent_store.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::cache_internal {

class PersistentStoreFixture : public ::testing::Test {
 protected:
  // A store in dir_/l3 bounded to `capacity` bytes, on the clock now_; the
  // other options are PersistentStoreOptions' defaults.
  PersistentStoreOptions Options(std::uint64_t capacity = 1 << 20) {
    PersistentStoreOptions o;
    o.directory = dir_.Sub("l3");
    o.capacity_bytes = capacity;
    o.clock = [this] { return now_; };
    return o;
  }
  // Opens a store; a failure fails the test and returns null.
  std::unique_ptr<PersistentStore> OpenOrDie(const PersistentStoreOptions& o) {
    auto s = PersistentStore::Open(o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  adaptrt::testing::ScopedTempDir dir_{"l3"};
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_TESTS_CACHE_INTERNAL_PERSISTENT_STORE_FIXTURE_H_
