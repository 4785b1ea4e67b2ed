#include "cache/internal/persistent_store.h"

#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "cache/internal/l3_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/cache/internal/persistent_store_fixture.h"

namespace adaptrt::cache_internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

using PersistentStoreTest = PersistentStoreFixture;

TEST_F(PersistentStoreTest, RoundTrip) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(*store->Get("a"), std::nullopt);
  ASSERT_TRUE(store->Put("a", "alpha").ok());
  ASSERT_TRUE(store->Put("b", std::string(1000, 'b')).ok());
  EXPECT_THAT(*store->Get("a"), Optional(std::string("alpha")));
  EXPECT_THAT(*store->Get("b"), Optional(std::string(1000, 'b')));
  ASSERT_TRUE(store->Put("a", "again").ok());
  EXPECT_THAT(*store->Get("a"), Optional(std::string("again")));
  ASSERT_TRUE(store->Erase("a").ok());
  EXPECT_THAT(*store->Get("a"), std::nullopt);
  ASSERT_TRUE(store->Erase("never-there").ok());

  const PersistentStoreStats st = store->Stats();
  EXPECT_EQ(st.entries, 1u);
  EXPECT_EQ(st.charged_bytes, PersistentStore::RecordCharge(1, 1000));
  EXPECT_EQ(st.hits, 3u);
  EXPECT_EQ(st.misses, 2u);
  EXPECT_EQ(st.puts, 3u);
}

TEST_F(PersistentStoreTest, PersistsAcrossCloseAndReopen) {
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(store->Put("key" + std::to_string(i), "value" + std::to_string(i)).ok());
    }
    ASSERT_TRUE(store->Erase("key7").ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Put("after-flush", "in the WAL only").ok());
  }
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().entries, 100u);  // 100 - key7 + after-flush.
  EXPECT_THAT(*store->Get("key42"), Optional(std::string("value42")));
  EXPECT_THAT(*store->Get("key7"), std::nullopt);
  EXPECT_THAT(*store->Get("after-flush"), Optional(std::string("in the WAL only")));
}

TEST_F(PersistentStoreTest, TtlWithInjectedClock) {
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("short", "s", now_ + absl::Seconds(10)).ok());
    ASSERT_TRUE(store->Put("long", "l", now_ + absl::Seconds(100)).ok());
    ASSERT_TRUE(store->Put("forever", "f").ok());
    ASSERT_TRUE(store->Put("already-expired", "x", now_).ok());
    EXPECT_THAT(*store->Get("already-expired"), std::nullopt);
    EXPECT_EQ(store->Stats().entries, 3u);

    now_ += absl::Seconds(10);  // Expiry is inclusive.
    EXPECT_THAT(*store->Get("short"), std::nullopt);
    EXPECT_THAT(*store->Get("long"), Optional(std::string("l")));
    absl::Time expiry;
    ASSERT_TRUE(store->Get("long", &expiry).ok());
    EXPECT_EQ(expiry, now_ + absl::Seconds(90));
    ASSERT_TRUE(store->Get("forever", &expiry).ok());
    EXPECT_EQ(expiry, absl::InfiniteFuture());
    EXPECT_EQ(store->Stats().entries, 2u);  // Removed lazily by the Get.

    EXPECT_EQ(store->Stats().expired_removed, 1u);
  }
  now_ += absl::Seconds(100);
  // The scan at Open drops what expired while the store was closed.
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().entries, 1u);
  EXPECT_EQ(store->Stats().expired_removed, 1u);
  EXPECT_THAT(*store->Get("long"), std::nullopt);
  EXPECT_THAT(*store->Get("forever"), Optional(std::string("f")));
}

TEST_F(PersistentStoreTest, PutPurgesExpiredRecordsIncrementally) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(store->Put("e" + std::to_string(i), "v", now_ + absl::Seconds(1)).ok());
  }
  now_ += absl::Seconds(2);
  ASSERT_TRUE(store->Put("x", "v").ok());  // Purges 2 expired.
  EXPECT_EQ(store->Stats().entries, 5u);
  ASSERT_TRUE(store->Put("y", "v").ok());
  ASSERT_TRUE(store->Put("z", "v").ok());
  EXPECT_EQ(store->Stats().entries, 3u);
  EXPECT_EQ(store->Stats().expired_removed, 6u);
  EXPECT_EQ(store->Stats().evictions, 0u);
}

TEST_F(PersistentStoreTest, ByteBoundEvictsEarliestExpiringFirst) {
  const std::uint64_t one = PersistentStore::RecordCharge(2, 100);
  auto store = OpenOrDie(Options(3 * one));
  ASSERT_NE(store, nullptr);
  const std::string v(100, 'v');
  ASSERT_TRUE(store->Put("k1", v).ok());                                  // Never expires.
  ASSERT_TRUE(store->Put("k2", v, now_ + absl::Hours(2)).ok());
  ASSERT_TRUE(store->Put("k3", v, now_ + absl::Hours(1)).ok());
  EXPECT_EQ(store->Stats().charged_bytes, 3 * one);
  ASSERT_TRUE(store->Put("k4", v).ok());  // Evicts k3 (expires first).
  EXPECT_THAT(*store->Get("k3"), std::nullopt);
  ASSERT_TRUE(store->Put("k5", v).ok());  // Evicts k2.
  EXPECT_THAT(*store->Get("k2"), std::nullopt);
  ASSERT_TRUE(store->Put("k6", v).ok());  // Only never-expiring: oldest, k1.
  EXPECT_THAT(*store->Get("k1"), std::nullopt);
  EXPECT_THAT(*store->Get("k4"), Optional(v));
  // Replacing a key does not evict others when the new record fits.
  ASSERT_TRUE(store->Put("k4", v).ok());
  EXPECT_THAT(*store->Get("k5"), Optional(v));
  PersistentStoreStats st = store->Stats();
  EXPECT_EQ(st.evictions, 3u);
  EXPECT_LE(st.charged_bytes, st.capacity_bytes);
  EXPECT_EQ(st.entries, 3u);

  ASSERT_TRUE(store->SetCapacity(one).ok());
  st = store->Stats();
  EXPECT_EQ(st.entries, 1u);
  EXPECT_EQ(st.charged_bytes, one);
  EXPECT_THAT(*store->Get("k4"), Optional(v));  // Most recently written.
}

TEST_F(PersistentStoreTest, ReopenWithSmallerCapacityEvicts) {
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Put("k" + std::to_string(i), "v").ok());
  }
  auto store = OpenOrDie(Options(4 * PersistentStore::RecordCharge(2, 1)));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().entries, 4u);
  EXPECT_EQ(store->Stats().evictions, 6u);
}

// Open counts without indexing; each kind of first write builds the index
// from the records on disk, and the byte bound and eviction order hold as if
// it had been built at Open.
TEST_F(PersistentStoreTest, TheFirstWriteAfterOpenIndexesWhatOpenCounted) {
  const std::uint64_t one = PersistentStore::RecordCharge(2, 100);
  const std::string v(100, 'v');
  {
    auto store = OpenOrDie(Options(3 * one));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("k1", v).ok());                         // never expires
    ASSERT_TRUE(store->Put("k2", v, now_ + absl::Hours(1)).ok());  // expires first
    ASSERT_TRUE(store->Put("k3", v, now_ + absl::Hours(2)).ok());
  }
  using Write = std::function<absl::Status(PersistentStore&)>;
  const std::vector<std::pair<std::string, Write>> first_writes = {
      {"Put", [&](PersistentStore& s) { return s.Put("k4", v); }},
      {"PutBatch",
       [&](PersistentStore& s) {
         const PersistentStore::BatchEntry e{"k4", v};
         return s.PutBatch(std::span<const PersistentStore::BatchEntry>(&e, 1));
       }},
      {"SetCapacity", [&](PersistentStore& s) { return s.SetCapacity(2 * one); }},
  };
  for (const auto& [name, write] : first_writes) {
    SCOPED_TRACE(name);
    // A copy of the closed store, so that each case starts from it.
    const std::string copy = dir_.Sub("copy-" + name);
    std::filesystem::copy(dir_.Sub("l3"), copy, std::filesystem::copy_options::recursive);
    PersistentStoreOptions o = Options(3 * one);
    o.directory = copy;
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    PersistentStoreStats st = store->Stats();
    EXPECT_EQ(st.entries, 3u);
    EXPECT_EQ(st.charged_bytes, 3 * one);
    ASSERT_TRUE(write(*store).ok());
    st = store->Stats();
    EXPECT_EQ(st.evictions, 1u);
    EXPECT_EQ(st.charged_bytes, (name == "SetCapacity" ? 2 : 3) * one);
    EXPECT_EQ(st.entries, name == "SetCapacity" ? 2u : 3u);
    EXPECT_THAT(*store->Get("k2"), std::nullopt);  // the earliest expiry went
    EXPECT_THAT(*store->Get("k1"), Optional(v));
    EXPECT_THAT(*store->Get("k3"), Optional(v));
  }
  // Erase of a record written by an earlier process: counted out.
  auto store = OpenOrDie(Options(3 * one));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Erase("k1").ok());
  EXPECT_EQ(store->Stats().entries, 2u);
  EXPECT_EQ(store->Stats().charged_bytes, 2 * one);
  EXPECT_THAT(*store->Get("k1"), std::nullopt);
}

// A Get that meets a record expired since Open removes it and counts it
// out once, without building the index; the first write then finds the
// counts it left.
TEST_F(PersistentStoreTest, AGetRemovingAnExpiredRecordBeforeTheFirstWriteCountsItOutOnce) {
  const std::uint64_t one = PersistentStore::RecordCharge(2, 100);
  const std::string v(100, 'v');
  {
    auto store = OpenOrDie(Options(10 * one));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("k1", v).ok());
    ASSERT_TRUE(store->Put("k2", v, now_ + absl::Hours(1)).ok());
  }
  auto store = OpenOrDie(Options(10 * one));
  ASSERT_NE(store, nullptr);
  now_ += absl::Hours(2);
  EXPECT_THAT(*store->Get("k2"), std::nullopt);
  PersistentStoreStats st = store->Stats();
  EXPECT_EQ(st.expired_removed, 1u);
  EXPECT_EQ(st.entries, 1u);
  EXPECT_EQ(st.charged_bytes, one);
  ASSERT_TRUE(store->Put("k3", v).ok());  // builds the index
  st = store->Stats();
  EXPECT_EQ(st.expired_removed, 1u);
  EXPECT_EQ(st.entries, 2u);
  EXPECT_EQ(st.charged_bytes, 2 * one);
}

TEST_F(PersistentStoreTest, OversizedEntryRejectedAndOldValueNotServed) {
  PersistentStoreOptions o = Options(10'000);
  o.max_entry_bytes = 1000;
  auto store = OpenOrDie(o);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("k", "small").ok());
  absl::Status s = store->Put("k", std::string(2000, 'x'));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(o.directory));
  EXPECT_THAT(s.message(), HasSubstr("max_entry_bytes 1000"));
  EXPECT_THAT(*store->Get("k"), std::nullopt);

  o.max_entry_bytes = 1 << 20;
  store.reset();
  store = OpenOrDie(o);
  s = store->Put("k", std::string(20'000, 'x'));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("capacity 10000"));
  EXPECT_EQ(store->Stats().entries, 0u);
}

TEST_F(PersistentStoreTest, ZeroCapacityIsInvalid) {
  auto s = PersistentStore::Open(Options(0));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("capacity_bytes must be > 0"));
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SetCapacity(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Stats().capacity_bytes, 1u << 20);
}

TEST_F(PersistentStoreTest, ScanPrefixSkipsCorruptAndExpiredRecords) {
  PersistentStoreOptions o = Options();
  {
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("p/1", "one").ok());
    ASSERT_TRUE(store->Put("p/2", "two", now_ + absl::Seconds(5)).ok());
    ASSERT_TRUE(store->Put("q/1", "other").ok());
  }
  {
    // A record that does not verify, written behind the store's back.
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), o.directory, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "p/bad", "\x01 not a record").ok());
  }
  auto store = OpenOrDie(o);  // Open removes p/bad
  ASSERT_NE(store, nullptr);
  now_ += absl::Seconds(10);  // p/2 expired, not yet removed
  std::vector<std::string> seen;
  auto n = store->ScanPrefix("p/", [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k) + "=" + std::string(v));
  });
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1u);
  EXPECT_THAT(seen, ::testing::ElementsAre("p/1=one"));
  EXPECT_EQ(store->Stats().hits + store->Stats().misses, 0u);  // not lookups
}

// The WAL and table files of the database in `dir`.
struct DatabaseFiles {
  int wal_files = 0;
  std::uintmax_t wal_bytes = 0;
  int tables = 0;
};
DatabaseFiles FilesOf(const std::string& dir) {
  DatabaseFiles f;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") {
      ++f.wal_files;
      f.wal_bytes += e.file_size();
    }
    if (e.path().extension() == ".sst") ++f.tables;
  }
  return f;
}

// Puts "k<i>" -> "v<i>" for i in [0, n).
void PutNumbered(PersistentStore& store, int n) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(store.Put("k" + std::to_string(i), "v" + std::to_string(i)).ok());
  }
}

// The first close flushes the data to a table; later opens only read, and
// RocksDB starts one WAL file per open (kept, empty, until a flush), which
// the store bounds: every value survives each reopen and the WAL files
// stay few.
TEST_F(PersistentStoreTest, ReopensKeepValuesAndBoundTheWalFiles) {
  PersistentStoreOptions o = Options();
  {
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    ASSERT_NO_FATAL_FAILURE(PutNumbered(*store, 100));
  }
  for (int round = 0; round < 16; ++round) {
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->Stats().entries, 100u) << "round " << round;
    EXPECT_THAT(*store->Get("k" + std::to_string(round)),
                Optional("v" + std::to_string(round)));
    EXPECT_LE(FilesOf(o.directory).wal_files, 6) << "round " << round;
  }
}

// Closing a store that wrote moves its records from the WAL to a table, so
// the next Open has no log to replay: after the close the directory holds an
// SST file and its WAL files hold no bytes; the records are all there.
TEST_F(PersistentStoreTest, CloseFlushesTheWalToATable) {
  PersistentStoreOptions o = Options();
  {
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    ASSERT_NO_FATAL_FAILURE(PutNumbered(*store, 50));
  }
  const DatabaseFiles files = FilesOf(o.directory);
  EXPECT_GE(files.tables, 1);
  EXPECT_EQ(files.wal_bytes, 0u);
  auto store = OpenOrDie(o);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().entries, 50u);
  EXPECT_THAT(*store->Get("k49"), Optional(std::string("v49")));
}

// A process that dies without closing its store leaves its records in the
// WAL (simulated: the directory is copied while the store is open, and the
// copy is what the next process opens). The next Open replays them; a store
// that is copied again before it closes keeps the WAL files, until more
// than four of them hold data and Open flushes them to a table.
TEST_F(PersistentStoreTest, ReplaysTheWalOfStoresThatWereNotClosed) {
  PersistentStoreOptions o = Options();
  std::string current = dir_.Sub("gen0");
  {
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    ASSERT_NO_FATAL_FAILURE(PutNumbered(*store, 50));
    std::filesystem::copy(o.directory, current, std::filesystem::copy_options::recursive);
  }
  const DatabaseFiles copied = FilesOf(current);
  ASSERT_EQ(copied.wal_files, 1);
  ASSERT_GT(copied.wal_bytes, 0u);  // the records are in the WAL only
  for (int generation = 1; generation <= 7; ++generation) {
    PersistentStoreOptions og = o;
    og.directory = current;
    auto store = OpenOrDie(og);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->Stats().entries, 50u) << "generation " << generation;
    EXPECT_THAT(*store->Get("k7"), Optional(std::string("v7")));
    EXPECT_LE(FilesOf(current).wal_files, 6) << "generation " << generation;
    const std::string next = dir_.Sub("gen" + std::to_string(generation));
    std::filesystem::copy(current, next, std::filesystem::copy_options::recursive);
    current = next;
  }
}

TEST_F(PersistentStoreTest, CorruptAndForeignRecordsDetectedNeverReturned) {
  PersistentStoreOptions o = Options();
  {
    auto store = OpenOrDie(o);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("good", "value").ok());
  }
  {
    // Another program writes into the database behind our back.
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), o.directory, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "garbage", "\x01\x02 not a record").ok());
    std::string moved;
    EncodeL3Record("good", "value", 0, &moved);  // Valid for "good" only.
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "moved", moved).ok());
    std::string flipped = moved;
    flipped.back() ^= 1;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "flipped", flipped).ok());
  }
  auto store = OpenOrDie(o);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().corrupt_records, 3u);
  EXPECT_EQ(store->Stats().entries, 1u);
  EXPECT_THAT(*store->Get("garbage"), std::nullopt);
  EXPECT_THAT(*store->Get("moved"), std::nullopt);
  EXPECT_THAT(*store->Get("flipped"), std::nullopt);
  EXPECT_THAT(*store->Get("good"), Optional(std::string("value")));
}

TEST_F(PersistentStoreTest, PathUnderARegularFileIsReported) {
  const std::string file = dir_.Sub("plain_file");
  std::ofstream(file) << "not a directory";
  PersistentStoreOptions o = Options();
  o.directory = file + "/l3";
  auto s = PersistentStore::Open(o);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr(o.directory));
  EXPECT_THAT(s.status().message(), HasSubstr("cannot create directory"));

  o.directory = file;
  s = PersistentStore::Open(o);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr("is not a directory"));
}

TEST_F(PersistentStoreTest, SecondOpenOfOneDirectoryFailsCleanly) {
  auto first = OpenOrDie(Options());
  ASSERT_NE(first, nullptr);
  auto second = PersistentStore::Open(Options());
  EXPECT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr(Options().directory));
  EXPECT_THAT(second.status().message(), HasSubstr("LOCK"));
}

// Overwrites the file(s) of `dir` whose name starts with `prefix`.
int Clobber(const std::string& dir, const std::string& prefix) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) != 0) continue;
    std::ofstream(e.path(), std::ios::trunc) << "\xde\xad garbage \xbe\xef\n";
    ++n;
  }
  return n;
}

TEST_F(PersistentStoreTest, GarbageInCurrentIsReportedNotFatal) {
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("k", "v").ok());
  }
  ASSERT_EQ(Clobber(Options().directory, "CURRENT"), 1);
  auto s = PersistentStore::Open(Options());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr(Options().directory));
  EXPECT_THAT(s.status().message(), HasSubstr("cannot open database"));
}

TEST_F(PersistentStoreTest, GarbageInManifestIsDataLoss) {
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("k", "v").ok());
  }
  ASSERT_GE(Clobber(Options().directory, "MANIFEST-"), 1);
  auto s = PersistentStore::Open(Options());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss) << s.status();
  EXPECT_THAT(s.status().message(), HasSubstr(Options().directory));
}

}  // namespace
}  // namespace adaptrt::cache_internal
