// Tests of the knob adapters over a real Executor and real TieredCaches.

#include "runtime/internal/knob_adapters.h"

#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "cache/tiered_cache.h"
#include "gtest/gtest.h"
#include "sched/executor.h"
#include "sched/parallel_for.h"

namespace adaptrt::runtime_internal {
namespace {

// A TunableCache over a TieredCache<int, int> (no L3: this test runs under
// TSan).
class IntCache final : public TunableCache {
 public:
  explicit IntCache(std::size_t l1, std::size_t l2) : sampler_(1.0) {
    cache::TieredCache<int, int>::Options o;
    o.l1_capacity = l1;
    o.l2_capacity = l2;
    cache_ = *cache::TieredCache<int, int>::Create(o);
  }
  const std::string& name() const override { return name_; }
  cache::TieredStats TierStats() const override { return cache_->Stats(); }
  absl::Status SetTierCapacity(cache::Tier t, std::uint64_t b) override {
    return cache_->SetTierCapacity(t, b);
  }
  void DrainSampledHashes(std::vector<std::uint64_t>* out) override { sampler_.Drain(out); }
  double key_sampling_rate() const override { return 1.0; }
  void Touch(int k) {
    sampler_.Record(absl::HashOf(k));
    if (cache_->Get(k) == nullptr) (void)cache_->Put(k, k);
  }

 private:
  std::string name_ = "ints";
  HashSampler sampler_;
  std::unique_ptr<cache::TieredCache<int, int>> cache_;
};

TEST(KnobAdaptersTest, WorkerKnobResizesExecutor) {
  sched::Options o;
  o.num_workers = 2;
  o.max_workers = 8;
  auto e = sched::Executor::Create(o);
  ASSERT_TRUE(e.ok());
  ExecutorWorkerKnob knob(e->get());
  EXPECT_EQ(knob.workers(), 2);
  ASSERT_TRUE(knob.Resize(5).ok());
  EXPECT_EQ((*e)->worker_count(), 5);
  EXPECT_EQ(knob.workers(), 5);
  ASSERT_TRUE(knob.Resize(1).ok());
  EXPECT_EQ((*e)->worker_count(), 1);
  EXPECT_FALSE(knob.Resize(0).ok());
  EXPECT_FALSE(knob.Resize(9).ok());
}

TEST(KnobAdaptersTest, ExecutorSamplerReportsWindowDeltas) {
  sched::Options o;
  o.num_workers = 2;
  o.measure_task_time = true;
  auto e = sched::Executor::Create(o);
  ASSERT_TRUE(e.ok());
  ExecutorSampler sampler(e->get(), 2.0);
  const absl::Time t0 = absl::Now();
  tuning::ExecutorSample first = sampler.SampleExecutor(t0);
  EXPECT_EQ(first.workers, 2);
  EXPECT_EQ(first.throughput, 0);  // no window yet
  std::atomic<int> n{0};
  sched::ParallelFor(**e, 0, 1000, 1, [&](int) { n.fetch_add(1); });
  // A worker counts a task after running it, so ParallelFor can return
  // before the last count lands (executor.h: Stats is not a consistent
  // cut). Wait until the counts stay still for 50 ms, so the window below
  // holds every task and the next one none.
  auto tasks_counted = [&] {
    const sched::ExecutorStats st = (*e)->Stats();
    return st.total.tasks_run + st.external_tasks_run;
  };
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t before = tasks_counted();
    absl::SleepFor(absl::Milliseconds(50));
    if (tasks_counted() == before) break;
  }
  tuning::ExecutorSample s = sampler.SampleExecutor(t0 + absl::Seconds(2));
  EXPECT_EQ(s.window, absl::Seconds(2));
  // Tasks run by workers and by the helping caller both count.
  EXPECT_GT(s.throughput, 0);
  EXPECT_LE(s.throughput, 1000 / 2.0 + 1);
  EXPECT_GE(s.idle_fraction, 0);
  EXPECT_LE(s.idle_fraction, 1);
  EXPECT_GE(s.task_wall_seconds, 0);
  // Nothing ran since: the next window is empty.
  tuning::ExecutorSample idle = sampler.SampleExecutor(t0 + absl::Seconds(3));
  EXPECT_EQ(idle.throughput, 0);
}

// CPU burnt by a thread outside the executor counts: the tuner must not add
// workers while the host's own threads saturate the CPUs.
TEST(KnobAdaptersTest, ExecutorSamplerCountsTheWholeProcessCpu) {
  sched::Options o;
  o.num_workers = 1;
  auto e = sched::Executor::Create(o);
  ASSERT_TRUE(e.ok());
  ExecutorSampler sampler(e->get(), 1.0);
  const absl::Time t0 = absl::Now();
  sampler.SampleExecutor(t0);
  // Burn 0.3 s of this thread's CPU time (whatever the machine's load).
  std::thread burner([] {
    auto thread_cpu = [] {
      struct timespec ts;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return ts.tv_sec + ts.tv_nsec * 1e-9;
    };
    const double start = thread_cpu();
    volatile std::uint64_t sink = 0;
    while (thread_cpu() - start < 0.3) {
      for (int i = 0; i < 10000; ++i) sink = sink + i;
    }
  });
  burner.join();
  tuning::ExecutorSample s = sampler.SampleExecutor(t0 + absl::Seconds(1));
  EXPECT_EQ(s.throughput, 0);  // the executor ran nothing
  EXPECT_GE(s.cpu_utilization, 0.29);
  // The machine was busy at least with the burner.
  EXPECT_GT(s.system_cpu_utilization, 0);
  EXPECT_LE(s.system_cpu_utilization, 1);
}

TEST(KnobAdaptersTest, MachineCpuTicksFromProcStat) {
  std::uint64_t busy = 0, total = 0;
  ASSERT_TRUE(ReadMachineCpuTicks(&busy, &total));
  EXPECT_GT(total, 0u);
  EXPECT_LE(busy, total);
  std::uint64_t busy2 = 0, total2 = 0;
  ASSERT_TRUE(ReadMachineCpuTicks(&busy2, &total2));
  EXPECT_GE(total2, total);  // cumulative since boot
  EXPECT_GE(busy2, busy);
}

TEST(KnobAdaptersTest, CapacityKnobSplitsTierAmongCaches) {
  CacheSet set;
  auto a = std::make_shared<IntCache>(1 << 20, 1 << 20);
  auto b = std::make_shared<IntCache>(3 << 20, 1 << 20);
  set.Add(a, 1 << 20, 1 << 20, 0);
  set.Add(b, 3 << 20, 1 << 20, 0);
  TierCapacityKnob l1(&set, cache::Tier::kL1), l2(&set, cache::Tier::kL2),
      l3(&set, cache::Tier::kL3);
  EXPECT_EQ(l1.capacity(), 4u << 20);
  ASSERT_TRUE(l1.SetCapacity(8 << 20).ok());
  EXPECT_EQ(l1.capacity(), 8u << 20);
  EXPECT_EQ(a->TierStats().l1.capacity, 2u << 20);
  EXPECT_EQ(b->TierStats().l1.capacity, 6u << 20);
  ASSERT_TRUE(l2.SetCapacity(1 << 20).ok());
  EXPECT_EQ(a->TierStats().l2.capacity, 512u << 10);
  // No cache has an L3: the knob records the total and touches nothing.
  EXPECT_TRUE(l3.SetCapacity(1 << 30).ok());
  EXPECT_EQ(l3.capacity(), 1u << 30);
  EXPECT_FALSE(l1.SetCapacity(0).ok());
}

TEST(KnobAdaptersTest, CacheSamplerDeltasAndHashesUnderConcurrency) {
  CacheSet set;
  auto a = std::make_shared<IntCache>(1 << 20, 1 << 20);
  set.Add(a, 1 << 20, 1 << 20, 0);
  CacheSampler sampler(&set);
  TierCapacityKnob l1(&set, cache::Tier::kL1);
  sched::Options o;
  o.num_workers = 2;
  auto e = sched::Executor::Create(o);
  ASSERT_TRUE(e.ok());
  std::atomic<bool> stop{false};
  std::uint64_t hits = 0, misses = 0, hashes = 0;
  std::thread tuner([&] {  // what the auto-tuner thread does
    while (!stop.load()) {
      tuning::CacheSample s = sampler.SampleCache(absl::Now());
      hits += s.hits;
      misses += s.misses;
      hashes += s.key_hashes.size();
      (void)l1.SetCapacity((hashes % 2 ? 1 : 2) << 20);
    }
  });
  sched::ParallelFor(**e, 0, 20000, 64, [&](int i) { a->Touch(i % 500); });
  stop.store(true);
  tuner.join();
  tuning::CacheSample last = sampler.SampleCache(absl::Now());
  hits += last.hits;
  misses += last.misses;
  hashes += last.key_hashes.size();
  EXPECT_EQ(hits + misses, 20000u);  // every Get is one hit or one miss
  EXPECT_GE(misses, 500u);           // each key missed once at least
  EXPECT_EQ(hashes, 20000u);         // rate 1: every access sampled
  EXPECT_GT(last.bytes_used, 0u);
}

TEST(KnobAdaptersTest, HashSamplerFiltersSpatially) {
  HashSampler s(0.25);
  for (std::uint64_t i = 0; i < 4096; ++i) s.Record(i << 52);  // top 10 bits: i >> 2
  std::vector<std::uint64_t> out;
  s.Drain(&out);
  EXPECT_EQ(out.size(), 1024u);  // (h >> 54) < 256
  out.clear();
  s.Drain(&out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace adaptrt::runtime_internal
