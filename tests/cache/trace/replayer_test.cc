#include "cache/trace/replayer.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace adaptrt::cache_trace {
namespace {

TEST(ReplayerTest, CountsHitsOfTheProductionCache) {
  Trace trace;
  trace.keys = {1, 2, 3, 1, 4, 5, 1, 2, 5, 3};  // LRU(3): hits at 1, 1, 5
  absl::StatusOr<ReplayResult> r = Replay(trace, cache::PolicyKind::kLru, 3, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->requests, 10u);
  EXPECT_EQ(r->hits, 3u);
  EXPECT_DOUBLE_EQ(r->hit_ratio_percent(), 30.0);
  EXPECT_EQ(ReplayTsvHeader(), "policy\tcapacity\trequests\thits\thit_ratio\n");
  EXPECT_EQ(ReplayTsvRow(*r), "lru\t3\t10\t3\t30.0000\n");
}

TEST(ReplayerTest, BytesModeChargesObjectSizesAndSkipsOversizedObjects) {
  Trace trace;
  trace.keys = {1, 2, 1, 3, 2, 1, 9, 9};
  trace.sizes = {60, 50, 60, 30, 50, 60, 500, 500};
  // capacity 100: 1(60) miss; 2(50) miss evicts 1; 1 miss evicts 2; 3(30)
  // miss fits (90); 2 miss evicts 1 -> {3, 2}; 1 miss evicts 3 and 2; 9 is
  // larger than the cache: never admitted, both requests miss.
  absl::StatusOr<ReplayResult> r = Replay(trace, cache::PolicyKind::kLru, 100, true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->hits, 0u);
  trace.keys = {1, 3, 1, 3, 9, 1};
  trace.sizes = {60, 30, 60, 30, 500, 60};
  r = Replay(trace, cache::PolicyKind::kArc, 100, true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->hits, 3u);
}

TEST(ReplayerTest, BytesModeNeedsSizes) {
  Trace trace;
  trace.keys = {1, 2};
  EXPECT_EQ(Replay(trace, cache::PolicyKind::kLru, 10, true).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Replay(trace, cache::PolicyKind::kLru, 0, false).ok());
}

}  // namespace
}  // namespace adaptrt::cache_trace
