// Replays the ARC paper's OLTP trace through the production cache and checks
// LRU and ARC against Table IV of Megiddo & Modha (FAST'03), within 0.02
// percentage points. Skips when ../shared/traces is absent.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "cache/trace/replayer.h"
#include "cache/trace/trace_reader.h"
#include "gtest/gtest.h"
#include "tests/util/shared_data.h"

namespace adaptrt::cache_trace {
namespace {

struct Published {
  std::uint64_t capacity;
  double lru;
  double arc;
};

constexpr Published kTableIV[] = {
    {1000, 32.83, 38.93},  {2000, 42.47, 46.08},  {5000, 53.65, 55.25},
    {10000, 60.70, 61.87}, {15000, 64.63, 65.40},
};

TEST(OltpReplayTest, LruAndArcMatchTheArcPaper) {
  constexpr char kTrace[] = "traces/arc/OLTP.lis";
  const std::optional<std::string> path = testing::SharedFile(kTrace);
  if (!path.has_value()) GTEST_SKIP() << testing::SharedFileMissingMessage(kTrace);
  absl::StatusOr<Trace> trace = ReadTrace(*path, TraceFormat::kLis);
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_EQ(trace->keys.size(), 914145u);
  for (const Published& row : kTableIV) {
    for (auto [policy, expected] :
         {std::pair{cache::PolicyKind::kLru, row.lru},
          std::pair{cache::PolicyKind::kArc, row.arc}}) {
      absl::StatusOr<ReplayResult> r = Replay(*trace, policy, row.capacity, false);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_NEAR(r->hit_ratio_percent(), expected, 0.02)
          << cache::PolicyKindName(policy) << " at " << row.capacity;
      RecordProperty(absl::StrCat(std::string(cache::PolicyKindName(policy)), "_",
                                  row.capacity),
                     absl::StrFormat("%.4f", r->hit_ratio_percent()));
    }
  }
}

}  // namespace
}  // namespace adaptrt::cache_trace
