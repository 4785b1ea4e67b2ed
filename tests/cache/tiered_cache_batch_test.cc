// TieredCache::PutBatch: entries land in L1 and, in one write, in L3, so a
// new cache over the same directory (a new process) finds them; refusals
// leave no value in any tier; a later entry for a key wins; without L3 it
// behaves as a sequence of Puts.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cache/tiered_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::cache {
namespace {

using StringCache = TieredCache<std::string, std::string>;
using Batch = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<StringCache> Make(StringCache::Options o) {
  auto c = StringCache::Create(std::move(o));
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

StringCache::Options WithL3(const testing::ScopedTempDir& dir) {
  StringCache::Options o;
  o.l1_capacity = 1 << 20;
  o.l2_capacity = 1 << 20;
  o.shard_bits = 0;
  o.l3_directory = dir.Sub("l3");
  o.l3_capacity = 1 << 20;
  o.l3_max_entry_bytes = 2048;
  o.l3_required = true;
  return o;
}

TEST(TieredCacheBatchTest, FillsL1AndL3InOneCall) {
  testing::ScopedTempDir dir;
  Batch batch;
  for (int i = 0; i < 300; ++i) batch.emplace_back("k" + std::to_string(i), "v" + std::to_string(i));
  {
    auto c = Make(WithL3(dir));
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->PutBatch(batch).ok());
    EXPECT_EQ(c->Stats().l1.entries, 300u);
    EXPECT_EQ(c->Stats().l3.entries, 300u);
    auto v = c->Get("k42");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, "v42");
    EXPECT_EQ(c->Stats().l1.hits, 1u);
  }
  // A new cache on the same directory: every entry comes from L3.
  auto c = Make(WithL3(dir));
  ASSERT_NE(c, nullptr);
  for (int i = 0; i < 300; i += 29) {
    auto v = c->Get("k" + std::to_string(i));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(*v, "v" + std::to_string(i));
  }
  EXPECT_EQ(c->Stats().l3.hits, 11u);
}

TEST(TieredCacheBatchTest, LaterEntryWinsAndOverwritesOlderValues) {
  testing::ScopedTempDir dir;
  auto c = Make(WithL3(dir));
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Put("a", "old").ok());
  Batch batch = {{"a", "first"}, {"b", "x"}, {"a", "second"}};
  ASSERT_TRUE(c->PutBatch(batch).ok());
  EXPECT_EQ(*c->Get("a"), "second");
  c.reset();
  c = Make(WithL3(dir));
  ASSERT_NE(c, nullptr);
  auto v = c->Get("a");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, "second");  // L3 agrees with memory
}

TEST(TieredCacheBatchTest, RefusedEntriesHaveNoValueAnywhere) {
  testing::ScopedTempDir dir;
  auto c = Make(WithL3(dir));
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Put("big", "small").ok());
  Batch batch = {{"ok", "1"}, {"big", std::string(4000, 'x')}};  // over l3_max_entry_bytes
  absl::Status s = c->PutBatch(batch);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(c->Get("big"), nullptr);
  ASSERT_NE(c->Get("ok"), nullptr);
  c.reset();
  c = Make(WithL3(dir));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Get("big"), nullptr);  // the old L3 record is gone too
  ASSERT_NE(c->Get("ok"), nullptr);
}

TEST(TieredCacheBatchTest, WithoutL3ItIsASequenceOfPuts) {
  StringCache::Options o;
  o.l1_capacity = 1 << 20;
  o.l2_capacity = 1 << 20;
  auto c = Make(o);
  ASSERT_NE(c, nullptr);
  Batch batch = {{"a", "1"}, {"b", "2"}};
  ASSERT_TRUE(c->PutBatch(batch).ok());
  EXPECT_EQ(*c->Get("a"), "1");
  EXPECT_EQ(*c->Get("b"), "2");
  EXPECT_FALSE(c->Stats().l3_enabled);
}

}  // namespace
}  // namespace adaptrt::cache
