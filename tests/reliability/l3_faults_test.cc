// Fault injection into the L3 tier of TieredCache: disk full (a RocksDB
// FileSystem that fails writes after a byte budget, cutting the last write),
// an unwritable directory, and corrupted files (SST, MANIFEST, CURRENT, WAL,
// records). After each fault: the cache keeps serving from its memory tiers,
// the error is reported once with its cause, no value read back is ever
// wrong (values encode key + version; every read is checked against the
// latest version written), and a restart finds L3 intact or discarded.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cache/internal/persistent_store.h"
#include "cache/tiered_cache.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "tests/reliability/fault_fs.h"
#include "tests/reliability/reliability_util.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::testing {
namespace {

namespace fs = std::filesystem;
using Cache = cache::TieredCache<std::string, std::string>;

std::string Key(int i) { return absl::StrCat("key", i); }

// Small memory tiers, so most keys are only in L3 and reads reach it.
Cache::Options SmallOptions(const std::string& dir, rocksdb::Env* env) {
  Cache::Options o;
  o.l1_capacity = 8 << 10;
  o.l2_capacity = 8 << 10;
  o.shard_bits = 0;
  o.l3_directory = dir;
  o.l3_capacity = std::uint64_t{64} << 20;
  o.l3_env = env;
  return o;
}

// The reference: latest version written per key (0: none / erased).
class Reference {
 public:
  // Checks a value read back for `key`: null, or exactly the latest version.
  // Returns false (with a gtest failure) on a wrong value.
  bool Check(const std::string& key, const Cache::ValuePtr& got) {
    ++reads_;
    if (got == nullptr) return true;
    ++served_;
    const std::optional<std::uint64_t> v = ParseVersioned(key, *got);
    const std::uint64_t want = latest_[key];
    if (!v.has_value() || *v != want) {
      ADD_FAILURE() << "wrong value for " << key << ": got \"" << got->substr(0, 40)
                    << "\", latest version " << want;
      return false;
    }
    return true;
  }
  void Wrote(const std::string& key, std::uint64_t version) { latest_[key] = version; }
  std::uint64_t reads() const { return reads_; }
  std::uint64_t served() const { return served_; }

 private:
  absl::flat_hash_map<std::string, std::uint64_t> latest_;
  std::uint64_t reads_ = 0, served_ = 0;
};

// ---------------------------------------------------------------------------
// Disk full.

struct DiskFullCase {
  std::uint64_t budget;  // bytes RocksDB may still write after Create
  std::size_t value_bytes;
};

class L3DiskFullTest : public ::testing::TestWithParam<DiskFullCase> {};

TEST_P(L3DiskFullTest, ServesFromMemoryReportsOnceNeverStaleDiscardsOnRestart) {
  const DiskFullCase param = GetParam();
  ScopedTempDir dir("l3_full");
  const std::string db = dir.Sub("l3");
  auto fault_fs = std::make_shared<FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env = FaultFileSystem::MakeEnv(fault_fs);
  Reference ref;
  constexpr int kKeys = 300;
  constexpr int kOps = 4000;
  std::uint64_t version = 0;
  {
    Cache::Options o = SmallOptions(db, env.get());
    o.l3_required = true;
    auto c = Cache::Create(o);
    ASSERT_TRUE(c.ok()) << c.status();
    Cache& cache = **c;
    fault_fs->SetWriteBudget(param.budget);
    std::mt19937_64 rng(param.budget);
    for (int op = 0; op < kOps; ++op) {
      const std::string key = Key(static_cast<int>(rng() % kKeys));
      if (rng() % 3 != 0) {
        ++version;
        // The host never sees the L3 failure: the write lands in memory.
        ASSERT_TRUE(cache.Put(key, VersionedValue(key, version, param.value_bytes)).ok());
        ref.Wrote(key, version);
      } else {
        ASSERT_TRUE(ref.Check(key, cache.Get(key)));
      }
      if (op == kOps * 3 / 4) fault_fs->Heal();  // A healed disk does not revive L3.
    }
    ASSERT_GT(fault_fs->faults_injected(), 0u) << "the budget was never reached";
    const cache::TieredStats st = cache.Stats();
    EXPECT_FALSE(st.l3_enabled);
    EXPECT_EQ(st.l3.errors, 1u) << "reported once";
    EXPECT_EQ(st.l3_status.code(), absl::StatusCode::kUnavailable) << st.l3_status;
    EXPECT_TRUE(absl::StrContains(st.l3_status.message(), "injected: disk full"))
        << st.l3_status;
    EXPECT_TRUE(absl::StrContains(st.l3_status.message(), db)) << st.l3_status;
    for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(ref.Check(Key(i), cache.Get(Key(i))));
    EXPECT_TRUE(fs::exists(fs::path(db) / cache_internal::PersistentStore::kDiscardMarker));
  }
  // Restart on a healthy disk: the stale database is discarded, not read.
  auto c = Cache::Create(SmallOptions(db, nullptr));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)->l3_enabled());
  EXPECT_FALSE(fs::exists(fs::path(db) / cache_internal::PersistentStore::kDiscardMarker));
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = Key(i);
    EXPECT_EQ((*c)->Get(key), nullptr) << key;
  }
  const cache::TieredStats restarted = (*c)->Stats();
  EXPECT_EQ(restarted.l3.errors, 1u);
  EXPECT_EQ(restarted.l3_status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(restarted.l3_status.message(), "discarded")) << restarted.l3_status;
  ASSERT_TRUE((*c)->Put("after", VersionedValue("after", 1, 64)).ok());
  EXPECT_EQ((*c)->Stats().l3.errors, 1u);
  std::printf("disk full at %llu bytes (%zu-byte values): %llu faults injected, %llu reads "
              "checked, %llu served\n",
              static_cast<unsigned long long>(param.budget), param.value_bytes,
              static_cast<unsigned long long>(fault_fs->faults_injected()),
              static_cast<unsigned long long>(ref.reads()),
              static_cast<unsigned long long>(ref.served()));
}

INSTANTIATE_TEST_SUITE_P(Budgets, L3DiskFullTest,
                         ::testing::Values(DiskFullCase{0, 100}, DiskFullCase{4 << 10, 100},
                                           DiskFullCase{64 << 10, 100},
                                           DiskFullCase{1 << 20, 1000}));

// With every write failing, Put("a", "2") over a stored "a" = "1" fails
// Unavailable; after healing, the store is out of service and serves no
// "a" (its stale "1" stays on disk).
void ExpectFailedPutTakesItOutOfService(cache_internal::PersistentStore& store,
                                        FaultFileSystem& fault_fs) {
  fault_fs.FailWritesNow();
  const absl::Status failed = store.Put("a", "2");
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  fault_fs.Heal();
  EXPECT_TRUE(store.out_of_service());
  auto got = store.Get("a");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value()) << "the stale \"1\" must not be served";
}

// A store that failed is out of service even for Erase, and its own Stats
// say so; PersistentStore-level check of the same contract.
TEST(L3FaultTest, StoreOutOfServiceAfterFailedWrite) {
  ScopedTempDir dir("l3_oos");
  auto fault_fs = std::make_shared<FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env = FaultFileSystem::MakeEnv(fault_fs);
  cache_internal::PersistentStoreOptions so;
  so.directory = dir.Sub("l3");
  so.env = env.get();
  auto store = cache_internal::PersistentStore::Open(so);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("a", "1").ok());
  ExpectFailedPutTakesItOutOfService(**store, *fault_fs);
  const absl::Status later = (*store)->Put("b", "3");
  EXPECT_EQ(later.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(later.message(), "injected: disk full")) << later;
  EXPECT_EQ((*store)->Erase("a").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*store)->Stats().out_of_service);
  EXPECT_EQ((*store)->Stats().io_errors, 1u);
  store->reset();
  so.env = nullptr;
  auto reopened = cache_internal::PersistentStore::Open(so);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_TRUE((*reopened)->Stats().discarded_at_open);
  EXPECT_EQ((*reopened)->Stats().entries, 0u);
}

// The first write after Open builds the store's index with one more scan,
// which also removes the records found expired since Open. When that
// removal cannot be written, the write the caller asked for was not made
// either: the store must go out of service, not keep serving the key's
// older value.
TEST(L3FaultTest, AFailedIndexBuildAtTheFirstWriteTakesTheStoreOutOfService) {
  ScopedTempDir dir("l3_lazy_index");
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  cache_internal::PersistentStoreOptions so;
  so.directory = dir.Sub("l3");
  so.clock = [&now] { return now; };
  {
    auto store = cache_internal::PersistentStore::Open(so);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Put("a", "1").ok());
    ASSERT_TRUE((*store)->Put("short-lived", "x", now + absl::Hours(1)).ok());
  }
  auto fault_fs = std::make_shared<FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env = FaultFileSystem::MakeEnv(fault_fs);
  so.env = env.get();
  auto store = cache_internal::PersistentStore::Open(so);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Stats().entries, 2u);
  now += absl::Hours(2);  // "short-lived" expires: the index scan removes it
  ExpectFailedPutTakesItOutOfService(**store, *fault_fs);
  EXPECT_EQ((*store)->Erase("a").code(), absl::StatusCode::kFailedPrecondition);
}

// ---------------------------------------------------------------------------
// Unwritable directory.

void ExpectRunsWithoutL3(Cache& cache, absl::string_view cause) {
  const cache::TieredStats st = cache.Stats();
  EXPECT_FALSE(st.l3_enabled);
  EXPECT_EQ(st.l3.errors, 1u);
  EXPECT_FALSE(st.l3_status.ok());
  EXPECT_TRUE(absl::StrContains(st.l3_status.message(), cause)) << st.l3_status;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(cache.Put(Key(i), VersionedValue(Key(i), 1, 50)).ok());
  }
  auto v = cache.Get(Key(49));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(ParseVersioned(Key(49), *v), 1u);
  EXPECT_EQ(cache.Stats().l3.errors, 1u) << "reported once, not per operation";
}

TEST(L3FaultTest, DirectoryUnderARegularFile) {
  ScopedTempDir dir("l3_file");
  const std::string file = dir.Sub("file");
  std::ofstream(file) << "x";
  auto c = Cache::Create(SmallOptions(file + "/l3", nullptr));
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectRunsWithoutL3(**c, "cannot create directory");
  Cache::Options o = SmallOptions(file + "/l3", nullptr);
  o.l3_required = true;
  EXPECT_EQ(Cache::Create(o).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(L3FaultTest, FileCreationDenied) {
  ScopedTempDir dir("l3_denied");
  auto fault_fs = std::make_shared<FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env = FaultFileSystem::MakeEnv(fault_fs);
  fault_fs->FailCreates(true);
  auto c = Cache::Create(SmallOptions(dir.Sub("l3"), env.get()));
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectRunsWithoutL3(**c, "Permission denied");
  EXPECT_GT(fault_fs->faults_injected(), 0u);
}

TEST(L3FaultTest, ChmodReadOnlyDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores permissions (FileCreationDenied covers it)";
  ScopedTempDir dir("l3_ro");
  const fs::path ro = dir.path() / "ro";
  fs::create_directories(ro);
  ::chmod(ro.c_str(), 0500);
  auto c = Cache::Create(SmallOptions((ro / "l3").string(), nullptr));
  ::chmod(ro.c_str(), 0700);
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectRunsWithoutL3(**c, "Permission denied");
}

// ---------------------------------------------------------------------------
// Corrupt files. One populated database is copied for each corruption.

constexpr int kPopulated = 1500;
constexpr int kUnflushed = 300;  // written after the flush: only in the WAL

std::vector<fs::path> FilesMatching(const fs::path& db, absl::string_view part) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(db)) {
    if (absl::StrContains(e.path().filename().string(), part)) out.push_back(e.path());
  }
  return out;
}

// Keys [0, kPopulated) at version 1 (the even ones overwritten at version 2)
// in SST files, then keys [kPopulated, kPopulated + kUnflushed) only in the
// WAL; `pristine` receives a copy of `db` taken while the last writer is
// still open (closing it would flush the WAL's records to a table).
void Populate(const std::string& db, const std::string& pristine, Reference* ref) {
  {
    auto c = Cache::Create(SmallOptions(db, nullptr));
    ASSERT_TRUE(c.ok()) << c.status();
    for (int i = 0; i < kPopulated; ++i) {
      ASSERT_TRUE((*c)->Put(Key(i), VersionedValue(Key(i), 1, 120)).ok());
      ref->Wrote(Key(i), 1);
    }
    for (int i = 0; i < kPopulated; i += 2) {
      ASSERT_TRUE((*c)->Put(Key(i), VersionedValue(Key(i), 2, 120)).ok());
      ref->Wrote(Key(i), 2);
    }
  }
  {
    cache_internal::PersistentStoreOptions so;
    so.directory = db;
    auto store = cache_internal::PersistentStore::Open(so);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Flush().ok());
  }
  auto c = Cache::Create(SmallOptions(db, nullptr));
  ASSERT_TRUE(c.ok()) << c.status();
  for (int i = kPopulated; i < kPopulated + kUnflushed; ++i) {
    ASSERT_TRUE((*c)->Put(Key(i), VersionedValue(Key(i), 1, 120)).ok());
    ref->Wrote(Key(i), 1);
  }
  fs::copy(db, pristine, fs::copy_options::recursive);
  std::uintmax_t wal_bytes = 0;
  for (const fs::path& f : FilesMatching(pristine, ".log")) wal_bytes += fs::file_size(f);
  ASSERT_GT(wal_bytes, 0u) << "the copy must hold the unflushed records in its WAL";
}


void Truncate(const fs::path& f, double keep) {
  fs::resize_file(f, static_cast<std::uintmax_t>(static_cast<double>(fs::file_size(f)) * keep));
}

void Garble(const fs::path& f, double where, int bytes) {
  std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = static_cast<std::streamoff>(fs::file_size(f));
  const auto at = static_cast<std::streamoff>(static_cast<double>(size) * where);
  for (int i = 0; i < bytes && at + i < size; ++i) {
    io.seekg(at + i);
    const int c = io.get();
    io.seekp(at + i);
    io.put(static_cast<char>(c ^ 0x5a));
  }
}

// Rewrites every 7th record with one payload bit flipped, and copies every
// 11th key's record under the next key, bypassing the cache (what a buggy
// tool or a bad disk sector could leave).
void GarbleRecords(const std::string& db) {
  rocksdb::Options o;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, db, &raw).ok());
  std::unique_ptr<rocksdb::DB> d(raw);
  for (int i = 0; i < kPopulated; i += 7) {
    std::string v;
    ASSERT_TRUE(d->Get(rocksdb::ReadOptions(), Key(i), &v).ok());
    v[v.size() / 2] = static_cast<char>(v[v.size() / 2] ^ 1);
    ASSERT_TRUE(d->Put(rocksdb::WriteOptions(), Key(i), v).ok());
  }
  for (int i = 3; i + 1 < kPopulated; i += 11) {
    std::string v;
    ASSERT_TRUE(d->Get(rocksdb::ReadOptions(), Key(i), &v).ok());
    ASSERT_TRUE(d->Put(rocksdb::WriteOptions(), Key(i + 1), v).ok());
  }
  ASSERT_TRUE(d->Close().ok());
}

struct Corruption {
  const char* name;
  void (*apply)(const std::string& db);
};

const Corruption kCorruptions[] = {
    {"sst_truncated_to_half",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, ".sst")) Truncate(f, 0.5);
     }},
    {"sst_garbled_middle",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, ".sst")) Garble(f, 0.4, 64);
     }},
    {"sst_emptied",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, ".sst")) Truncate(f, 0);
     }},
    {"sst_deleted",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, ".sst")) fs::remove(f);
     }},
    {"manifest_truncated",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, "MANIFEST-")) Truncate(f, 0.5);
     }},
    {"manifest_garbled",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, "MANIFEST-")) Garble(f, 0.3, 32);
     }},
    {"current_points_nowhere",
     [](const std::string& db) { std::ofstream(fs::path(db) / "CURRENT") << "MANIFEST-999999\n"; }},
    {"current_garbage",
     [](const std::string& db) { std::ofstream(fs::path(db) / "CURRENT") << "\x01\x02garbage"; }},
    {"current_deleted", [](const std::string& db) { fs::remove(fs::path(db) / "CURRENT"); }},
    {"wal_truncated",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, ".log")) Truncate(f, 0.6);
     }},
    {"wal_garbled",
     [](const std::string& db) {
       for (const auto& f : FilesMatching(db, ".log")) Garble(f, 0.5, 16);
     }},
    {"records_garbled", [](const std::string& db) { GarbleRecords(db); }},
};

TEST(L3FaultTest, CorruptFilesNeverCrashNeverServeAWrongValue) {
  ScopedTempDir dir("l3_corrupt");
  const std::string pristine = dir.Sub("pristine");
  Reference ref;
  ASSERT_NO_FATAL_FAILURE(Populate(dir.Sub("populate"), pristine, &ref));
  const int total = kPopulated + kUnflushed;
  for (const Corruption& corruption : kCorruptions) {
    SCOPED_TRACE(corruption.name);
    const std::string db = dir.Sub(corruption.name);
    fs::copy(pristine, db, fs::copy_options::recursive);
    ASSERT_NO_FATAL_FAILURE(corruption.apply(db));
    // Two restarts: what the first did with the damage must hold for the next.
    std::string outcome[2];
    for (int restart = 0; restart < 2; ++restart) {
      auto c = Cache::Create(SmallOptions(db, nullptr));
      ASSERT_TRUE(c.ok()) << c.status();
      Cache& cache = **c;
      const cache::TieredStats st = cache.Stats();
      int served = 0;
      if (st.l3_enabled) {
        for (int i = 0; i < total; ++i) {
          const Cache::ValuePtr v = cache.Get(Key(i));
          ASSERT_TRUE(ref.Check(Key(i), v));
          served += v != nullptr;
        }
        outcome[restart] = absl::StrCat("L3 open, ", served, "/", total, " values served (all correct); ",
                               cache.Stats().l3.errors, " error(s) reported: ",
                               cache.Stats().l3_status.ToString().substr(0, 90));
      } else {
        EXPECT_FALSE(st.l3_status.ok());
        EXPECT_EQ(st.l3.errors, 1u);
        EXPECT_TRUE(absl::StrContains(st.l3_status.message(), db)) << st.l3_status;
        ExpectRunsWithoutL3(cache, "");
        outcome[restart] = absl::StrCat("L3 disabled: ", st.l3_status.ToString().substr(0, 110));
      }
    }
    std::printf("%-24s 1st open: %s\n%-24s 2nd open: %s\n", corruption.name, outcome[0].c_str(),
                "", outcome[1].c_str());
  }
}

}  // namespace
}  // namespace adaptrt::testing
