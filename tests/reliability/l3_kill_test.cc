// SIGKILL in the middle of L3 writes. A child process (this binary run again
// with --l3_writer) writes versioned values through a TieredCache with an L3
// as fast as it can, from two threads with disjoint keys, publishing per key
// the version it is about to write ("attempted") and the last one whose Put
// returned ("acked") in a shared memory map. The test kills it with SIGKILL
// at a random moment (including during its start-up), then reopens the L3
// and checks every key: the value read back must be the acked version or the
// one in flight (never older than acked, never another key's or a torn
// value), and absent only if the key was never acked. Several rounds, each
// continuing on the database the previous killed writer left.

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cache/tiered_cache.h"
#include "gtest/gtest.h"
#include "tests/reliability/reliability_util.h"
#include "tests/util/sanitizer.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::testing {
namespace {

using Cache = cache::TieredCache<std::string, std::string>;

constexpr int kKeys = 800;
constexpr int kWriterThreads = 2;
constexpr std::size_t kValueBytes = 150;
constexpr std::size_t kProgressWords = 2 * kKeys + 1;

std::string Key(int i) { return absl::StrCat("key", i); }

Cache::Options WriterOptions(const std::string& dir) {
  Cache::Options o;
  o.l1_capacity = 16 << 10;
  o.l2_capacity = 16 << 10;
  o.shard_bits = 0;
  o.l3_directory = dir;
  o.l3_capacity = std::uint64_t{64} << 20;  // no L3 eviction: every acked value stays
  o.l3_required = true;
  return o;
}

// The shared map: attempted[kKeys], acked[kKeys], then the count of acked Puts.
struct Progress {
  std::uint64_t* attempted;
  std::uint64_t* acked;
  std::uint64_t* total_acked;
};

Progress MapProgress(const std::string& file, bool create) {
  const int fd = ::open(file.c_str(), O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0600);
  if (fd < 0) std::abort();
  const std::size_t bytes = kProgressWords * sizeof(std::uint64_t);
  if (create && ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) std::abort();
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) std::abort();
  auto* words = static_cast<std::uint64_t*>(p);
  return Progress{words, words + kKeys, words + 2 * kKeys};
}

// Child: writes until killed. Versions start above `base`.
[[noreturn]] void WriterMain(const std::string& dir, const std::string& progress_file,
                             std::uint64_t base) {
  Progress progress = MapProgress(progress_file, /*create=*/false);
  auto c = Cache::Create(WriterOptions(dir));
  if (!c.ok()) {
    std::fprintf(stderr, "writer: %s\n", c.status().ToString().c_str());
    std::_Exit(3);
  }
  Cache& cache = **c;
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([&cache, progress, base, t] {
      std::mt19937_64 rng(base + static_cast<std::uint64_t>(t));
      std::uint64_t version = base;
      while (true) {
        const int k = static_cast<int>(rng() % (kKeys / kWriterThreads)) * kWriterThreads + t;
        ++version;
        __atomic_store_n(&progress.attempted[k], version, __ATOMIC_SEQ_CST);
        if (!cache.Put(Key(k), VersionedValue(Key(k), version, kValueBytes)).ok()) std::_Exit(4);
        __atomic_store_n(&progress.acked[k], version, __ATOMIC_SEQ_CST);
        __atomic_fetch_add(progress.total_acked, 1, __ATOMIC_SEQ_CST);
        if (rng() % 4 == 0) (void)cache.Get(Key(static_cast<int>(rng() % kKeys)));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::_Exit(0);
}

TEST(L3KillTest, ReopenAfterSigkillFindsEveryAckedValue) {
  constexpr int kRounds = adaptrt::testing::SanitizerScaled(12, 6);
  ScopedTempDir dir("l3_kill");
  const std::string db = dir.Sub("l3");
  const std::string progress_file = dir.Sub("progress");
  std::vector<std::uint64_t> floor(kKeys, 0);  // value verified after the last round
  std::mt19937 rng(20261127);
  std::uint64_t checked = 0, in_flight_seen = 0, writes_acked = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    Progress progress = MapProgress(progress_file, /*create=*/true);
    const std::uint64_t base = static_cast<std::uint64_t>(round + 1) << 32;
    const pid_t pid = SpawnSelf({"--l3_writer", db, progress_file, std::to_string(base)});
    ASSERT_GT(pid, 0);
    // Every 4th kill lands in the child's start-up (exec, RocksDB open and
    // recovery); the others once it is writing (start-up may take long on a
    // loaded machine), after a random number of writes.
    if (round % 4 == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
    } else {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (__atomic_load_n(progress.total_acked, __ATOMIC_SEQ_CST) == 0 &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const int status = WaitFor(pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer exited on its own with status " << status;
    writes_acked += __atomic_load_n(progress.total_acked, __ATOMIC_SEQ_CST);

    auto c = Cache::Create(WriterOptions(db));
    ASSERT_TRUE(c.ok()) << "a killed writer left an L3 that does not open: " << c.status();
    EXPECT_TRUE((*c)->Stats().l3_status.ok()) << (*c)->Stats().l3_status;
    for (int k = 0; k < kKeys; ++k) {
      const std::uint64_t acked = __atomic_load_n(&progress.acked[k], __ATOMIC_SEQ_CST);
      const std::uint64_t attempted = __atomic_load_n(&progress.attempted[k], __ATOMIC_SEQ_CST);
      const std::uint64_t lower = acked > 0 ? acked : floor[k];
      const std::uint64_t upper = attempted > 0 ? attempted : floor[k];
      const Cache::ValuePtr v = (*c)->Get(Key(k));
      ++checked;
      if (v == nullptr) {
        ASSERT_EQ(lower, 0u) << Key(k) << ": acked version " << lower << " lost";
        continue;
      }
      const std::optional<std::uint64_t> got = ParseVersioned(Key(k), *v);
      ASSERT_TRUE(got.has_value()) << Key(k) << ": malformed value \"" << v->substr(0, 40) << "\"";
      ASSERT_TRUE(*got == lower || *got == upper)
          << Key(k) << ": version " << *got << ", expected acked " << lower << " or in-flight "
          << upper;
      in_flight_seen += (*got != lower);
      floor[k] = *got;
    }
    ::munmap(progress.attempted, kProgressWords * sizeof(std::uint64_t));
  }
  EXPECT_GT(writes_acked, 0u) << "no kill landed while the writers were writing";
  std::printf("%d SIGKILL rounds, %llu Puts acked by the killed writers, %llu keys checked "
              "after reopen, %llu in-flight writes found applied\n",
              kRounds, static_cast<unsigned long long>(writes_acked),
              static_cast<unsigned long long>(checked),
              static_cast<unsigned long long>(in_flight_seen));
}

}  // namespace
}  // namespace adaptrt::testing

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--l3_writer") == 0) {
    adaptrt::testing::WriterMain(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
