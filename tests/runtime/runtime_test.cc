// Tests of adaptrt::Runtime: creation with each profile mode, bad inputs,
// named caches, the wired tuner, shutdown.

#include "runtime/runtime.h"

#include <atomic>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "sched/parallel_for.h"
#include "tests/util/temp_dir.h"

namespace adaptrt {
namespace {

RuntimeOptions Base() {
  RuntimeOptions o;
  o.cache_directory = (adaptrt::testing::TestTempRoot() / "cache").string();
  o.auto_tune = false;
  return o;
}

TEST(RuntimeTest, AutoProfileSelectsAndRuns) {
  RuntimeOptions o = Base();
  o.expected_files = 5000;
  auto rt = Runtime::Create(o);
  ASSERT_TRUE(rt.ok()) << rt.status();
  EXPECT_FALSE((*rt)->selection().name.empty());
  EXPECT_FALSE((*rt)->selection().explanation.empty());
  EXPECT_TRUE(absl::EndsWith((*rt)->selection().source, (*rt)->selection().name + ".yaml"));
  std::atomic<int> sum{0};
  sched::ParallelFor((*rt)->executor(), 0, 1000, 0, [&](int i) { sum += i; });
  EXPECT_EQ(sum.load(), 999 * 1000 / 2);
  EXPECT_TRUE((*rt)->Shutdown().ok());
  EXPECT_TRUE((*rt)->Shutdown().ok());  // idempotent
}

TEST(RuntimeTest, NamedProfileAndTarget) {
  RuntimeOptions o = Base();
  o.profile = "small_project";
  o.target = tuning::TuningTarget::kMemory;
  auto rt = Runtime::Create(o);
  ASSERT_TRUE(rt.ok()) << rt.status();
  EXPECT_EQ((*rt)->profile().name, "small_project");
  EXPECT_EQ((*rt)->target(), tuning::TuningTarget::kMemory);
}

TEST(RuntimeTest, ProfileFromPath) {
  const std::string path = (adaptrt::testing::TestTempRoot() / "mine.yaml").string();
  std::ofstream(path) << "name: mine\nexecutor:\n  workers: 3\ncache:\n  l1_mb: 7\n";
  RuntimeOptions o = Base();
  o.profile = path;
  auto rt = Runtime::Create(o);
  ASSERT_TRUE(rt.ok()) << rt.status();
  EXPECT_EQ((*rt)->profile().name, "mine");
  EXPECT_EQ((*rt)->profile().cache.l1_mb, 7u);
  EXPECT_EQ((*rt)->selection().source, path);
}

TEST(RuntimeTest, BadInputsNameTheProblem) {
  RuntimeOptions o = Base();
  o.profile = "no_such_profile";
  auto rt = Runtime::Create(o);
  ASSERT_FALSE(rt.ok());
  EXPECT_EQ(rt.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(rt.status().message(), "no_such_profile.yaml"));
  EXPECT_TRUE(absl::StrContains(rt.status().message(), "small_project"));  // known list

  o.profile = "/nonexistent/dir/p.yaml";
  rt = Runtime::Create(o);
  ASSERT_FALSE(rt.ok());
  EXPECT_TRUE(absl::StrContains(rt.status().message(), "/nonexistent/dir/p.yaml"));

  const std::string bad = (adaptrt::testing::TestTempRoot() / "bad.yaml").string();
  std::ofstream(bad) << "name: bad\ncache:\n  l1_mb: -4\n";
  o.profile = bad;
  rt = Runtime::Create(o);
  ASSERT_FALSE(rt.ok());
  EXPECT_TRUE(absl::StrContains(rt.status().message(), "bad.yaml")) << rt.status();

  o = Base();
  o.workers = -1;
  EXPECT_EQ(Runtime::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Base();
  o.profiles_dir = "/nonexistent/profiles";
  o.profile = "small_project";
  EXPECT_EQ(Runtime::Create(o).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(ParseTuningTarget("fast").ok());
}

TEST(RuntimeTest, NamedCachesAreTypedAndShared) {
  auto rt = Runtime::Create(Base());
  ASSERT_TRUE(rt.ok()) << rt.status();
  NamedCacheOptions co;
  co.l1_bytes = 1 << 20;
  co.l2_bytes = 1 << 20;
  auto a = (*rt)->GetOrCreateCache<std::string, int>("users", co);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE((*a)->Put("ada", 36).ok());
  auto again = (*rt)->GetOrCreateCache<std::string, int>("users");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*a, *again);
  ASSERT_NE((*again)->Get("ada"), nullptr);
  EXPECT_EQ(*(*again)->Get("ada"), 36);
  EXPECT_EQ(((*rt)->GetOrCreateCache<int, int>("users").status().code()),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(((*rt)->GetOrCreateCache<int, int>("bad/name").status().code()),
            absl::StatusCode::kInvalidArgument);
  RuntimeStats s = (*rt)->Stats();
  ASSERT_EQ(s.caches.size(), 1u);
  EXPECT_EQ(s.caches[0].name, "users");
  EXPECT_EQ(s.caches[0].stats.l1.capacity, 1u << 20);
  EXPECT_GE(s.caches[0].stats.l1.hits, 1u);
}

// The tuner runs against the real executor and cache while tasks run, and
// shutdown (destructor) stops it cleanly.
TEST(RuntimeTest, TunerRunsWhileWorkRunsAndShutsDown) {
  RuntimeOptions o = Base();
  o.auto_tune = true;
  o.tuner_period = absl::Milliseconds(5);
  o.workers = 2;
  auto rt = Runtime::Create(o);
  ASSERT_TRUE(rt.ok()) << rt.status();
  NamedCacheOptions co;
  co.l1_bytes = 64 << 10;
  co.l2_bytes = 64 << 10;
  co.key_sampling_rate = 1.0;
  auto c = (*rt)->GetOrCreateCache<int, int>("hot", co);
  ASSERT_TRUE(c.ok());
  const absl::Time end = absl::Now() + absl::Milliseconds(200);
  while (absl::Now() < end) {
    sched::ParallelFor((*rt)->executor(), 0, 256, 8, [&](int i) {
      if ((*c)->Get(i % 300) == nullptr) (void)(*c)->Put(i % 300, i);
    });
  }
  RuntimeStats s = (*rt)->Stats();
  EXPECT_GT(s.tuner_iterations, 0u);
  EXPECT_TRUE(s.tuner_running);
  EXPECT_GT(s.executor.total.tasks_run, 0u);
  (void)(*rt)->TuningLog();  // readable while running
  ASSERT_TRUE((*rt)->Shutdown().ok());
  EXPECT_FALSE((*rt)->Stats().tuner_running);
  // Caches outlive the executor's shutdown.
  EXPECT_TRUE((*c)->Put(1, 1).ok());
}

TEST(RuntimeTest, ShutdownFromTaskIsRefused) {
  auto rt = Runtime::Create(Base());
  ASSERT_TRUE(rt.ok());
  Runtime* r = rt->get();
  auto f = r->executor().Submit([r] { return r->Shutdown(); });
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->get().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace adaptrt
