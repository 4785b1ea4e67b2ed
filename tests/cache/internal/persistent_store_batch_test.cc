// PersistentStore::PutBatch: one RocksDB write for many records, with the
// same per-record semantics as Put (later entry wins, refusals, eviction),
// and an index that agrees with the database (checked by reopening).

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cache/internal/persistent_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cache/internal/persistent_store_fixture.h"

namespace adaptrt::cache_internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;
using Entry = PersistentStore::BatchEntry;

class PersistentStoreBatchTest : public PersistentStoreFixture {
 protected:
  PersistentStoreOptions Options(std::uint64_t capacity = 1 << 20) {
    PersistentStoreOptions o = PersistentStoreFixture::Options(capacity);
    o.max_entry_bytes = 4096;
    return o;
  }
};

TEST_F(PersistentStoreBatchTest, StoresEveryRecordAndSurvivesReopen) {
  std::vector<std::string> keys, values;
  for (int i = 0; i < 500; ++i) {
    keys.push_back("file/" + std::to_string(i));
    values.push_back(std::string(40, static_cast<char>('a' + i % 26)));
  }
  std::vector<Entry> batch;
  for (int i = 0; i < 500; ++i) batch.push_back({keys[i], values[i]});
  {
    auto store = OpenOrDie(Options());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutBatch(batch).ok());
    const PersistentStoreStats st = store->Stats();
    EXPECT_EQ(st.entries, 500u);
    EXPECT_EQ(st.puts, 500u);
    std::uint64_t expected = 0;
    for (const auto& k : keys) expected += PersistentStore::RecordCharge(k.size(), 40);
    EXPECT_EQ(st.charged_bytes, expected);
    EXPECT_THAT(*store->Get("file/7"), Optional(values[7]));
  }
  // A new process (a reopened store) finds every record; its index, rebuilt
  // from the database, matches what the batch accounted.
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().entries, 500u);
  for (int i = 0; i < 500; i += 37) {
    EXPECT_THAT(*store->Get(keys[i]), Optional(values[i])) << keys[i];
  }
}

TEST_F(PersistentStoreBatchTest, LaterEntryForAKeyWins) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("k", "old").ok());
  std::vector<Entry> batch = {{"k", "first"}, {"x", "1"}, {"k", "second"}};
  ASSERT_TRUE(store->PutBatch(batch).ok());
  EXPECT_THAT(*store->Get("k"), Optional(std::string("second")));
  EXPECT_EQ(store->Stats().entries, 2u);
  EXPECT_EQ(store->Stats().charged_bytes, PersistentStore::RecordCharge(1, 6) +
                                              PersistentStore::RecordCharge(1, 1));
}

TEST_F(PersistentStoreBatchTest, RefusedEntryIsSkippedAndItsOldRecordRemoved) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("big", "small for now").ok());
  const std::string huge(5000, 'h');  // over max_entry_bytes (4096)
  std::vector<Entry> batch = {{"a", "1"}, {"big", huge}, {"b", "2"}};
  absl::Status s = store->PutBatch(batch);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr("max_entry_bytes"));
  EXPECT_THAT(*store->Get("a"), Optional(std::string("1")));
  EXPECT_THAT(*store->Get("b"), Optional(std::string("2")));
  EXPECT_THAT(*store->Get("big"), std::nullopt);  // no stale value served
  EXPECT_EQ(store->Stats().entries, 2u);
}

TEST_F(PersistentStoreBatchTest, EvictsWithinTheBatchToStayUnderCapacity) {
  const std::uint64_t charge = PersistentStore::RecordCharge(3, 100);
  auto store = OpenOrDie(Options(/*capacity=*/10 * charge));
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 25; ++i) keys.push_back(absl::StrCat("k", i < 10 ? "0" : "", i));
  const std::string value(100, 'v');
  std::vector<Entry> batch;
  for (const auto& k : keys) batch.push_back({k, value});
  ASSERT_TRUE(store->PutBatch(batch).ok());
  PersistentStoreStats st = store->Stats();
  EXPECT_EQ(st.entries, 10u);
  EXPECT_LE(st.charged_bytes, st.capacity_bytes);
  EXPECT_EQ(st.evictions, 15u);
  // Oldest written go first: the last ten of the batch stay.
  EXPECT_THAT(*store->Get("k14"), std::nullopt);
  EXPECT_THAT(*store->Get("k15"), Optional(value));
  EXPECT_THAT(*store->Get("k24"), Optional(value));
  store.reset();
  auto reopened = OpenOrDie(Options(10 * charge));
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Stats().entries, 10u);
  EXPECT_EQ(reopened->Stats().charged_bytes, st.charged_bytes);
}

TEST_F(PersistentStoreBatchTest, ExpiredEntriesAreNotStored) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  std::vector<Entry> batch = {{"past", "x", now_ - absl::Seconds(1)},
                              {"future", "y", now_ + absl::Hours(1)}};
  ASSERT_TRUE(store->PutBatch(batch).ok());
  EXPECT_THAT(*store->Get("past"), std::nullopt);
  absl::Time expiry;
  EXPECT_THAT(*store->Get("future", &expiry), Optional(std::string("y")));
  EXPECT_EQ(expiry, now_ + absl::Hours(1));
  EXPECT_EQ(store->Stats().entries, 1u);
}

TEST_F(PersistentStoreBatchTest, EmptyBatchIsANoOp) {
  auto store = OpenOrDie(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->PutBatch({}).ok());
  EXPECT_EQ(store->Stats().entries, 0u);
}

}  // namespace
}  // namespace adaptrt::cache_internal
