// TieredCache::PutBatch racing with Put, Erase and Get on the same keys, L1 +
// L2 only (no L3), so that it runs under --config=tsan as well as the normal
// and asan builds (tiered_cache_batch_concurrency_test.cc covers the L3 side,
// which tsan cannot see through).
//
// Every operation is logged with a logical interval [start, end] taken from
// one seq_cst counter before and after the call; the history is checked after
// the threads join. For every key, writes are the Puts, the Erases and the
// batch entries that the batch stores (the last entry of a key in a batch):
//   - no value from the future: a read returns a write that started before
//     the read ended;
//   - no stale value: a read never returns a write w when another write of
//     the key started after w ended and ended before the read started;
//   - no phantom: a batch entry superseded by a later entry of the same key
//     in the same batch is never read;
//   - no lost value (StrictMemory, where L1 holds every key, so nothing is
//     evicted): a read finds nothing only if an Erase (or the initial empty
//     state) may be the latest write at that point, by the same rule;
//   - capacity: each tier's charge never exceeds the largest capacity it had
//     (checked while running), and the current one once quiescent;
//   - stats, once quiescent: every L1 victim was demoted or dropped; Gets =
//     L1 hits + misses; L2 lookups <= L1 misses; L1 and L2 are exclusive (the
//     entries they report are the keys a sweep of Gets finds, each once) and
//     their bytes are the charge of the values found.
// The final sweep is a read after every write, checked by the same rules.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cache/tiered_cache.h"
#include "gtest/gtest.h"
#include "tests/util/sanitizer.h"

namespace adaptrt::cache {
namespace {

using StringCache = TieredCache<std::string, std::string>;

constexpr int kRounds = adaptrt::testing::SanitizerScaled(3000, 400);
constexpr int kThreads = 4;
constexpr int kKeys = 48;
constexpr int kBatch = 8;
constexpr std::int64_t kAbsent = -1;  // A read that found nothing.
constexpr std::int64_t kInitial = -2; // The write id of the initial state.

std::size_t Weigh(const std::string& k, const std::string& v) { return k.size() + v.size() + 32; }
std::string Key(int k) { return absl::StrCat("k", k); }
// A value names its write: "<key>=<id>#" plus padding that varies the charge.
std::string Value(int k, std::int64_t id) {
  std::string v = absl::StrCat(Key(k), "=", id, "#");
  v.append(static_cast<std::size_t>(id % 40), 'p');
  return v;
}

struct Write {
  std::int64_t id;  // >= 0: a value; < 0: an Erase or the initial state.
  std::uint64_t start, end;
};
struct Read {
  int key;
  std::int64_t id;  // the write whose value was read, or kAbsent
  std::uint64_t start, end;
  std::string raw;  // what was read, for messages
};
struct Log {
  std::vector<std::pair<int, Write>> writes;
  std::vector<Read> reads;
  absl::flat_hash_set<std::int64_t> phantoms;  // batch entries never stored
  std::uint64_t gets = 0;
};

// The id in a value read for key `k`, or -3 if it is not a value of `k`.
std::int64_t IdOf(int k, const std::string& v) {
  const std::string prefix = Key(k) + "=";
  const auto hash = v.find('#');
  std::int64_t id = 0;
  if (v.rfind(prefix, 0) != 0 || hash == std::string::npos ||
      !absl::SimpleAtoi(v.substr(prefix.size(), hash - prefix.size()), &id) || id < 0 ||
      v != Value(k, id)) {
    return -3;
  }
  return id;
}

struct Config {
  std::size_t l1_big, l1_small, l2_big, l2_small;
  bool strict;  // L1 holds every key: nothing is evicted, absence must be explained
};

class History {
 public:
  explicit History(std::vector<Log> logs) {
    for (Log& log : logs) {
      for (auto& [k, w] : log.writes) by_key_[k].push_back(w);
      for (Read& r : log.reads) reads_.push_back(std::move(r));
      phantoms_.merge(log.phantoms);
    }
    for (int k = 0; k < kKeys; ++k) by_key_[k].push_back(Write{kInitial, 0, 0});
    for (auto& [k, ws] : by_key_) {
      for (const Write& w : ws) {
        if (w.id >= 0) ids_[k][w.id] = w;
      }
    }
  }

  // An empty string if `r` is allowed by the rules in the file comment.
  std::string Check(const Read& r, bool strict) const {
    const std::vector<Write>& ws = by_key_.at(r.key);
    // Whether `w` may be the latest write of the key when `r` takes effect.
    auto may_be_latest = [&](const Write& w) {
      if (w.start >= r.end) return false;
      return std::none_of(ws.begin(), ws.end(), [&](const Write& o) {
        return o.start > w.end && o.end < r.start;
      });
    };
    if (r.id == kAbsent) {
      if (!strict) return "";  // evicted: allowed
      for (const Write& w : ws) {
        if (w.id < 0 && may_be_latest(w)) return "";
      }
      return absl::StrCat(Key(r.key), ": read nothing at [", r.start, ",", r.end,
                          "] though a value must be there (lost)");
    }
    if (r.id < 0) return absl::StrCat(Key(r.key), ": foreign value '", r.raw, "'");
    if (phantoms_.contains(r.id)) {
      return absl::StrCat(Key(r.key), ": read '", r.raw,
                          "', a batch entry superseded in its own batch");
    }
    auto it = ids_.find(r.key);
    if (it == ids_.end() || !it->second.contains(r.id)) {
      return absl::StrCat(Key(r.key), ": read '", r.raw, "', never written");
    }
    const Write& w = it->second.at(r.id);
    if (!may_be_latest(w)) {
      return absl::StrCat(Key(r.key), ": read '", r.raw, "' (written [", w.start, ",", w.end,
                          "]) at [", r.start, ",", r.end, "]: stale or from the future");
    }
    return "";
  }

  const std::vector<Read>& reads() const { return reads_; }

 private:
  absl::flat_hash_map<int, std::vector<Write>> by_key_;
  absl::flat_hash_map<int, absl::flat_hash_map<std::int64_t, Write>> ids_;
  std::vector<Read> reads_;
  absl::flat_hash_set<std::int64_t> phantoms_;
};

void RunRace(const Config& cfg) {
  StringCache::Options o;
  o.l1_capacity = cfg.l1_big;
  o.l2_capacity = cfg.l2_big;
  o.shard_bits = 1;
  o.weigher = Weigh;
  auto created = StringCache::Create(o);
  ASSERT_TRUE(created.ok()) << created.status();
  StringCache& c = **created;

  std::atomic<std::uint64_t> clock{1};
  auto tick = [&clock] { return clock.fetch_add(1, std::memory_order_seq_cst); };
  std::atomic<int> bound_failures{0};
  auto check_bounds = [&] {
    const TieredStats st = c.Stats();
    if ((st.l1.bytes > cfg.l1_big || st.l2.bytes > cfg.l2_big) &&
        bound_failures.fetch_add(1) < 5) {
      ADD_FAILURE() << "L1 bytes " << st.l1.bytes << " (max " << cfg.l1_big << "), L2 bytes "
                    << st.l2.bytes << " (max " << cfg.l2_big << ")";
    }
  };

  std::vector<Log> logs(kThreads);
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Log& log = logs[t];
      std::uint64_t rng = 0x9E3779B97F4A7C15ull * (t + 1);
      auto next = [&rng] {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        return rng;
      };
      std::int64_t serial = 0;
      auto new_id = [&] { return std::int64_t{t} * 10'000'000 + serial++; };
      // Skewed keys: half the picks among the first 8, so races are frequent.
      auto pick = [&] {
        const std::uint64_t x = next();
        return static_cast<int>((x & 1) ? (x >> 8) % 8 : (x >> 8) % kKeys);
      };
      for (int r = 0; r < kRounds; ++r) {
        const std::uint64_t what = next() % 10;
        if (what < 2) {
          const int k = pick();
          const std::int64_t id = new_id();
          const std::uint64_t start = tick();
          const absl::Status st = c.Put(Key(k), Value(k, id));
          const std::uint64_t end = tick();
          EXPECT_TRUE(st.ok()) << st;
          log.writes.push_back({k, Write{id, start, end}});
        } else if (what < 4) {
          const int k = pick();
          const std::uint64_t start = tick();
          c.Erase(Key(k));
          const std::uint64_t end = tick();
          log.writes.push_back({k, Write{-3 - new_id(), start, end}});
        } else if (what < 7) {
          std::vector<std::pair<std::string, std::string>> batch;
          std::vector<std::pair<int, std::int64_t>> entries;
          for (int i = 0; i < kBatch; ++i) {
            const int k = pick();
            entries.emplace_back(k, new_id());
            batch.emplace_back(Key(k), Value(k, entries.back().second));
          }
          const std::uint64_t start = tick();
          const absl::Status st = c.PutBatch(batch);
          const std::uint64_t end = tick();
          EXPECT_TRUE(st.ok()) << st;
          for (int i = 0; i < kBatch; ++i) {
            const auto [k, id] = entries[i];
            const bool last = std::none_of(entries.begin() + i + 1, entries.end(),
                                           [k = k](const auto& e) { return e.first == k; });
            if (last) {
              log.writes.push_back({k, Write{id, start, end}});
            } else {
              log.phantoms.insert(id);
            }
          }
        } else {
          const int k = pick();
          const std::uint64_t start = tick();
          StringCache::ValuePtr v = c.Get(Key(k));
          const std::uint64_t end = tick();
          ++log.gets;
          log.reads.push_back(Read{k, v == nullptr ? kAbsent : IdOf(k, *v), start, end,
                                   v == nullptr ? "" : *v});
        }
        if (r % 64 == 0) check_bounds();
      }
    });
  }
  // Capacity changes while the race runs (demotions, L2 evictions).
  std::thread resizer([&] {
    bool small = false;
    while (!done.load(std::memory_order_acquire)) {
      small = !small;
      EXPECT_TRUE(c.SetTierCapacity(Tier::kL1, small ? cfg.l1_small : cfg.l1_big).ok());
      EXPECT_TRUE(c.SetTierCapacity(Tier::kL2, small ? cfg.l2_small : cfg.l2_big).ok());
      check_bounds();
      std::this_thread::yield();
    }
  });
  for (auto& th : threads) th.join();
  done.store(true, std::memory_order_release);
  resizer.join();

  // Quiescent: shrink to the small capacities, then check the stats.
  ASSERT_TRUE(c.SetTierCapacity(Tier::kL1, cfg.l1_small).ok());
  ASSERT_TRUE(c.SetTierCapacity(Tier::kL2, cfg.l2_small).ok());
  TieredStats st = c.Stats();
  EXPECT_LE(st.l1.bytes, cfg.l1_small);
  EXPECT_LE(st.l2.bytes, cfg.l2_small);
  EXPECT_EQ(st.l1.evictions, st.l1.demotions + st.l1.demotions_dropped)
      << "every L1 victim is demoted or dropped";
  std::uint64_t gets = 0;
  for (const Log& log : logs) gets += log.gets;
  EXPECT_EQ(st.l1.hits + st.l1.misses, gets);
  EXPECT_LE(st.l2.hits + st.l2.misses, st.l1.misses);
  EXPECT_LE(st.l2.promotions, st.l2.hits);
  if (cfg.strict) {
    EXPECT_EQ(st.l1.evictions, 0u) << "the strict config must not evict";
  } else {
    EXPECT_GT(st.l1.demotions, 0u) << "the race should exercise demotion";
  }

  // Sweep: grow L1 so no promotion evicts, then read every key once.
  const std::uint64_t resident = st.l1.entries + st.l2.entries;
  ASSERT_TRUE(c.SetTierCapacity(Tier::kL1, std::size_t{1} << 20).ok());
  Log sweep;
  std::uint64_t found = 0, charge = 0;
  for (int k = 0; k < kKeys; ++k) {
    const std::uint64_t start = tick();
    StringCache::ValuePtr v = c.Get(Key(k));
    const std::uint64_t end = tick();
    if (v != nullptr) ++found, charge += Weigh(Key(k), *v);
    sweep.reads.push_back(
        Read{k, v == nullptr ? kAbsent : IdOf(k, *v), start, end, v == nullptr ? "" : *v});
  }
  st = c.Stats();
  EXPECT_EQ(resident, found) << "L1 + L2 entries must be the keys found, each in one tier";
  EXPECT_EQ(st.l2.entries, 0u) << "every L2 entry was promoted by the sweep";
  EXPECT_EQ(st.l1.entries, found);
  EXPECT_EQ(st.l1.bytes, charge);
  logs.push_back(std::move(sweep));

  const History history(std::move(logs));
  int failures = 0;
  for (const Read& r : history.reads()) {
    const std::string why = history.Check(r, cfg.strict);
    if (!why.empty() && ++failures <= 10) ADD_FAILURE() << why;
  }
  EXPECT_EQ(failures, 0) << "of " << history.reads().size() << " reads";
}

// L1 holds every key (so a missing value is a bug, not an eviction); L2 is
// exercised only through the capacity changes, which never go below the keys'
// total charge.
TEST(TieredCacheBatchMemoryConcurrencyTest, StrictNoEviction) {
  RunRace(Config{.l1_big = 64 << 10, .l1_small = 32 << 10, .l2_big = 16 << 10,
                 .l2_small = 8 << 10, .strict = true});
}

// L1 and L2 far smaller than the keys' total charge, resized while running:
// victims move to L2 and out of memory; no read may be stale.
TEST(TieredCacheBatchMemoryConcurrencyTest, UnderEvictionAndResizing) {
  RunRace(Config{.l1_big = 2400, .l1_small = 1200, .l2_big = 1600, .l2_small = 800,
                 .strict = false});
}

}  // namespace
}  // namespace adaptrt::cache
