// adaptrt: the command. `adaptrt <analyze|profile|tune|bench> [flags]`,
// `adaptrt <subcommand> --help`.
//
// Design: one binary, absl flags defined once; each subcommand lists the
// flags it accepts, and any other flag is rejected before absl parses (absl
// itself rejects unknown names and bad values, exiting 1). --help is handled
// per subcommand here, before absl sees it. Exit status: 0 success, 1 a
// failure while running (bad DIR, bad profile), 2 bad usage.
//
// Start-up: before anything else (one thread), main() sets
// HWLOC_PLUGINS_BLACKLIST, unless the user set it, to hwloc's I/O and XML
// plugins (PCI, OpenCL, GL, libxml). hwloc dlopens every installed plugin
// at each topology init, with their libraries (libxml2, libOpenCL, libGL,
// libpciaccess...), although the system profile only reads CPUs, caches and
// NUMA nodes (I/O discovery is off by default in hwloc 2): 10-15 ms of a
// 0.1 s `adaptrt analyze`. A program embedding the Runtime can do the same.
// `analyze` then points hwloc at an XML export of the topology kept under
// the cache directory (runtime/internal/topology_cache.h: HWLOC_XMLFILE;
// ProfileSystem 2.6 -> 1.3 ms), unless the user set a discovery variable
// or passed --no-cache;
// when that export cannot be made, or Runtime::Create fails with it, the
// run discovers as before. Absl's Mutex deadlock detection is switched off
// before the flags register (Debian builds absl without NDEBUG, which turns
// it on: a DeadlockCheck on every registry lock); we never use absl::Mutex.
// docs/startup.md has the measured start-up costs.
//
// Exit: main() returns through std::_Exit after flushing stdio, so the
// static destructors (RocksDB's option tables, its Env joining its
// background threads, absl's registries) do not run: the OS reclaims what
// they free. Every command has closed what matters before: the Runtime (and
// with it each L3 store, closed by RocksDB) and the files are destroyed at
// the end of the command's function. Under ASan/TSan main returns normally.

#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/random/zipf_distribution.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "runtime/analyze/report.h"
#include "runtime/analyze_job.h"
#include "runtime/internal/topology_cache.h"
#include "runtime/runtime.h"
#include "sched/parallel_for.h"
#include "tuning/history.h"
#include "tuning/worker_optimizer.h"

// Runs before the flag registrations below (static initialization follows
// definition order within a file): see "Start-up" above.
[[maybe_unused]] const bool kAbslDeadlockDetectionOff = [] {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
}();

ABSL_FLAG(bool, json, false, "print one JSON object instead of text");
ABSL_FLAG(std::string, profile, "auto", "auto, a profile name from profiles/, or a YAML path");
ABSL_FLAG(std::string, profiles_dir, "", "directory of the named profiles (default: found)");
ABSL_FLAG(std::string, target, "", "tuning target: throughput, latency or memory "
                                   "(default: the profile's)");
ABSL_FLAG(int, workers, 0, "workers at start (0: the profile's, capped at the CPUs)");
ABSL_FLAG(bool, baseline, false, "analyze: also run single-threaded without cache, "
                                 "print the speedup");
ABSL_FLAG(bool, no_cache, false, "analyze: do not use the per-file result cache");
ABSL_FLAG(std::string, cache_dir, "", "root of persistent caches (default: "
                                      "$XDG_CACHE_HOME/adaptrt or ~/.cache/adaptrt)");
ABSL_FLAG(bool, progress, true, "analyze: progress bar on stderr when it is a terminal");
ABSL_FLAG(std::uint64_t, files, 0, "profile: expected input files, for profile selection");
ABSL_FLAG(double, seconds, 0.25, "tune: seconds per probe point");
ABSL_FLAG(std::string, history, "", "tune: history file (default: "
                                    "$XDG_CACHE_HOME/adaptrt/history.tsv)");
ABSL_FLAG(std::string, suite, "", "bench: path of the suite binary (default: found)");

namespace {

using adaptrt::AnalyzeResult;
using adaptrt::Runtime;
using adaptrt::RuntimeOptions;

struct Command {
  const char* name;
  const char* usage;
  std::vector<std::string> flags;
};

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"analyze",
       "adaptrt analyze [DIR] [--baseline] [--no-cache] [--json]\n"
       "  Counts files, blank, comment and code lines per language (cloc's rules) in DIR\n"
       "  (default: the current directory), in parallel, with per-file results cached\n"
       "  (L3 under $XDG_CACHE_HOME/adaptrt/analyze). Prints the table and performance.",
       {"json", "baseline", "no_cache", "profile", "profiles_dir", "target", "workers",
        "cache_dir", "progress"}},
      {"profile",
       "adaptrt profile [--json] [--profile=auto|NAME|PATH] [--files=N]\n"
       "  Prints the system profile, the selected profile and why, and the resulting\n"
       "  configuration.",
       {"json", "profile", "profiles_dir", "files", "target", "workers"}},
      {"tune",
       "adaptrt tune [--target=throughput|latency|memory] [--json] [--seconds=S]\n"
       "  Profiles the system, selects a profile, calibrates the executor with a\n"
       "  CPU-bound and an I/O-bound probe at several worker counts (Amdahl and USL\n"
       "  fits) and the cache with a Zipf probe; prints and records the result in\n"
       "  the tuning history file.",
       {"json", "profile", "profiles_dir", "target", "seconds", "history", "cache_dir"}},
      {"bench",
       "adaptrt bench [--suite=PATH] [-- SUITE_ARGS...]\n"
       "  Runs the benchmark suite (//benchmarks:suite).",
       {"suite"}},
  };
  return kCommands;
}

void PrintTopUsage(FILE* f) {
  std::fprintf(f, "usage: adaptrt <command> [flags]  (adaptrt <command> --help)\n\ncommands:\n");
  for (const Command& c : Commands()) std::fprintf(f, "\n%s\n", c.usage);
}

void PrintCommandHelp(const Command& c) {
  std::printf("usage: %s\n\nflags:\n", c.usage);
  for (const std::string& f : c.flags) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(f);
    if (flag == nullptr) continue;
    std::string name = f == "no_cache" ? "no-cache" : f;
    const std::string help = flag->Help();
    if (absl::StrContains(help, "(default")) {  // the help names the default itself
      std::printf("  --%s  %s\n", name.c_str(), help.c_str());
    } else {
      std::printf("  --%s  %s (default: %s)\n", name.c_str(), help.c_str(),
                  flag->DefaultValue().empty() ? "\"\"" : flag->DefaultValue().c_str());
    }
  }
}

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "adaptrt: %s\n", message.c_str());
  return code;
}

std::string J(double v) { return std::isfinite(v) ? absl::StrFormat("%.6g", v) : "null"; }

absl::StatusOr<RuntimeOptions> OptionsFromFlags() {
  RuntimeOptions o;
  o.profile = absl::GetFlag(FLAGS_profile);
  o.profiles_dir = absl::GetFlag(FLAGS_profiles_dir);
  o.workers = absl::GetFlag(FLAGS_workers);
  if (o.workers < 0) return absl::InvalidArgumentError("--workers: expected >= 0");
  o.cache_directory = absl::GetFlag(FLAGS_cache_dir);
  const std::string target = absl::GetFlag(FLAGS_target);
  if (!target.empty()) {
    auto t = adaptrt::ParseTuningTarget(target);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("--", t.status().message()));
    o.target = *t;
  }
  return o;
}

// ---- analyze ----

class ProgressBar {
 public:
  ProgressBar(std::atomic<std::int64_t>* done, bool enabled) : done_(done), enabled_(enabled) {}
  ~ProgressBar() { Stop(); }
  void Start(std::int64_t total) {
    if (!enabled_) return;
    total_ = total;
    thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        Draw();
        cv_.wait_for(lock, std::chrono::milliseconds(100));
      }
      Draw();
      std::fprintf(stderr, "\n");
    });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Draw() {
    const std::int64_t d = done_->load(std::memory_order_relaxed);
    const double f = total_ > 0 ? static_cast<double>(d) / total_ : 1.0;
    const int w = 40, fill = static_cast<int>(f * w);
    std::fprintf(stderr, "\r[%s%s] %lld/%lld files", std::string(fill, '#').c_str(),
                 std::string(w - fill, ' ').c_str(), static_cast<long long>(d),
                 static_cast<long long>(total_));
  }
  std::atomic<std::int64_t>* done_;
  const bool enabled_;
  std::int64_t total_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Points hwloc at the cached XML export of the topology under
// CACHE_ROOT/topology (see "Start-up" above) and returns its path, or ""
// (nothing set) when the user set a variable that steers hwloc's discovery
// or the export cannot be had. Call while the process has one thread
// (setenv).
std::string UseCachedTopology(const std::string& cache_root) {
  for (const char* var : {"HWLOC_XMLFILE", "HWLOC_SYNTHETIC", "HWLOC_FSROOT", "HWLOC_COMPONENTS",
                          "HWLOC_CPUID_PATH", "HWLOC_THISSYSTEM"}) {
    if (std::getenv(var) != nullptr) return "";
  }
  adaptrt::runtime_internal::TopologyCacheOptions o;
  o.directory = cache_root + "/topology";
  absl::StatusOr<std::string> xml = adaptrt::runtime_internal::CachedTopologyXml(o);
  if (!xml.ok()) return "";
  ::setenv("HWLOC_XMLFILE", xml->c_str(), 1);
  ::setenv("HWLOC_THISSYSTEM", "1", 1);
  return *xml;
}

int Analyze(const std::vector<std::string>& args) {
  if (args.size() > 1) return Fail("analyze: expected at most one DIR, got " +
                                   std::to_string(args.size()), 2);
  std::string dir = args.empty() ? "." : args[0];
  // Under `bazel run`, relative paths are relative to where bazel was run.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
      wd != nullptr && !dir.empty() && dir[0] != '/') {
    dir = dir == "." ? std::string(wd) : absl::StrCat(wd, "/", dir);
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return Fail(absl::StrCat("analyze: ", dir, ": ", std::strerror(errno)));
  }
  absl::StatusOr<RuntimeOptions> ro = OptionsFromFlags();
  if (!ro.ok()) return Fail(std::string(ro.status().message()), 2);
  ro->tuner_period = absl::Milliseconds(100);  // a run lasts seconds: sample often
  const bool use_cache = !absl::GetFlag(FLAGS_no_cache);
  // --no-cache writes nothing under the cache directory, the topology
  // export included (hwloc discovers, ~1.3 ms more).
  const std::string topology_xml =
      use_cache ? UseCachedTopology(ro->cache_directory.empty() ? adaptrt::DefaultCacheDirectory()
                                                                : ro->cache_directory)
                : "";
  absl::StatusOr<std::unique_ptr<Runtime>> rt = Runtime::Create(*ro);
  if (!rt.ok() && !topology_xml.empty()) {
    // A damaged export: discover as before, and let the next run rewrite it.
    ::unsetenv("HWLOC_XMLFILE");
    ::unsetenv("HWLOC_THISSYSTEM");
    std::error_code ec;
    std::filesystem::remove(topology_xml, ec);
    rt = Runtime::Create(*ro);
  }
  if (!rt.ok()) return Fail(std::string(rt.status().message()));

  const bool json = absl::GetFlag(FLAGS_json);
  std::atomic<std::int64_t> done{0};
  ProgressBar bar(&done, absl::GetFlag(FLAGS_progress) && isatty(STDERR_FILENO));
  adaptrt::AnalyzeOptions ao;
  ao.use_cache = use_cache;
  ao.progress = &done;
  ao.on_walked = [&](std::int64_t n) { bar.Start(n); };
  absl::StatusOr<AnalyzeResult> r = adaptrt::RunAnalysis(rt->get(), dir, ao);
  bar.Stop();
  if (!r.ok()) return Fail(absl::StrCat("analyze: ", r.status().message()));

  std::optional<AnalyzeResult> base;
  if (absl::GetFlag(FLAGS_baseline)) {
    absl::StatusOr<AnalyzeResult> b = adaptrt::RunAnalysis(nullptr, dir);
    if (!b.ok()) return Fail(absl::StrCat("analyze --baseline: ", b.status().message()));
    base = *std::move(b);
  }
  const std::vector<adaptrt::tuning::Decision> log = (*rt)->TuningLog();
  int worker_decisions = 0;
  for (const auto& d : log) worker_decisions += d.knob == "workers";

  const double secs = std::max(r->wall_seconds, 1e-9);
  const double fps = r->files / secs, bps = r->bytes / secs;
  const auto& c = r->cache;
  if (json) {
    std::string report = r->report.Json();  // {"languages":...,"total":...,"skipped":...}
    report.pop_back();                       // its closing brace
    std::string perf = absl::StrCat(
        "\"performance\":{\"wall_seconds\":", J(r->wall_seconds),
        ",\"walk_seconds\":", J(r->walk_seconds),
        ",\"cache_open_seconds\":", J(r->cache_open_seconds), ",\"files\":", r->files,
        ",\"bytes\":", r->bytes, ",\"files_per_second\":", J(fps),
        ",\"bytes_per_second\":", J(bps), ",\"workers\":", r->workers_end,
        ",\"workers_start\":", r->workers_start, ",\"tuner_decisions\":", log.size(),
        ",\"from_cache\":", r->from_cache, ",\"counted\":", r->counted,
        ",\"cache\":", r->cache_used ? "true" : "false",
        ",\"l3_enabled\":", c.l3_enabled ? "true" : "false",
        ",\"hit_rate\":{\"l1\":", J(adaptrt::TierHitRate(c.l1)),
        ",\"l2\":", J(adaptrt::TierHitRate(c.l2)), ",\"l3\":", J(adaptrt::TierHitRate(c.l3)),
        "},\"hits\":{\"l1\":", c.l1.hits, ",\"l2\":", c.l2.hits, ",\"l3\":", c.l3.hits, "}");
    if (base.has_value()) {
      absl::StrAppend(&perf, ",\"baseline_seconds\":", J(base->wall_seconds),
                      ",\"speedup\":", J(base->wall_seconds / secs));
    }
    perf += "}";
    std::printf("%s,\"profile\":%s,%s}\n", report.c_str(),
                adaptrt::analyze::JsonQuote((*rt)->selection().name).c_str(), perf.c_str());
  } else {
    std::fputs(r->report.Table().c_str(), stdout);
    std::printf("\nperformance (profile %s, target %s)\n", (*rt)->selection().name.c_str(),
                adaptrt::TuningTargetName((*rt)->target()));
    std::printf("  wall time      %.3f s (walk %.3f s, cache open %.3f s beside it)\n",
                r->wall_seconds, r->walk_seconds, r->cache_open_seconds);
    std::printf("  throughput     %.0f files/s, %.1f MB/s (%lld files, %.1f MB)\n", fps,
                bps / 1e6, static_cast<long long>(r->files), r->bytes / 1e6);
    std::printf("  workers        %d (started with %d; %d tuner decisions on workers)\n",
                r->workers_end, r->workers_start, worker_decisions);
    if (r->cache_used) {
      std::printf("  cache          %lld files from cache, %lld counted\n",
                  static_cast<long long>(r->from_cache), static_cast<long long>(r->counted));
      std::printf("  hit rate       L1 %.1f%% (%llu/%llu)  L2 %.1f%% (%llu/%llu)  ",
                  100 * adaptrt::TierHitRate(c.l1), (unsigned long long)c.l1.hits,
                  (unsigned long long)(c.l1.hits + c.l1.misses), 100 * adaptrt::TierHitRate(c.l2),
                  (unsigned long long)c.l2.hits, (unsigned long long)(c.l2.hits + c.l2.misses));
      if (c.l3_enabled) {
        std::printf("L3 %.1f%% (%llu/%llu)\n", 100 * adaptrt::TierHitRate(c.l3),
                    (unsigned long long)c.l3.hits, (unsigned long long)(c.l3.hits + c.l3.misses));
      } else {
        std::printf("L3 off\n");
      }
    } else {
      std::printf("  cache          off (--no-cache)\n");
    }
    if (base.has_value()) {
      std::printf("  baseline       %.3f s single-threaded, no cache: speedup %.2fx\n",
                  base->wall_seconds, base->wall_seconds / secs);
    }
  }
  if (!r->cache_note.empty()) std::fprintf(stderr, "adaptrt: note: %s\n", r->cache_note.c_str());
  for (const auto& e : r->walk.examples) {
    std::fprintf(stderr, "adaptrt: %s: %s%s%s\n", e.path.c_str(),
                 std::string(adaptrt::analyze::WalkProblemName(e.problem)).c_str(),
                 e.detail.empty() ? "" : ": ", e.detail.c_str());
  }
  absl::Status s = (*rt)->Shutdown();
  if (!s.ok()) return Fail(std::string(s.message()));
  return 0;
}

// ---- profile ----

std::string ConfigText(const Runtime& rt) {
  const auto& p = rt.profile();
  return absl::StrFormat(
      "  executor      %d workers (profile: %d), max %d\n"
      "  cache         L1 %d MB, L2 %d MB, L3 %d MB, policy %s, ttl %g h\n"
      "  tuning        %s, target %s, period %d ms, target hit rate %.2f\n"
      "  expected      speedup %g-%gx\n"
      "  cache dir     %s\n",
      rt.Stats().executor.worker_count, p.executor.workers,
      const_cast<Runtime&>(rt).executor().max_workers(), p.cache.l1_mb, p.cache.l2_mb,
      p.cache.l3_mb, p.cache.policy, p.cache.ttl_hours, p.tuning.enabled ? "on" : "off",
      adaptrt::TuningTargetName(rt.target()), p.tuning.period_ms, p.tuning.target_hit_rate,
      p.expected_speedup.min, p.expected_speedup.max, rt.cache_directory());
}

std::string ConfigJson(const Runtime& rt) {
  const auto& p = rt.profile();
  const auto& s = rt.system();
  return absl::StrCat(
      "\"system\":{\"packages\":", s.topology.packages,
      ",\"physical_cores\":", s.topology.physical_cores,
      ",\"hardware_threads\":", s.topology.hardware_threads,
      ",\"numa_nodes\":", s.topology.numa_nodes, ",\"effective_cpus\":", J(s.effective_cpus),
      ",\"memory_total_bytes\":", s.memory_total_bytes,
      ",\"memory_available_bytes\":", s.memory_available_bytes, ",\"disk\":",
      adaptrt::analyze::JsonQuote(std::string(adaptrt::tuning::DiskKindName(s.disk))), "},",
      "\"selected\":{\"name\":", adaptrt::analyze::JsonQuote(rt.selection().name),
      ",\"file\":", adaptrt::analyze::JsonQuote(rt.selection().source),
      ",\"why\":", adaptrt::analyze::JsonQuote(rt.selection().explanation), "},",
      "\"configuration\":{\"workers\":", rt.Stats().executor.worker_count,
      ",\"max_workers\":", const_cast<Runtime&>(rt).executor().max_workers(),
      ",\"l1_mb\":", p.cache.l1_mb, ",\"l2_mb\":", p.cache.l2_mb, ",\"l3_mb\":", p.cache.l3_mb,
      ",\"policy\":", adaptrt::analyze::JsonQuote(p.cache.policy),
      ",\"ttl_hours\":", J(p.cache.ttl_hours),
      ",\"auto_tune\":", p.tuning.enabled ? "true" : "false",
      ",\"target\":", adaptrt::analyze::JsonQuote(adaptrt::TuningTargetName(rt.target())),
      ",\"period_ms\":", p.tuning.period_ms,
      ",\"expected_speedup\":{\"min\":", J(p.expected_speedup.min),
      ",\"max\":", J(p.expected_speedup.max), "},\"cache_directory\":",
      adaptrt::analyze::JsonQuote(rt.cache_directory()), "}");
}

int Profile(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("profile: unexpected argument " + args[0], 2);
  absl::StatusOr<RuntimeOptions> ro = OptionsFromFlags();
  if (!ro.ok()) return Fail(std::string(ro.status().message()), 2);
  ro->expected_files = absl::GetFlag(FLAGS_files);
  ro->auto_tune = false;  // report only
  absl::StatusOr<std::unique_ptr<Runtime>> rt = Runtime::Create(*ro);
  if (!rt.ok()) return Fail(std::string(rt.status().message()));
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("{%s}\n", ConfigJson(**rt).c_str());
  } else {
    std::printf("system\n%s\n", (*rt)->system().ToString().c_str());
    std::printf("selected profile: %s (%s)\n  why: %s\n\nconfiguration\n%s",
                (*rt)->selection().name.c_str(), (*rt)->selection().source.c_str(),
                (*rt)->selection().explanation.c_str(), ConfigText(**rt).c_str());
  }
  return 0;
}

// ---- tune ----

struct ProbeResult {
  std::string name;
  std::vector<adaptrt::tuning::ThroughputSample> samples;
  std::optional<adaptrt::tuning::AmdahlFit> amdahl;
  std::optional<adaptrt::tuning::UslFit> usl;
  int best_workers = 1;
  double measured_speedup = 1;   // best measured throughput / at 1 worker
  double estimated_speedup = 1;  // the model's, at best_workers
  std::string model;
};

// Runs `task` on the executor at each worker count for `seconds`, measuring
// tasks/s (batches of tasks on a TaskGroup until the time is up).
template <typename Task>
ProbeResult Probe(const std::string& name, adaptrt::sched::Executor& e,
                  const std::vector<int>& counts, double seconds, const Task& task) {
  ProbeResult p;
  p.name = name;
  for (int n : counts) {
    if (!e.Resize(n).ok()) continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let workers settle
    std::int64_t tasks = 0;
    const absl::Time start = absl::Now();
    const absl::Time end = start + absl::Seconds(seconds);
    while (absl::Now() < end) {
      const int batch = 4 * n;
      adaptrt::sched::ParallelFor(e, 0, batch, 1, [&](int) { task(); });
      tasks += batch;
    }
    const double secs = absl::ToDoubleSeconds(absl::Now() - start);
    p.samples.push_back({static_cast<double>(n), tasks / secs});
  }
  if (auto a = adaptrt::tuning::FitAmdahl(p.samples); a.ok()) p.amdahl = *a;
  if (auto u = adaptrt::tuning::FitUsl(p.samples); u.ok()) p.usl = *u;
  double best = 0, one = p.samples.empty() ? 0 : p.samples[0].throughput;
  for (const auto& s : p.samples) {
    if (s.throughput > best) {
      best = s.throughput;
      p.best_workers = static_cast<int>(s.workers);
    }
  }
  p.measured_speedup = one > 0 ? best / one : 1;
  if (p.usl.has_value()) {
    p.best_workers = p.usl->BestWorkers(counts.back());
    p.estimated_speedup = p.usl->Speedup(p.best_workers);
    p.model = absl::StrFormat("USL sigma=%.4f kappa=%.5f r2=%.3f", p.usl->sigma, p.usl->kappa,
                              p.usl->r_squared);
  } else if (p.amdahl.has_value()) {
    p.estimated_speedup = p.amdahl->Speedup(p.best_workers);
    p.model = absl::StrFormat("Amdahl p=%.3f r2=%.3f", p.amdahl->parallel_fraction,
                              p.amdahl->r_squared);
  } else {
    p.model = "no fit (too few points)";
  }
  return p;
}

int Tune(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("tune: unexpected argument " + args[0], 2);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  if (!(seconds > 0 && seconds <= 60)) return Fail("--seconds: expected in (0, 60]", 2);
  absl::StatusOr<RuntimeOptions> ro = OptionsFromFlags();
  if (!ro.ok()) return Fail(std::string(ro.status().message()), 2);
  ro->auto_tune = false;  // the probes drive the worker count themselves
  absl::StatusOr<std::unique_ptr<Runtime>> rt = Runtime::Create(*ro);
  if (!rt.ok()) return Fail(std::string(rt.status().message()));
  adaptrt::sched::Executor& e = (*rt)->executor();
  const int cpus = std::max(1, static_cast<int>(std::ceil((*rt)->system().effective_cpus)));
  std::vector<int> counts;
  for (int n = 1; n <= std::min(e.max_workers(), std::max(4, 2 * cpus)); n *= 2) counts.push_back(n);
  if (counts.back() != std::max(4, 2 * cpus) && std::max(4, 2 * cpus) <= e.max_workers()) {
    counts.push_back(std::max(4, 2 * cpus));
  }

  // CPU-bound: an integer hash loop (~50 us).
  ProbeResult cpu = Probe("cpu-bound", e, counts, seconds, [] {
    volatile std::uint64_t sink = 0;
    std::uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; ++i) x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ull;
    sink = x;
    (void)sink;
  });
  // I/O-bound: a 4 KiB write + fdatasync to a temporary file in the cache
  // directory (real device latency; the page cache cannot absorb it).
  std::string io_dir = (*rt)->cache_directory();
  std::error_code ec;
  std::filesystem::create_directories(io_dir, ec);
  std::string io_path = io_dir + "/tune-probe.tmp";
  int fd = ::open(io_path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  std::optional<ProbeResult> io;
  if (fd >= 0) {
    std::atomic<std::uint64_t> slot{0};
    io = Probe("io-bound", e, counts, seconds, [&] {
      char buf[4096] = {1};
      const off_t off = static_cast<off_t>((slot.fetch_add(1, std::memory_order_relaxed) % 256) * 4096);
      if (::pwrite(fd, buf, sizeof buf, off) == sizeof buf) (void)::fdatasync(fd);
    });
    ::close(fd);
    ::unlink(io_path.c_str());
  }
  // Cache probe: Zipf(0.99) over 100k keys against a 10k-entry-sized L1.
  double cache_hit = 0, cache_ops = 0;
  {
    adaptrt::NamedCacheOptions co;
    co.l1_bytes = 1 << 20;
    co.l2_bytes = 2 << 20;
    auto c = (*rt)->GetOrCreateCache<std::uint64_t, std::uint64_t>("tune_probe", co);
    if (c.ok()) {
      absl::BitGen gen;
      absl::zipf_distribution<std::uint64_t> zipf(100000, 1.2);
      std::uint64_t ops = 0;
      const absl::Time end = absl::Now() + absl::Seconds(seconds);
      while (absl::Now() < end) {
        for (int i = 0; i < 1024; ++i) {
          const std::uint64_t k = zipf(gen);
          if ((*c)->Get(k) == nullptr) (void)(*c)->Put(k, k);
        }
        ops += 1024;
      }
      const auto s = (*c)->Stats();
      std::uint64_t h, m;
      adaptrt::runtime_internal::HitsAndMisses(s, &h, &m);
      cache_hit = h + m > 0 ? static_cast<double>(h) / (h + m) : 0;
      cache_ops = ops / seconds;
    }
  }
  const int recommended = cpu.best_workers;
  (void)e.Resize(recommended);

  // Persist.
  std::string history_path = absl::GetFlag(FLAGS_history);
  if (history_path.empty()) history_path = adaptrt::tuning::History::DefaultPath();
  std::string warning;
  adaptrt::tuning::History history = adaptrt::tuning::History::Load(history_path, &warning);
  const std::int64_t now = absl::ToUnixSeconds(absl::Now());
  for (const ProbeResult* p : {&cpu, io ? &*io : nullptr}) {
    if (p == nullptr) continue;
    adaptrt::tuning::HistoryRecord rec;
    rec.signature = "tune/" + p->name;
    rec.workers = p->best_workers;
    rec.score = 0;
    for (const auto& s : p->samples) rec.score = std::max(rec.score, s.throughput);
    rec.unix_seconds = now;
    history.Record(rec);
  }
  absl::Status saved = history.Save(history_path);

  auto probe_json = [&](const ProbeResult& p) {
    std::vector<std::string> pts;
    for (const auto& s : p.samples) {
      pts.push_back(absl::StrCat("{\"workers\":", s.workers, ",\"tasks_per_second\":",
                                 J(s.throughput), "}"));
    }
    return absl::StrCat("{\"points\":[", absl::StrJoin(pts, ","), "],\"best_workers\":",
                        p.best_workers, ",\"estimated_speedup\":", J(p.estimated_speedup),
                        ",\"measured_speedup\":", J(p.measured_speedup), ",\"model\":",
                        adaptrt::analyze::JsonQuote(p.model), "}");
  };
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("{%s,\"cpu_probe\":%s,\"io_probe\":%s,\"cache_probe\":{\"hit_rate\":%s,"
                "\"ops_per_second\":%s},\"recommended_workers\":%d,\"history\":%s,"
                "\"history_saved\":%s}\n",
                ConfigJson(**rt).c_str(), probe_json(cpu).c_str(),
                io ? probe_json(*io).c_str() : "null", J(cache_hit).c_str(),
                J(cache_ops).c_str(), recommended,
                adaptrt::analyze::JsonQuote(history_path).c_str(), saved.ok() ? "true" : "false");
  } else {
    std::printf("selected profile: %s\n  why: %s\n\nconfiguration\n%s\n",
                (*rt)->selection().name.c_str(), (*rt)->selection().explanation.c_str(),
                ConfigText(**rt).c_str());
    for (const ProbeResult* p : {&cpu, io ? &*io : nullptr}) {
      if (p == nullptr) continue;
      std::printf("%s probe (%.2f s per point)\n", p->name.c_str(), seconds);
      for (const auto& s : p->samples) {
        std::printf("  %3.0f workers  %10.0f tasks/s\n", s.workers, s.throughput);
      }
      std::printf("  model: %s\n  best %d workers: estimated speedup %.2fx, measured %.2fx\n\n",
                  p->model.c_str(), p->best_workers, p->estimated_speedup, p->measured_speedup);
    }
    std::printf("cache probe (Zipf q=1.2, 100k keys, 1 MB L1 + 2 MB L2): hit rate %.1f%%, "
                "%.0f ops/s\n\n", 100 * cache_hit, cache_ops);
    std::printf("recommendation: %d workers for CPU-bound work", recommended);
    if (io) std::printf(", %d for I/O-bound work", io->best_workers);
    std::printf("\nrecorded in %s%s\n", history_path.c_str(),
                saved.ok() ? "" : absl::StrCat(" FAILED: ", saved.message()).c_str());
  }
  if (!warning.empty()) std::fprintf(stderr, "adaptrt: history: %s\n", warning.c_str());
  return saved.ok() ? 0 : 1;
}

// ---- bench ----

int Bench(const std::vector<std::string>& args) {
  std::string suite = absl::GetFlag(FLAGS_suite);
  std::vector<std::string> tried;
  if (suite.empty()) {
    std::vector<std::string> candidates;
    if (const char* wd = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
      candidates.push_back(absl::StrCat(wd, "/bazel-bin/benchmarks/suite"));
    }
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      // bazel-bin/runtime/adaptrt -> bazel-bin/benchmarks/suite
      candidates.push_back((exe.parent_path().parent_path() / "benchmarks/suite").string());
    }
    candidates.push_back("bazel-bin/benchmarks/suite");
    for (const auto& c : candidates) {
      tried.push_back(c);
      if (::access(c.c_str(), X_OK) == 0) {
        suite = c;
        break;
      }
    }
  }
  if (suite.empty() || ::access(suite.c_str(), X_OK) != 0) {
    std::fprintf(stderr,
                 "adaptrt bench: the benchmark suite is not built (looked for %s).\n"
                 "Run it with:\n  bazel run -c opt //benchmarks:suite -- %s\n",
                 suite.empty() ? absl::StrJoin(tried, ", ").c_str() : suite.c_str(),
                 absl::StrJoin(args, " ").c_str());
    return 1;
  }
  std::vector<char*> argv;
  argv.push_back(suite.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(suite.c_str(), argv.data());
  return Fail(absl::StrCat("bench: exec ", suite, ": ", std::strerror(errno)));
}

int Main(int argc, char** argv) {
  // See "Start-up" above; overwrite = 0 keeps the user's choice.
  ::setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_pci,hwloc_opencl,hwloc_gl,hwloc_xml_libxml", 0);
  absl::SetProgramUsageMessage("adaptrt <analyze|profile|tune|bench> [flags]; "
                               "adaptrt <command> --help");
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    PrintTopUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  const Command* cmd = nullptr;
  for (const Command& c : Commands()) {
    if (name == c.name) cmd = &c;
  }
  if (cmd == nullptr) {
    std::fprintf(stderr, "adaptrt: unknown command \"%s\"\n", name.c_str());
    PrintTopUsage(stderr);
    return 2;
  }
  // Check flags against the command's list; pass the rest to absl.
  std::vector<std::string> kept = {argv[0]};
  std::vector<std::string> passthrough;  // after "--" (bench)
  bool after_dashes = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (after_dashes) {
      passthrough.push_back(a);
      continue;
    }
    if (a == "--") {
      after_dashes = true;
      continue;
    }
    if (a == "--help" || a == "-h" || a == "--helpfull") {
      PrintCommandHelp(*cmd);
      return 0;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::string flag = a.substr(a.find_first_not_of('-'));
      flag = flag.substr(0, flag.find('='));
      if (flag == "no-cache") {
        a = "--no_cache";
        flag = "no_cache";
      }
      std::string base = flag;
      if (absl::StartsWith(flag, "no") &&
          std::find(cmd->flags.begin(), cmd->flags.end(), flag) == cmd->flags.end()) {
        base = flag.substr(2);  // absl's --nofoo for bools
      }
      if (std::find(cmd->flags.begin(), cmd->flags.end(), base) == cmd->flags.end()) {
        std::fprintf(stderr, "adaptrt %s: unknown flag %s (try adaptrt %s --help)\n",
                     cmd->name, argv[i], cmd->name);
        return 2;
      }
    }
    kept.push_back(a);
  }
  std::vector<char*> kargv;
  for (auto& k : kept) kargv.push_back(k.data());
  std::vector<char*> positional = absl::ParseCommandLine(static_cast<int>(kargv.size()),
                                                         kargv.data());
  std::vector<std::string> args;
  for (size_t i = 1; i < positional.size(); ++i) args.emplace_back(positional[i]);
  if (name == "analyze") return Analyze(args);
  if (name == "profile") return Profile(args);
  if (name == "tune") return Tune(args);
  args.insert(args.end(), passthrough.begin(), passthrough.end());
  return Bench(args);
}

}  // namespace

int main(int argc, char** argv) {
  const int code = Main(argc, argv);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return code;  // the sanitizers' exit-time checks (LeakSanitizer) run
#else
  // See "Exit" above: everything with an effect outside the process (the L3
  // store, files) was closed when Main's objects died; stdio is flushed here.
  std::fflush(nullptr);
  std::_Exit(code);
#endif
}
