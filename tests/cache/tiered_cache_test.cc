#include "cache/tiered_cache.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::cache {
namespace {

using ::testing::HasSubstr;

class FakeClock : public Clock {
 public:
  std::int64_t NowNanos() const override { return now_.load(); }
  void Advance(absl::Duration d) { now_ += absl::ToInt64Nanoseconds(d); }

 private:
  std::atomic<std::int64_t> now_{1'000'000'000};
};

using StringCache = TieredCache<std::string, std::string>;

// One shard per tier, every entry charged 100: L1 holds 3, L2 holds 2.
StringCache::Options SmallOptions() {
  StringCache::Options o;
  o.l1_capacity = 300;
  o.l2_capacity = 200;
  o.shard_bits = 0;
  o.weigher = [](const std::string&, const std::string& v) {
    return v.size() > 1000 ? v.size() : 100;
  };
  return o;
}

std::unique_ptr<StringCache> Make(StringCache::Options o) {
  auto c = StringCache::Create(std::move(o));
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

std::string ValueOr(const StringCache::ValuePtr& p, std::string missing = "<miss>") {
  return p ? *p : missing;
}

TEST(TieredCacheTest, CreateValidatesOptions) {
  StringCache::Options o = SmallOptions();
  o.l1_capacity = 0;
  EXPECT_EQ(StringCache::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(StringCache::Create(o).status().message(), HasSubstr("l1_capacity"));
  o = SmallOptions();
  o.l2_capacity = 0;
  EXPECT_THAT(StringCache::Create(o).status().message(), HasSubstr("l2_capacity"));
  o = SmallOptions();
  o.shard_bits = 40;
  EXPECT_EQ(StringCache::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
  o = SmallOptions();
  o.l3_directory = "/tmp/never-created-by-this-test";
  o.l3_capacity = 0;
  EXPECT_THAT(StringCache::Create(o).status().message(), HasSubstr("l3_capacity must be > 0"));
  EXPECT_FALSE(std::filesystem::exists(o.l3_directory));
}

TEST(TieredCacheTest, NoL3WithoutSerializer) {
  using VecCache = TieredCache<std::string, std::vector<int>>;
  static_assert(!VecCache::kSerializable);
  VecCache::Options o;
  o.l3_directory = "/tmp/never-created-by-this-test";
  auto c = VecCache::Create(o);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("serializers"));
  o.l3_directory.clear();
  auto ok = VecCache::Create(o);
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE((*ok)->Put("v", {1, 2, 3}).ok());
  EXPECT_EQ((*ok)->Get("v")->size(), 3u);
}

TEST(TieredCacheTest, PutGetErase) {
  auto c = Make(SmallOptions());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Get("a"), nullptr);
  ASSERT_TRUE(c->Put("a", "1").ok());
  EXPECT_EQ(ValueOr(c->Get("a")), "1");
  ASSERT_TRUE(c->Put("a", "2").ok());
  EXPECT_EQ(ValueOr(c->Get("a")), "2");
  EXPECT_TRUE(c->Erase("a"));
  EXPECT_FALSE(c->Erase("a"));
  EXPECT_EQ(c->Get("a"), nullptr);
  const TieredStats st = c->Stats();
  EXPECT_EQ(st.l1.hits, 2u);
  EXPECT_EQ(st.l1.misses, 2u);
  EXPECT_EQ(st.l2.misses, 2u);
  EXPECT_FALSE(st.l3_enabled);
  EXPECT_TRUE(st.l3_status.ok());
}

TEST(TieredCacheTest, L1VictimMovesToL2AndL2HitIsPromoted) {
  auto c = Make(SmallOptions());
  ASSERT_NE(c, nullptr);
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(c->Put(k, std::string("v") + k).ok());
  TieredStats st = c->Stats();
  EXPECT_EQ(st.l1.entries, 3u);
  EXPECT_EQ(st.l2.entries, 1u);  // "a", the L1 LRU victim.
  EXPECT_EQ(st.l1.demotions, 1u);
  EXPECT_EQ(st.l1.bytes, 300u);
  EXPECT_EQ(st.l2.bytes, 100u);

  // L2 hit: "a" moves to L1, whose LRU victim "b" moves to L2.
  EXPECT_EQ(ValueOr(c->Get("a")), "va");
  st = c->Stats();
  EXPECT_EQ(st.l2.hits, 1u);
  EXPECT_EQ(st.l2.promotions, 1u);
  EXPECT_EQ(st.l1.demotions, 2u);
  EXPECT_EQ(st.l1.entries, 3u);
  EXPECT_EQ(st.l2.entries, 1u);
  // "a" is now an L1 hit; "b" an L2 hit.
  const std::uint64_t l1_hits = st.l1.hits;
  EXPECT_EQ(ValueOr(c->Get("a")), "va");
  EXPECT_EQ(c->Stats().l1.hits, l1_hits + 1);
  EXPECT_EQ(ValueOr(c->Get("b")), "vb");
  EXPECT_EQ(c->Stats().l2.hits, 2u);

  // L2 overflows: its own victims leave memory (no L3 here).
  for (const char* k : {"e", "f", "g", "h"}) ASSERT_TRUE(c->Put(k, std::string("v") + k).ok());
  st = c->Stats();
  EXPECT_EQ(st.l1.entries + st.l2.entries, 5u);
  EXPECT_LE(st.l1.bytes, st.l1.capacity);
  EXPECT_LE(st.l2.bytes, st.l2.capacity);
  EXPECT_GT(st.l2.evictions, 0u);
  // L1 demoted (LRU order) d, a, b, e; L2 kept the last two, b and e:
  // with L1's f, g, h these five are resident, each with its own value.
  for (const char* k : {"b", "e", "f", "g", "h"}) EXPECT_EQ(ValueOr(c->Get(k)), std::string("v") + k);
}

TEST(TieredCacheTest, PutOverwritesL2Copy) {
  auto c = Make(SmallOptions());
  ASSERT_NE(c, nullptr);
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(c->Put(k, "old").ok());
  ASSERT_EQ(c->Stats().l2.entries, 1u);  // "a" is in L2.
  ASSERT_TRUE(c->Put("a", "new").ok());
  EXPECT_EQ(ValueOr(c->Get("a")), "new");
  // "a" is in L1 only: erase it and nothing is left anywhere.
  EXPECT_TRUE(c->Erase("a"));
  EXPECT_EQ(c->Get("a"), nullptr);
}

TEST(TieredCacheTest, EntryLargerThanL1IsRejectedAndOldValueRemoved) {
  auto c = Make(SmallOptions());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Put("k", "small").ok());
  absl::Status s = c->Put("k", std::string(5000, 'x'));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("exceeds L1's largest entry 300"));
  EXPECT_EQ(c->Get("k"), nullptr);
  EXPECT_EQ(c->max_entry_charge(), 300u);
}

TEST(TieredCacheTest, TtlSurvivesDemotion) {
  FakeClock clock;
  StringCache::Options o = SmallOptions();
  o.clock = &clock;
  auto c = Make(o);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Put("short", "s", absl::Seconds(10)).ok());
  for (const char* k : {"x", "y", "z"}) ASSERT_TRUE(c->Put(k, "v").ok());
  ASSERT_EQ(c->Stats().l2.entries, 1u);  // "short" was demoted with its TTL.
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(ValueOr(c->Get("short")), "s");  // Promoted, 5 s left.
  clock.Advance(absl::Seconds(6));
  EXPECT_EQ(c->Get("short"), nullptr);
}

TEST(TieredCacheTest, SetTierCapacity) {
  auto c = Make(SmallOptions());
  ASSERT_NE(c, nullptr);
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(c->Put(k, "v").ok());
  ASSERT_TRUE(c->SetTierCapacity(Tier::kL1, 100).ok());  // Demotes a and b.
  TieredStats st = c->Stats();
  EXPECT_EQ(st.l1.capacity, 100u);
  EXPECT_EQ(st.l1.entries, 1u);
  EXPECT_EQ(st.l2.entries, 2u);
  EXPECT_EQ(st.l1.demotions, 2u);
  ASSERT_TRUE(c->SetTierCapacity(Tier::kL2, 100).ok());
  EXPECT_EQ(c->Stats().l2.entries, 1u);
  EXPECT_EQ(c->SetTierCapacity(Tier::kL1, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c->SetTierCapacity(Tier::kL3, 1000).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(TieredCacheTest, GetOrComputeComputesOnceAndPropagatesErrors) {
  auto c = Make(SmallOptions());
  ASSERT_NE(c, nullptr);
  int calls = 0;
  auto fn = [&] {
    ++calls;
    return std::string("computed");
  };
  auto r = c->GetOrCompute("k", fn);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, "computed");
  r = c->GetOrCompute("k", fn);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 1);
  auto err = c->GetOrCompute("e", []() -> absl::StatusOr<std::string> {
    return absl::NotFoundError("backend has no e");
  });
  EXPECT_EQ(err.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(c->Get("e"), nullptr);
  EXPECT_THROW(c->GetOrCompute("t", []() -> std::string { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_EQ(ValueOr(*c->GetOrCompute("t", [] { return std::string("after"); })), "after");
}

TEST(TieredCacheTest, GetOrComputeLosesToAConcurrentWrite) {
  auto c = Make(SmallOptions());
  ASSERT_NE(c, nullptr);
  // fn itself writes the key (as another thread could while fn runs).
  auto r = c->GetOrCompute("k", [&] {
    EXPECT_TRUE(c->Put("k", "written").ok());
    return std::string("computed");
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, "computed");
  EXPECT_EQ(ValueOr(c->Get("k")), "written");
}

// ---- L3 --------------------------------------------------------------------

class TieredCacheL3Test : public ::testing::Test {
 protected:
  StringCache::Options L3Options() {
    StringCache::Options o = SmallOptions();
    o.l3_directory = dir_.Sub("l3");
    o.l3_capacity = 1 << 20;
    o.l3_clock = [this] { return wall_; };
    return o;
  }
  testing::ScopedTempDir dir_;
  absl::Time wall_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(TieredCacheL3Test, L3HoldsWhatMemoryTiersDropped) {
  auto c = Make(L3Options());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Stats().l3_enabled);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c->Put("k" + std::to_string(i), "v" + std::to_string(i)).ok());
  TieredStats st = c->Stats();
  EXPECT_EQ(st.l1.entries + st.l2.entries, 5u);
  EXPECT_EQ(st.l3.entries, 20u);
  EXPECT_EQ(ValueOr(c->Get("k0")), "v0");  // From L3, copied to L1.
  st = c->Stats();
  EXPECT_EQ(st.l3.hits, 1u);
  EXPECT_EQ(st.l3.promotions, 1u);
  EXPECT_EQ(ValueOr(c->Get("k0")), "v0");  // Now an L1 hit.
  EXPECT_EQ(c->Stats().l3.hits, 1u);
  EXPECT_TRUE(c->Erase("k1") == false);  // Only in L3: no memory tier held it.
  EXPECT_EQ(c->Get("k1"), nullptr);
  EXPECT_EQ(c->Stats().l3.entries, 19u);
}

TEST_F(TieredCacheL3Test, PersistsAcrossInstancesOnOneDirectory) {
  {
    auto a = Make(L3Options());
    ASSERT_NE(a, nullptr);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(a->Put("k" + std::to_string(i), "v" + std::to_string(i)).ok());
    }
    ASSERT_TRUE(a->Put("ttl", "t", absl::Seconds(30)).ok());
    a->Erase("k7");
  }
  wall_ += absl::Seconds(20);
  {
    auto b = Make(L3Options());
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->Stats().l3.entries, 50u);
    for (int i = 0; i < 50; ++i) {
      if (i == 7) continue;
      EXPECT_EQ(ValueOr(b->Get("k" + std::to_string(i))), "v" + std::to_string(i));
    }
    EXPECT_EQ(b->Get("k7"), nullptr);
    EXPECT_EQ(ValueOr(b->Get("ttl")), "t");  // 10 s left.
  }
  wall_ += absl::Seconds(20);
  auto c = Make(L3Options());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->Get("ttl"), nullptr);  // Expired while no process ran.
  EXPECT_EQ(ValueOr(c->Get("k3")), "v3");
}

TEST_F(TieredCacheL3Test, ScanL3ReadsAPrefixInBulkWithoutTouchingMemoryTiers) {
  {
    auto a = Make(L3Options());
    ASSERT_NE(a, nullptr);
    for (const char* k : {"dir/b", "dir/a", "dir2/x", "other"}) {
      ASSERT_TRUE(a->Put(k, std::string("v-") + k).ok());
    }
    ASSERT_TRUE(a->Put("dir/ttl", "t", absl::Seconds(10)).ok());
    ASSERT_TRUE(a->Put("dir/gone", "g").ok());
    a->Erase("dir/gone");
  }
  wall_ += absl::Seconds(20);  // dir/ttl expires
  auto b = Make(L3Options());
  ASSERT_NE(b, nullptr);
  std::vector<std::pair<std::string, std::string>> seen;
  auto n = b->ScanL3("dir/", [&](std::string k, std::string v) {
    seen.emplace_back(std::move(k), std::move(v));
  });
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2u);
  // Key order; only the prefix; neither erased nor expired entries.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (std::pair<std::string, std::string>{"dir/a", "v-dir/a"}));
  EXPECT_EQ(seen[1], (std::pair<std::string, std::string>{"dir/b", "v-dir/b"}));
  // "dir" also matches "dir2/x"; the empty prefix matches everything live.
  seen.clear();
  ASSERT_TRUE(b->ScanL3("dir", [&](std::string k, std::string v) {
                 seen.emplace_back(std::move(k), std::move(v));
               }).ok());
  EXPECT_EQ(seen.size(), 3u);
  auto all = b->ScanL3("", [](std::string, std::string) {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 4u);
  // Memory tiers untouched, nothing counted.
  const TieredStats st = b->Stats();
  EXPECT_EQ(st.l1.entries + st.l2.entries, 0u);
  EXPECT_EQ(st.l1.hits + st.l1.misses + st.l3.hits + st.l3.misses, 0u);
  // Without an L3 there is nothing to scan.
  auto mem = Make(SmallOptions());
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->ScanL3("", [](std::string, std::string) {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TieredCacheL3Test, OversizedForL3IsRejected) {
  StringCache::Options o = L3Options();
  o.l1_capacity = 1 << 20;
  o.l3_max_entry_bytes = 2000;
  auto c = Make(o);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Put("k", "small").ok());
  absl::Status s = c->Put("k", std::string(5000, 'x'));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_entry_bytes"));
  EXPECT_EQ(c->Get("k"), nullptr);
  EXPECT_EQ(c->Stats().l3.entries, 0u);
}

TEST_F(TieredCacheL3Test, UnusableDirectoryLeavesTheCacheRunningWithoutL3) {
  const std::string file = dir_.Sub("a_file");
  std::ofstream(file) << "x";
  StringCache::Options o = L3Options();
  o.l3_directory = file + "/l3";
  auto c = Make(o);
  ASSERT_NE(c, nullptr);
  TieredStats st = c->Stats();
  EXPECT_FALSE(st.l3_enabled);
  EXPECT_EQ(st.l3.errors, 1u);
  EXPECT_EQ(st.l3_status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.l3_status.message(), HasSubstr(o.l3_directory));
  ASSERT_TRUE(c->Put("k", "v").ok());
  EXPECT_EQ(ValueOr(c->Get("k")), "v");
  EXPECT_EQ(c->Stats().l3.errors, 1u);  // Reported once.

  o.l3_required = true;
  auto required = StringCache::Create(o);
  EXPECT_EQ(required.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TieredCacheL3Test, CorruptDatabaseLeavesTheCacheRunningWithoutL3) {
  {
    auto c = Make(L3Options());
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Put("k", "v").ok());
  }
  for (const auto& e : std::filesystem::directory_iterator(L3Options().l3_directory)) {
    if (e.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      std::ofstream(e.path(), std::ios::trunc) << "garbage";
    }
  }
  auto c = Make(L3Options());
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->l3_enabled());
  EXPECT_EQ(c->Stats().l3_status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(c->Get("k"), nullptr);
  ASSERT_TRUE(c->Put("k", "v2").ok());
  EXPECT_EQ(ValueOr(c->Get("k")), "v2");
}

// A user type with its own serializer.
struct Money {
  std::string currency;
  std::int64_t cents;
};
struct MoneySerializer {
  static void Serialize(const Money& m, std::string* out) {
    out->append(m.currency);
    out->push_back(':');
    out->append(std::to_string(m.cents));
  }
  static absl::StatusOr<Money> Deserialize(std::string_view bytes) {
    const auto colon = bytes.find(':');
    if (colon == std::string_view::npos) return absl::DataLossError("no ':' in Money");
    return Money{std::string(bytes.substr(0, colon)),
                 std::stoll(std::string(bytes.substr(colon + 1)))};
  }
};

TEST_F(TieredCacheL3Test, UserSerializerAndIntegerKeys) {
  using MoneyCache = TieredCache<std::uint64_t, Money, Serializer<std::uint64_t>, MoneySerializer>;
  MoneyCache::Options o;
  o.l3_directory = dir_.Sub("money");
  {
    auto c = MoneyCache::Create(o);
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE((*c)->Put(42, Money{"EUR", 1999}).ok());
  }
  auto c = MoneyCache::Create(o);
  ASSERT_TRUE(c.ok());
  auto m = (*c)->Get(42);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->currency, "EUR");
  EXPECT_EQ(m->cents, 1999);
}

}  // namespace
}  // namespace adaptrt::cache
