#include "cache/internal/tier_calls.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace adaptrt::cache_internal {
namespace {

TEST(TierCallsTest, MinActiveTracksTheOldestCall) {
  TierCalls calls;
  EXPECT_EQ(calls.LastTicket(), 0u);
  EXPECT_EQ(calls.MinActive(), 1u);
  const auto a = calls.Enter();
  const auto b = calls.Enter();
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(calls.MinActive(), 1u);
  calls.Exit(a);
  EXPECT_EQ(calls.MinActive(), 2u);
  {
    TierCalls::Scope c(calls);
    EXPECT_EQ(c.ticket(), 3u);
    calls.Exit(b);
    EXPECT_EQ(calls.MinActive(), 3u);
  }
  EXPECT_EQ(calls.MinActive(), 4u);
  EXPECT_EQ(calls.LastTicket(), 3u);
}

TEST(TierCallsTest, ConcurrentScopesNeverReportAnActiveTicketAsDone) {
  TierCalls calls;
  std::atomic<bool> bad{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        TierCalls::Scope s(calls);
        if (calls.MinActive() > s.ticket()) bad = true;
        if (calls.LastTicket() < s.ticket()) bad = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(bad.load());
  EXPECT_EQ(calls.LastTicket(), 4000u);
  EXPECT_EQ(calls.MinActive(), 4001u);
}

}  // namespace
}  // namespace adaptrt::cache_internal
