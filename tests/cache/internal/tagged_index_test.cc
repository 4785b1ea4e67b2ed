// Tests of TaggedIndex (cache/internal/tagged_index.h): insert, find, erase
// with backward shift (including clusters that wrap around the table's end),
// tag collisions, rehash, and a randomized comparison against std::map.

#include "cache/internal/tagged_index.h"

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace adaptrt::cache_internal {
namespace {

struct Item {
  std::uint64_t hash;
  int id;
};
struct ItemHash {
  std::uint64_t operator()(const Item& item) const { return item.hash; }
};
using Index = TaggedIndex<Item, ItemHash>;

Item* FindById(const Index& index, std::uint64_t hash, int id) {
  return index.Find(hash, [id](const Item& item) { return item.id == id; });
}

// Every item is found, and nothing else.
void ExpectExactly(const Index& index, const std::vector<Item*>& present,
                   const std::vector<Item*>& absent) {
  EXPECT_EQ(index.size(), present.size());
  for (Item* item : present) {
    EXPECT_EQ(FindById(index, item->hash, item->id), item) << item->id;
  }
  for (Item* item : absent) {
    EXPECT_EQ(FindById(index, item->hash, item->id), nullptr) << item->id;
  }
  std::size_t visited = 0;
  index.ForEach([&visited](Item*) { ++visited; });
  EXPECT_EQ(visited, present.size());
}

TEST(TaggedIndexTest, EmptyIndexFindsNothingAndAllocatesNothing) {
  Index index;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.slot_count(), 0u);
  EXPECT_EQ(index.MemoryBytes(), 0u);
  Item item{42, 1};
  EXPECT_EQ(FindById(index, 42, 1), nullptr);
  EXPECT_FALSE(index.Erase(42, &item));
}

TEST(TaggedIndexTest, InsertFindErase) {
  Index index;
  Item a{0x1111'2222'3333'4444ull, 1};
  Item b{0x5555'6666'7777'8888ull, 2};
  index.Insert(a.hash, &a);
  index.Insert(b.hash, &b);
  EXPECT_EQ(index.slot_count(), Index::kMinSlots);
  ExpectExactly(index, {&a, &b}, {});
  EXPECT_TRUE(index.Erase(a.hash, &a));
  EXPECT_FALSE(index.Erase(a.hash, &a));
  ExpectExactly(index, {&b}, {&a});
  EXPECT_TRUE(index.Erase(b.hash, &b));
  ExpectExactly(index, {}, {&a, &b});
}

TEST(TaggedIndexTest, EqualHashesAreTellApartByTheEqualityPredicate) {
  // Same hash, so same home slot and same tag: Find must call eq and go on.
  Index index;
  std::vector<Item> items;
  for (int i = 0; i < 5; ++i) items.push_back({77, i});
  for (Item& item : items) index.Insert(item.hash, &item);
  ExpectExactly(index, {&items[0], &items[1], &items[2], &items[3], &items[4]},
                {});
  // Erase from the middle of the cluster: the rest shift back and stay found.
  EXPECT_TRUE(index.Erase(77, &items[2]));
  ExpectExactly(index, {&items[0], &items[1], &items[3], &items[4]},
                {&items[2]});
  Item stranger{77, 99};
  EXPECT_FALSE(index.Erase(77, &stranger));
}

TEST(TaggedIndexTest, ClusterWrappingAroundTheEndSurvivesErase) {
  Index index;
  // Homes 14, 15, 15, 14 in a 16-slot table: the cluster wraps to slots 0-1.
  const std::uint64_t h14 = (0xABCDull << 32) | 14;
  const std::uint64_t h15 = (0x1234ull << 32) | 15;
  Item a{h14, 1}, b{h15, 2}, c{h15, 3}, d{h14, 4};
  for (Item* item : {&a, &b, &c, &d}) index.Insert(item->hash, item);
  ASSERT_EQ(index.slot_count(), 16u);
  ExpectExactly(index, {&a, &b, &c, &d}, {});
  // Erasing the head of the cluster shifts the wrapped items back across
  // the end of the table.
  EXPECT_TRUE(index.Erase(a.hash, &a));
  ExpectExactly(index, {&b, &c, &d}, {&a});
  EXPECT_TRUE(index.Erase(c.hash, &c));
  ExpectExactly(index, {&b, &d}, {&a, &c});
  // An item at home in slot 0 (after the wrapped ones) must not move into a
  // hole before its home.
  Item e{(0x7777ull << 32) | 0, 5};
  index.Insert(e.hash, &e);
  EXPECT_TRUE(index.Erase(b.hash, &b));
  ExpectExactly(index, {&d, &e}, {&a, &b, &c});
}

TEST(TaggedIndexTest, GrowsAtThreeQuartersAndKeepsEverything) {
  Index index;
  std::vector<std::unique_ptr<Item>> items;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 12; ++i) {
    items.push_back(std::make_unique<Item>(Item{rng(), i}));
    index.Insert(items.back()->hash, items.back().get());
  }
  EXPECT_EQ(index.slot_count(), 16u);  // 12 = 3/4 of 16
  items.push_back(std::make_unique<Item>(Item{rng(), 12}));
  index.Insert(items.back()->hash, items.back().get());
  EXPECT_EQ(index.slot_count(), 32u);
  EXPECT_EQ(index.MemoryBytes(), 32u * 8);
  std::vector<Item*> present;
  for (auto& item : items) present.push_back(item.get());
  ExpectExactly(index, present, {});
}

TEST(TaggedIndexTest, ReservePreSizes) {
  Index index;
  index.Reserve(1000);
  const std::size_t slots = index.slot_count();
  EXPECT_GE(slots * 3, 1000u * 4);
  std::vector<Item> items(1000);
  for (int i = 0; i < 1000; ++i) {
    items[i] = Item{static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull, i};
    index.Insert(items[i].hash, &items[i]);
  }
  EXPECT_EQ(index.slot_count(), slots);  // no rehash
  index.Reserve(10);                     // never shrinks
  EXPECT_EQ(index.slot_count(), slots);
}

// Random inserts and erases, with hashes drawn from few distinct values (so
// clusters are long and tags collide), checked against a std::map.
TEST(TaggedIndexTest, RandomOperationsMatchAReferenceMap) {
  std::mt19937_64 rng(12345);
  Index index;
  std::vector<std::unique_ptr<Item>> pool;
  for (int i = 0; i < 600; ++i) {
    // Hashes from 64 values: collisions on slot, tag, or both.
    const std::uint64_t h = (rng() % 64) * 0x0001'0001'0000'0003ull;
    pool.push_back(std::make_unique<Item>(Item{h, i}));
  }
  std::map<int, bool> present;
  for (int step = 0; step < 20000; ++step) {
    Item* item = pool[rng() % pool.size()].get();
    if (present[item->id]) {
      ASSERT_TRUE(index.Erase(item->hash, item));
      present[item->id] = false;
    } else {
      index.Insert(item->hash, item);
      present[item->id] = true;
    }
    if (step % 997 == 0) {
      std::vector<Item*> in, out;
      for (auto& p : pool) (present[p->id] ? in : out).push_back(p.get());
      ExpectExactly(index, in, out);
    }
  }
  std::vector<Item*> in, out;
  for (auto& p : pool) (present[p->id] ? in : out).push_back(p.get());
  ExpectExactly(index, in, out);
}

}  // namespace
}  // namespace adaptrt::cache_internal
