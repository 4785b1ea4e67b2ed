// knob_adapters.cc: see knob_adapters.h.
//
// Design:
//   * No atomics here. Each adapter keeps the previous reading of the
//     cumulative counters it turns into deltas under its own mutex (mu_), a
//     leaf lock: nothing else is locked while it is held except the
//     executor's / caches' own internal locks inside Stats().
//   * CacheSet::mu_ protects the member list and the remembered tier totals.
//     SetTierTotal copies the members under mu_ and calls the caches after
//     releasing it, so a cache's eviction work never runs under mu_ and a
//     cache being added concurrently is never blocked by a resize. Lock
//     order: CacheSet::mu_ is never held while another lock of ours is
//     taken.
//   * HashSampler::mu_ is a leaf, taken only for hashes that pass the
//     filter (rate of them), so unsampled accesses cost one compare.
//   * Counters are cumulative (monotonic) per cache; a cache added between
//     two samples contributes all its counts to the next delta, which is
//     right: they happened in that window.

#include "runtime/internal/knob_adapters.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace adaptrt::runtime_internal {

namespace {
int TierIndex(cache::Tier tier) { return static_cast<int>(tier) - 1; }
}  // namespace

HashSampler::HashSampler(double rate, std::size_t max_pending)
    : rate_(rate),
      threshold_(static_cast<std::uint64_t>(std::clamp(rate, 0.0, 1.0) * 1024.0)),
      max_pending_(max_pending) {}

void HashSampler::RecordSlow(std::uint64_t hash) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.size() < max_pending_) pending_.push_back(hash);
}

void HashSampler::Drain(std::vector<std::uint64_t>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->insert(out->end(), pending_.begin(), pending_.end());
  pending_.clear();
}

void CacheSet::Add(std::shared_ptr<TunableCache> cache, std::uint64_t l1, std::uint64_t l2,
                   std::uint64_t l3) {
  std::lock_guard<std::mutex> lock(mu_);
  members_.push_back(Member{std::move(cache), {l1, l2, l3}});
}

std::vector<std::shared_ptr<TunableCache>> CacheSet::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<TunableCache>> out;
  out.reserve(members_.size());
  for (const Member& m : members_) out.push_back(m.cache);
  return out;
}

std::uint64_t CacheSet::TierTotal(cache::Tier tier) const {
  const int t = TierIndex(tier);
  std::lock_guard<std::mutex> lock(mu_);
  if (set_total_[t] != 0) return set_total_[t];
  std::uint64_t sum = 0;
  for (const Member& m : members_) sum += m.initial[t];
  return sum;
}

absl::Status CacheSet::SetTierTotal(cache::Tier tier, std::uint64_t bytes) {
  if (bytes == 0) return absl::InvalidArgumentError("tier capacity must be > 0");
  const int t = TierIndex(tier);
  std::vector<std::pair<std::shared_ptr<TunableCache>, std::uint64_t>> plan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    set_total_[t] = bytes;
    long double initial_sum = 0;
    for (const Member& m : members_) initial_sum += m.initial[t];
    for (const Member& m : members_) {
      if (m.initial[t] == 0) continue;  // e.g. no L3 for this cache
      const long double share = m.initial[t] / initial_sum;
      plan.emplace_back(m.cache,
                        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(share * bytes)));
    }
  }
  absl::Status first;
  for (auto& [c, b] : plan) {
    absl::Status s = c->SetTierCapacity(tier, b);
    if (!s.ok() && first.ok()) {
      first = absl::Status(s.code(), absl::StrCat("cache \"", c->name(), "\": ", s.message()));
    }
  }
  return first;
}

namespace {

// CPU time of every thread of this process, in nanoseconds (0 if the clock
// is unavailable).
std::uint64_t ProcessCpuNanos() {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

bool ReadMachineCpuTicks(std::uint64_t* busy, std::uint64_t* total) {
  std::FILE* f = std::fopen("/proc/stat", "re");
  if (f == nullptr) return false;
  char line[512];
  const bool got = std::fgets(line, sizeof(line), f) != nullptr;
  std::fclose(f);
  if (!got || std::strncmp(line, "cpu ", 4) != 0) return false;
  // user nice system idle iowait irq softirq steal [guest guest_nice]
  // (guest time is already included in user and nice).
  unsigned long long v[8] = {};
  const int n = std::sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                            &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
  if (n < 4) return false;
  std::uint64_t sum = 0;
  for (int i = 0; i < n; ++i) sum += v[i];
  *total = sum;
  *busy = sum - v[3] - (n > 4 ? v[4] : 0);
  return true;
}

ExecutorSampler::ExecutorSampler(const sched::Executor* executor, double effective_cpus)
    : executor_(executor), effective_cpus_(effective_cpus) {}

tuning::ExecutorSample ExecutorSampler::SampleExecutor(absl::Time now) {
  const sched::ExecutorStats stats = executor_->Stats();
  tuning::ExecutorSample out;
  out.now = now;
  out.workers = stats.worker_count;
  std::lock_guard<std::mutex> lock(mu_);
  const sched::WorkerStats& cur = stats.total;
  const std::uint64_t process_cpu_ns = ProcessCpuNanos();
  std::uint64_t machine_busy = 0, machine_total = 0;
  const bool machine = ReadMachineCpuTicks(&machine_busy, &machine_total);
  if (!first_ && now > last_time_) {
    out.window = now - last_time_;
    const double secs = absl::ToDoubleSeconds(out.window);
    auto delta = [](std::uint64_t a, std::uint64_t b) { return a >= b ? a - b : 0; };
    // Tasks run by workers and by threads helping in TaskGroup::Wait.
    const double tasks =
        static_cast<double>(delta(cur.tasks_run, last_.tasks_run) +
                            delta(stats.external_tasks_run, last_external_));
    const double busy = static_cast<double>(delta(cur.busy_ns, last_.busy_ns));
    const double idle = static_cast<double>(delta(cur.idle_ns, last_.idle_ns));
    const double cpu = static_cast<double>(delta(cur.busy_cpu_ns, last_.busy_cpu_ns));
    out.throughput = tasks / secs;
    const double process_cpu =
        static_cast<double>(delta(process_cpu_ns, last_process_cpu_ns_));
    out.cpu_utilization = std::max(cpu, process_cpu) * 1e-9 / (secs * effective_cpus_);
    out.idle_fraction = busy + idle > 0 ? idle / (busy + idle) : 0;
    out.task_cpu_seconds = delta(cur.task_cpu_ns, last_.task_cpu_ns) * 1e-9;
    out.task_wall_seconds = delta(cur.task_wall_ns, last_.task_wall_ns) * 1e-9;
    out.mean_run_ms = tasks > 0 ? out.task_wall_seconds * 1e3 / tasks : 0;
    if (machine && machine_total > last_machine_total_ && last_machine_total_ > 0) {
      out.system_cpu_utilization =
          std::clamp(static_cast<double>(delta(machine_busy, last_machine_busy_)) /
                         static_cast<double>(machine_total - last_machine_total_),
                     0.0, 1.0);
    }
  }
  if (machine) {
    last_machine_busy_ = machine_busy;
    last_machine_total_ = machine_total;
  }
  first_ = false;
  last_time_ = now;
  last_ = cur;
  last_external_ = stats.external_tasks_run;
  last_process_cpu_ns_ = process_cpu_ns;
  return out;
}

void HitsAndMisses(const cache::TieredStats& s, std::uint64_t* hits, std::uint64_t* misses) {
  // Every Get is counted once in L1 (hit or miss); a lower tier's hits
  // answered some of L1's misses. Reading the lower tiers' own miss counters
  // instead would not add up while lookups are in flight between tiers.
  *hits = s.l1.hits + s.l2.hits + s.l3.hits;
  const std::uint64_t lower = s.l2.hits + s.l3.hits;
  *misses = s.l1.misses >= lower ? s.l1.misses - lower : 0;
}

tuning::CacheSample CacheSampler::SampleCache(absl::Time now) {
  tuning::CacheSample out;
  out.now = now;
  std::uint64_t hits = 0, misses = 0, entries = 0;
  double rate = 1.0;
  for (const auto& c : caches_->Snapshot()) {
    const cache::TieredStats s = c->TierStats();
    std::uint64_t h, m;
    HitsAndMisses(s, &h, &m);
    hits += h;
    misses += m;
    out.bytes_used += s.l1.bytes + s.l2.bytes + s.l3.bytes;
    entries += s.l1.entries + s.l2.entries + s.l3.entries;
    c->DrainSampledHashes(&out.key_hashes);
    rate = std::min(rate, c->key_sampling_rate());
  }
  out.mean_entry_bytes = entries > 0 ? out.bytes_used / entries : 0;
  out.key_sampling_rate = rate;
  std::lock_guard<std::mutex> lock(mu_);
  out.hits = hits >= last_hits_ ? hits - last_hits_ : 0;
  out.misses = misses >= last_misses_ ? misses - last_misses_ : 0;
  last_hits_ = hits;
  last_misses_ = misses;
  return out;
}

}  // namespace adaptrt::runtime_internal
