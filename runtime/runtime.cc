// runtime.cc: the facade (see runtime.h).
//
// Design:
//   * Construction order: profile -> system profile -> executor -> knob
//     adapters -> tuner. Destruction (and Shutdown) run it backwards: the
//     tuner is stopped first (it calls the knobs), then the executor drains.
//     Caches outlive both: the CacheSet and caches_ share them and are
//     destroyed last (members are declared in that order; ~Runtime stops the
//     tuner before any member is destroyed).
//   * mu_ guards the name -> cache map, the creation order and shut_down_.
//     It is held while a new cache is built (so two threads asking for the
//     same name build it once); a cache's Create never calls back into the
//     Runtime, and CacheSet::mu_ (a leaf) is the only lock taken under mu_.
//     The tuner thread never takes mu_ (it reaches caches through CacheSet).
//   * No atomics of our own.

#include "runtime/runtime.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cache/internal/persistent_store.h"

namespace adaptrt {

namespace fs = std::filesystem;

namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string SelfExe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

bool IsDir(const std::string& p) {
  std::error_code ec;
  return !p.empty() && fs::is_directory(p, ec);
}

bool ValidName(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
  });
}

absl::StatusOr<cache::PolicyKind> ParsePolicy(const std::string& p, const std::string& where) {
  if (p == "lru") return cache::PolicyKind::kLru;
  if (p == "lfu") return cache::PolicyKind::kLfu;
  if (p == "arc") return cache::PolicyKind::kArc;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": cache.policy: expected lru, lfu or arc, got \"", p, "\""));
}

}  // namespace

absl::StatusOr<tuning::TuningTarget> ParseTuningTarget(absl::string_view text) {
  if (text == "throughput") return tuning::TuningTarget::kThroughput;
  if (text == "latency") return tuning::TuningTarget::kLatency;
  if (text == "memory") return tuning::TuningTarget::kMemory;
  return absl::InvalidArgumentError(
      absl::StrCat("target: expected throughput, latency or memory, got \"", text, "\""));
}

const char* TuningTargetName(tuning::TuningTarget target) {
  switch (target) {
    case tuning::TuningTarget::kThroughput:
      return "throughput";
    case tuning::TuningTarget::kLatency:
      return "latency";
    case tuning::TuningTarget::kMemory:
      return "memory";
  }
  return "?";
}

std::string DefaultCacheDirectory() {
  std::string xdg = Getenv("XDG_CACHE_HOME");
  if (!xdg.empty()) return xdg + "/adaptrt";
  std::string home = Getenv("HOME");
  if (!home.empty()) return home + "/.cache/adaptrt";
  return ".cache/adaptrt";
}

absl::StatusOr<std::string> FindProfilesDir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) {
    if (IsDir(explicit_dir)) return explicit_dir;
    return absl::NotFoundError(
        absl::StrCat("profiles directory ", explicit_dir, ": not a directory"));
  }
  std::vector<std::string> tried;
  auto check = [&](const std::string& p) {
    if (p.empty()) return false;
    tried.push_back(p);
    return IsDir(p);
  };
  if (std::string env = Getenv("ADAPTRT_PROFILES_DIR"); !env.empty() && check(env)) return env;
  const std::string exe = SelfExe();
  std::vector<std::string> candidates;
  for (const char* var : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    std::string r = Getenv(var);
    if (!r.empty()) candidates.push_back(r + "/adaptrt/profiles");
  }
  if (!exe.empty()) {
    candidates.push_back(exe + ".runfiles/adaptrt/profiles");
    const std::string dir = fs::path(exe).parent_path().string();
    candidates.push_back(dir + "/profiles");
    candidates.push_back(dir + "/../share/adaptrt/profiles");
  }
  for (const std::string& c : candidates) {
    if (check(c)) return fs::weakly_canonical(c).string();
  }
  return absl::NotFoundError(absl::StrCat(
      "no profiles directory found (set RuntimeOptions::profiles_dir, --profiles_dir or "
      "$ADAPTRT_PROFILES_DIR); tried: ",
      absl::StrJoin(tried, ", ")));
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(const RuntimeOptions& options) {
  if (options.workers < 0) {
    return absl::InvalidArgumentError(absl::StrCat("workers: expected >= 0, got ", options.workers));
  }
  if (options.max_workers < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_workers: expected >= 0, got ", options.max_workers));
  }
  if (options.tuner_period < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("tuner_period: expected >= 0");
  }
  if (options.profile.empty()) {
    return absl::InvalidArgumentError(
        "profile: expected \"auto\", a profile name or a YAML path, got \"\"");
  }
  std::unique_ptr<Runtime> rt(new Runtime());

  // The machine. A failure leaves a minimal profile from the standard
  // library (and says so), unless "auto" needs it.
  absl::StatusOr<tuning::SystemProfile> system = tuning::ProfileSystem();
  std::string system_note;
  if (system.ok()) {
    rt->system_ = *std::move(system);
  } else {
    if (options.profile == "auto") return system.status();
    system_note = absl::StrCat(" (system profile failed: ", system.status().message(), ")");
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    rt->system_.topology.hardware_threads = static_cast<int>(hw);
    rt->system_.effective_cpus = hw;
  }

  // The profile.
  const std::string& p = options.profile;
  const bool is_path = absl::StrContains(p, "/") || absl::EndsWith(p, ".yaml");
  std::string file;
  if (is_path) {
    file = p;
    rt->selection_.explanation = "given as a file";
  } else {
    absl::StatusOr<std::string> dir = FindProfilesDir(options.profiles_dir);
    if (!dir.ok()) return dir.status();
    std::string name = p;
    if (p == "auto") {
      tuning::ProfileChoice choice = tuning::SelectProfile(rt->system_, options.expected_files);
      name = choice.name;
      rt->selection_.explanation = choice.explanation;
    } else {
      if (!ValidName(p)) {
        return absl::InvalidArgumentError(absl::StrCat("profile: bad name \"", p, "\""));
      }
      rt->selection_.explanation = "named in the options";
    }
    file = absl::StrCat(*dir, "/", name, ".yaml");
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      std::vector<std::string> known;
      for (const auto& e : fs::directory_iterator(*dir, ec)) {
        if (e.path().extension() == ".yaml") known.push_back(e.path().stem().string());
      }
      std::sort(known.begin(), known.end());
      return absl::NotFoundError(absl::StrCat("profile \"", name, "\": no file ", file,
                                              " (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  absl::StatusOr<tuning::Profile> profile = tuning::LoadProfileFile(file);
  if (!profile.ok()) {
    // The loader names the file in parse errors; make sure a read error does too.
    if (absl::StrContains(profile.status().message(), file)) return profile.status();
    return absl::Status(profile.status().code(),
                        absl::StrCat(file, ": ", profile.status().message()));
  }
  rt->profile_ = *std::move(profile);
  rt->selection_.name = rt->profile_.name;
  rt->selection_.source = file;
  rt->selection_.explanation += system_note;
  {
    absl::StatusOr<cache::PolicyKind> policy = ParsePolicy(rt->profile_.cache.policy, file);
    if (!policy.ok()) return policy.status();
  }

  if (options.target.has_value()) {
    rt->target_ = *options.target;
  } else {
    absl::StatusOr<tuning::TuningTarget> t = ParseTuningTarget(rt->profile_.tuning.target);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(file, ": tuning.", t.status().message()));
    rt->target_ = *t;
  }
  rt->cache_directory_ =
      options.cache_directory.empty() ? DefaultCacheDirectory() : options.cache_directory;

  // The executor.
  const int hw = std::max(1, rt->system_.topology.hardware_threads);
  int workers = options.workers;
  if (workers == 0) workers = std::clamp(rt->profile_.executor.workers, 1, hw);
  int max_workers = options.max_workers;
  if (max_workers == 0) {
    max_workers = std::max({8, workers,
                            static_cast<int>(std::ceil(4 * rt->system_.effective_cpus))});
  }
  if (workers > max_workers) {
    return absl::InvalidArgumentError(
        absl::StrCat("workers (", workers, ") exceeds max_workers (", max_workers, ")"));
  }
  sched::Options eo;
  eo.num_workers = workers;
  eo.max_workers = max_workers;
  eo.measure_task_time = options.measure_task_time;
  eo.thread_name_prefix = options.thread_name_prefix;
  absl::StatusOr<std::unique_ptr<sched::Executor>> executor = sched::Executor::Create(eo);
  if (!executor.ok()) return executor.status();
  rt->executor_ = *std::move(executor);

  // The knobs, wired even without a tuner (cheap, and tests use them).
  rt->worker_knob_ = std::make_unique<runtime_internal::ExecutorWorkerKnob>(rt->executor_.get());
  rt->executor_sampler_ = std::make_unique<runtime_internal::ExecutorSampler>(
      rt->executor_.get(), std::max(1.0, rt->system_.effective_cpus));
  for (cache::Tier tier : {cache::Tier::kL1, cache::Tier::kL2, cache::Tier::kL3}) {
    rt->tier_knobs_[static_cast<int>(tier) - 1] =
        std::make_unique<runtime_internal::TierCapacityKnob>(&rt->cache_set_, tier);
  }
  rt->cache_sampler_ = std::make_unique<runtime_internal::CacheSampler>(&rt->cache_set_);

  // The tuner.
  const bool tune = options.auto_tune.value_or(rt->profile_.tuning.enabled);
  if (tune) {
    tuning::AutoTunerOptions to;
    to.period = options.tuner_period > absl::ZeroDuration()
                    ? options.tuner_period
                    : absl::Milliseconds(std::max(1, rt->profile_.tuning.period_ms));
    to.target = rt->target_;
    to.cache_budget_bytes = rt->profile_.total_cache_mb() << 20;
    to.available_memory_bytes = rt->system_.memory_available_bytes > 0
                                    ? rt->system_.memory_available_bytes
                                    : to.available_memory_bytes;
    to.workers.min_workers = 1;
    to.workers.max_workers = max_workers;
    // CPU-bound work is never probed above the CPUs (worker_optimizer.h).
    to.workers.effective_cpus = rt->system_.effective_cpus;
    to.cache.tuner.target_hit_rate = rt->profile_.tuning.target_hit_rate;
    to.signature = options.history_signature;
    to.history_path = options.history_path;
    tuning::AutoTuner::Wiring wiring;
    wiring.executor = rt->executor_sampler_.get();
    wiring.workers = rt->worker_knob_.get();
    wiring.cache = rt->cache_sampler_.get();
    wiring.l1 = rt->tier_knobs_[0].get();
    wiring.l2 = rt->tier_knobs_[1].get();
    wiring.l3 = rt->tier_knobs_[2].get();
    absl::StatusOr<std::unique_ptr<tuning::AutoTuner>> tuner =
        tuning::AutoTuner::Create(to, wiring);
    if (!tuner.ok()) return tuner.status();
    rt->tuner_ = *std::move(tuner);
    rt->tuner_->Start();
  }
  return rt;
}

Runtime::~Runtime() {
  absl::Status s = Shutdown();
  (void)s;  // Shutdown only fails when called from a task, which the contract forbids.
}

absl::Status Runtime::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return absl::OkStatus();
    if (executor_ != nullptr && executor_->InWorker()) {
      return absl::FailedPreconditionError("Runtime::Shutdown called from an executor task");
    }
    shut_down_ = true;
  }
  if (tuner_ != nullptr) tuner_->Stop();
  return executor_ != nullptr ? executor_->Shutdown(sched::ShutdownMode::kDrain)
                              : absl::OkStatus();
}

absl::Status Runtime::ResolveCacheOptions(const std::string& name, const NamedCacheOptions& o,
                                          std::uint64_t* l1, std::uint64_t* l2,
                                          std::uint64_t* l3, cache::PolicyKind* policy,
                                          absl::Duration* ttl, std::string* l3_dir) const {
  if (!(o.key_sampling_rate > 0 && o.key_sampling_rate <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cache \"", name, "\": key_sampling_rate must be in (0, 1], got ", o.key_sampling_rate));
  }
  if (o.ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("cache \"", name, "\": negative ttl"));
  }
  *l1 = o.l1_bytes != 0 ? o.l1_bytes : profile_.cache.l1_mb << 20;
  *l2 = o.l2_bytes != 0 ? o.l2_bytes : profile_.cache.l2_mb << 20;
  *l3 = o.l3_bytes != 0 ? o.l3_bytes : profile_.cache.l3_mb << 20;
  if (o.policy.has_value()) {
    *policy = *o.policy;
  } else {
    absl::StatusOr<cache::PolicyKind> p = ParsePolicy(profile_.cache.policy, selection_.source);
    if (!p.ok()) return p.status();
    *policy = *p;
  }
  *ttl = o.ttl > absl::ZeroDuration()
             ? o.ttl
             : (profile_.cache.ttl_hours > 0 ? absl::Hours(profile_.cache.ttl_hours)
                                              : absl::InfiniteDuration());
  *l3_dir = L3Directory(name);
  if (o.persistent) {
    std::error_code ec;
    fs::create_directories(cache_directory_, ec);  // the L3 reports what still fails
  }
  return absl::OkStatus();
}

bool Runtime::PersistentCacheExists(const std::string& name) const {
  if (!ValidName(name)) return false;  // never a path outside cache_directory()
  return cache_internal::PersistentStore::DatabaseExists(L3Directory(name));
}

std::string Runtime::L3Directory(const std::string& name) const {
  return absl::StrCat(cache_directory_, "/", name);
}

bool Runtime::HasCache(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return caches_.contains(name);
}

absl::StatusOr<runtime_internal::TunableCache*> Runtime::FindOrCreate(
    const std::string& name, std::type_index type, Factory factory,
    const NamedCacheOptions& o) {
  if (!ValidName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cache name \"", name, "\": expected [A-Za-z0-9_.-]+"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = caches_.find(name);
  if (it != caches_.end()) {
    if (it->second.type != type) {
      return absl::FailedPreconditionError(
          absl::StrCat("cache \"", name, "\" exists with other key/value types"));
    }
    return it->second.cache.get();
  }
  absl::StatusOr<std::shared_ptr<runtime_internal::TunableCache>> made = factory();
  if (!made.ok()) return made.status();
  std::shared_ptr<runtime_internal::TunableCache> c = *std::move(made);
  const cache::TieredStats s = c->TierStats();
  cache_set_.Add(c, s.l1.capacity, s.l2.capacity, s.l3_enabled ? s.l3.capacity : 0);
  (void)o;
  caches_.emplace(name, Named{type, c});
  order_.push_back(name);
  return c.get();
}

RuntimeStats Runtime::Stats() const {
  RuntimeStats out;
  out.executor = executor_->Stats();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& name : order_) {
      out.caches.push_back({name, caches_.at(name).cache->TierStats()});
    }
    out.tuner_running = tuner_ != nullptr && !shut_down_;
  }
  if (tuner_ != nullptr) out.tuner_iterations = tuner_->iterations();
  return out;
}

std::vector<tuning::Decision> Runtime::TuningLog() const {
  return tuner_ != nullptr ? tuner_->log() : std::vector<tuning::Decision>{};
}

}  // namespace adaptrt
