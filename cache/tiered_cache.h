// tiered_cache.h: TieredCache<K, V>, a cache in three tiers.
//
//   L1  in memory, a Cache<K, V> with its own policy and byte capacity.
//   L2  in memory, a second Cache<K, V>, exclusive of L1: an L1 victim moves
//       to L2 (demotion), an L2 hit moves back to L1 (promotion).
//   L3  optional, persistent: a RocksDB database in a directory the user
//       names (cache/internal/persistent_store.h), written through on every
//       Put, so a restarted process finds its entries. An L3 hit is copied to
//       L1. Keys and values are stored with a serializer (cache/serializer.h).
//
// Thread-safety: thread-safe. An L1 hit costs what Cache::Get costs (no lock
//                of ours). Put, Erase, an L1 miss and a demotion lock the key's
//                stripe (one of kStripes mutexes, chosen by key hash), so all
//                tier movements of one key are serialized and a value read is
//                always the latest written for that key (or none, if it was
//                evicted from every tier). A demotion whose stripe is busy
//                is dropped (counted in TierStats::demotions_dropped) rather
//                than waited for, so no lock order can deadlock.
// Complexity:    Get: L1 hit O(1); miss adds an L2 lookup and, with L3, one
//                RocksDB point read. ScanL3: one RocksDB iterator seek plus
//                O(matching entries). Put: O(1) expected plus evictions and,
//                with L3, one RocksDB write (synchronous, no fsync).
//                PutBatch: the same per entry but ONE RocksDB write for all
//                (the way to fill L3 with many small entries).
// Ownership:     Get returns std::shared_ptr<const V> that stays valid after
//                the entry is evicted, moved between tiers or overwritten.
//                The TieredCache owns its tiers and the L3 database handle.
// Errors:        Create validates its options (zero capacities, a bad L3
//                capacity, no serializer for an L3). A Put of an entry larger
//                than what L1 (or L3) accepts returns InvalidArgument and
//                removes any older value of the key from every tier. L3
//                failures never fail the cache: an L3 that cannot be opened
//                (unwritable or corrupt directory) leaves the cache running
//                without L3, and L3 read errors count as misses; both
//                are reported in Stats().l3 (errors, and l3_status holding
//                the first error, set once). Options::l3_required makes Create
//                fail instead. The first failed L3 write (disk full, I/O
//                error) takes L3 out of service for the cache's life (it may
//                hold a stale value of that key, so it is never read again;
//                persistent_store.h): one error counted, l3_status names the
//                cause, l3_enabled turns false, memory tiers keep serving, and
//                the next process discards the stale database at Create.
//                Damage repaired at Create (corrupt records dropped, a stale
//                database discarded) is reported the same way, L3 running.
//
// What it is not: L3 is not a transaction log. Writes are not fsynced (a
// machine crash may lose the last ones), and a Put that fails on L3 with an
// I/O error is still served from memory.
//
// Design notes (invariants, lock order) are at the top of the implementation
// section below.

#ifndef ADAPTRT_CACHE_TIERED_CACHE_H_
#define ADAPTRT_CACHE_TIERED_CACHE_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cache/cache.h"
#include "cache/internal/persistent_store.h"
#include "cache/internal/tier_calls.h"
#include "cache/options.h"
#include "cache/serializer.h"

namespace adaptrt::cache {

enum class Tier { kL1 = 1, kL2 = 2, kL3 = 3 };

// "L1", "L2", "L3".
inline const char* TierName(Tier tier) {
  switch (tier) {
    case Tier::kL1:
      return "L1";
    case Tier::kL2:
      return "L2";
    case Tier::kL3:
      return "L3";
  }
  return "?";
}

struct TierStats {
  std::uint64_t hits = 0;       // Lookups this tier answered.
  std::uint64_t misses = 0;     // Lookups that reached this tier and missed.
  std::uint64_t bytes = 0;      // Charge of resident entries.
  std::uint64_t entries = 0;    // Resident entries.
  std::uint64_t capacity = 0;   // Byte capacity.
  std::uint64_t promotions = 0; // Hits of this tier moved (L2) or copied (L3) to L1.
  std::uint64_t demotions = 0;  // L1 only: victims moved to L2.
  std::uint64_t demotions_dropped = 0;  // L1 only: victims not moved (see header).
  std::uint64_t evictions = 0;  // Removed by capacity from this tier.
  std::uint64_t errors = 0;     // L3 only: failed reads/writes, corrupt records.
};

struct TieredStats {
  TierStats l1, l2, l3;
  bool l3_enabled = false;
  // OK while L3 works or was never configured; otherwise the first L3 error
  // (the one that disabled it at Create, or the first at run time).
  absl::Status l3_status;
};

template <typename K, typename V>
struct TieredCacheOptions {
  // L1 byte capacity. Must be > 0. Changes at run time (SetTierCapacity).
  std::size_t l1_capacity = std::size_t{32} << 20;
  // L1 policy. Fixed.
  PolicyKind l1_policy = PolicyKind::kLru;
  // L2 byte capacity. Must be > 0. Changes at run time (SetTierCapacity).
  std::size_t l2_capacity = std::size_t{128} << 20;
  // L2 policy. Fixed.
  PolicyKind l2_policy = PolicyKind::kLru;
  // log2 of the shard count of L1 and L2 (see CacheOptions::shard_bits);
  // -1 picks it from each capacity. Fixed.
  int shard_bits = -1;
  // L3 directory; empty (default) means no L3. Fixed.
  std::string l3_directory;
  // L3 byte bound (see persistent_store.h). Must be > 0 with an L3.
  // Changes at run time (SetTierCapacity).
  std::uint64_t l3_capacity = std::uint64_t{1} << 30;
  // Largest L3 record (key + value + 24-byte header). Must be > 0. Fixed.
  std::uint64_t l3_max_entry_bytes = std::uint64_t{16} << 20;
  // true: Create fails if the L3 cannot be opened. false (default): the
  // cache runs without L3 and reports why in Stats().l3_status. Fixed.
  bool l3_required = false;
  // Charge of an entry in L1 and L2. Null: key + value bytes (as Cache's
  // default weigher counts them) + per-entry overhead. Fixed.
  std::function<std::size_t(const K& key, const V& value)> weigher;
  // TTL of entries put without one. Infinite (default): none. Fixed.
  absl::Duration default_ttl = absl::InfiniteDuration();
  // Monotonic time source for L1/L2 expiry. Null: Clock::Steady(). Must
  // outlive the cache. Fixed.
  const Clock* clock = nullptr;
  // Wall-clock time source for L3 expiry (stored in records, so it must be
  // wall time to survive a restart). Null: absl::Now. Fixed.
  std::function<absl::Time()> l3_clock;
  // RocksDB Env of the L3 (persistent_store.h). Null: the default. Must
  // outlive the cache. Fault-injection tests pass one that fails. Fixed.
  rocksdb::Env* l3_env = nullptr;
};

template <typename K, typename V, typename KeySerializer = Serializer<K>,
          typename ValueSerializer = Serializer<V>>
class TieredCache {
 public:
  using Options = TieredCacheOptions<K, V>;
  using ValuePtr = std::shared_ptr<const V>;

  // Whether this instantiation can have an L3 (serializers for K and V).
  static constexpr bool kSerializable =
      SerializerFor<KeySerializer, K> && SerializerFor<ValueSerializer, V>;

  // Validates `options`, builds L1 and L2, and opens L3 if configured.
  // Errors: InvalidArgument for a zero L1/L2 capacity, bad shard_bits, a zero
  // L3 capacity or max entry size, an L3 without serializers; with
  // l3_required, the L3's own error (FailedPrecondition for an unusable
  // directory, DataLoss for a corrupt database).
  static absl::StatusOr<std::unique_ptr<TieredCache>> Create(Options options);

  TieredCache(const TieredCache&) = delete;
  TieredCache& operator=(const TieredCache&) = delete;
  ~TieredCache() = default;

  // The value of `key` from the highest tier holding it, or null. An L2 hit
  // moves the entry to L1; an L3 hit copies it to L1.
  ValuePtr Get(const K& key);

  // The bulk read of L3: calls `fn(key, value)` for every unexpired L3 entry
  // whose serialized key starts with `key_prefix` (bytes as KeySerializer
  // writes them; for std::string keys, the key's own bytes), in serialized
  // key order, with one RocksDB iterator instead of one point read per key
  // (PersistentStore::ScanPrefix). For a caller about to Get many keys that
  // share a prefix and are likely in L3 only (a new process). It reads L3
  // alone: L1 and L2 are neither consulted nor filled, nothing is promoted,
  // and hits and misses are not counted (the caller knows which values it
  // uses). While no write of a key is in flight, L3 holds that key's latest
  // value (write-through), so that is what `fn` sees; a key written during
  // the scan may be reported with its previous or its new value. Entries
  // whose key or value does not deserialize are skipped (counted in
  // Stats().l3.errors). `fn` runs with no lock of ours held and may use the
  // cache.
  // Returns the number of entries passed to `fn`. Errors: FailedPrecondition
  // without a usable L3 (none configured, or out of service); a read error
  // from the store (also reported in Stats()), after `fn` saw the entries
  // read before it.
  absl::StatusOr<std::uint64_t> ScanL3(std::string_view key_prefix,
                                       absl::FunctionRef<void(K key, V value)> fn);

  // Inserts or overwrites `key` in L1 (removing it from L2) and, with an L3,
  // writes it through. `ttl` defaults to Options::default_ttl.
  // Errors: InvalidArgument if the entry's charge exceeds L1's largest entry
  // (L1 capacity / shards) or the record exceeds the L3's limits; the key
  // then has no value in any tier.
  absl::Status Put(const K& key, V value) {
    return Put(key, std::move(value), options_.default_ttl);
  }
  absl::Status Put(const K& key, V value, absl::Duration ttl);

  // Puts every (key, value) as Put does, except that the L3 records of the
  // whole batch go to L3 first, in one atomic RocksDB write
  // (PersistentStore::PutBatch), and then each entry enters L1 under its
  // stripe. A key written, erased or promoted by another call while the
  // batch runs keeps that call's outcome: its memory value (if any) is
  // rewritten to L3, else its L3 record is removed. Entries are taken in
  // order; for a key present twice the later one wins.
  // Errors: InvalidArgument (the first one) for entries Put would refuse;
  // those keys then have no value in any tier, the other entries are stored.
  // L3 I/O errors are reported in Stats() and the values kept in memory, as
  // with Put.
  absl::Status PutBatch(std::span<const std::pair<K, V>> entries) {
    return PutBatch(entries, options_.default_ttl);
  }
  absl::Status PutBatch(std::span<const std::pair<K, V>> entries, absl::Duration ttl);

  // Removes `key` from every tier. Returns whether a memory tier held it.
  bool Erase(const K& key);

  // The value of `key`; on a miss in every tier, calls `fn` (returning V or
  // absl::StatusOr<V>) once for all concurrent callers of this key, stores
  // the result as Put does and returns it. `fn` runs with no lock held and
  // may use the cache (but must not wait for `key` itself). If the key is
  // written or erased while `fn` runs, that write wins: the computed value is
  // returned but not stored.
  // Errors: the status `fn` returned (to every waiter). If `fn` throws, the
  // exception propagates to its caller and the waiters get Aborted.
  template <typename Fn>
  absl::StatusOr<ValuePtr> GetOrCompute(const K& key, Fn&& fn) {
    return GetOrCompute(key, std::forward<Fn>(fn), options_.default_ttl);
  }
  template <typename Fn>
  absl::StatusOr<ValuePtr> GetOrCompute(const K& key, Fn&& fn, absl::Duration ttl);

  // Changes one tier's byte capacity at run time; shrinking L1 demotes its
  // victims to L2.
  // Errors: InvalidArgument for 0; FailedPrecondition for kL3 without an L3.
  absl::Status SetTierCapacity(Tier tier, std::uint64_t bytes);

  // Per-tier counters, read without stopping traffic.
  TieredStats Stats() const;

  // False without an L3 and once L3 went out of service (see Errors).
  bool l3_enabled() const { return L3Usable(); }
  // The largest charge Put accepts (L1's largest entry).
  std::size_t max_entry_charge() const { return l1_->max_entry_charge(); }

 private:
  // What L1 and L2 hold: the value, the version of the write that produced
  // it (a global counter; later writes have larger versions) and its expiry
  // on options_.clock (0: never), so a demotion keeps the remaining TTL.
  struct Slot {
    V value;
    std::uint64_t version = 0;
    std::int64_t expire_ns = 0;
  };
  using TierCache = Cache<K, Slot>;
  using SlotPtr = std::shared_ptr<const Slot>;

  // The last write (Put, Erase, L3 promotion) of a key, kept while a victim
  // that predates it may still be in flight (see tier_calls.h).
  struct WriteRecord {
    std::uint64_t version;  // the key's latest write (0: none recorded)
    cache_internal::TierCalls::Ticket ticket;
    // The version of the latest L3 copy-back (PutBatch making L3 agree with
    // memory after a race; 0: none since the last write): an L3 write that
    // no memory write accompanies, which a batch whose own L3 write is in
    // flight must see (it rewrites L3 after its memory write).
    std::uint64_t l3_copy_back = 0;
  };
  struct Flight {
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;  // Guarded by mu.
    absl::StatusOr<ValuePtr> result = absl::UnknownError("not computed");
  };
  struct alignas(64) Stripe {
    std::mutex mu;
    absl::flat_hash_map<K, WriteRecord> writes ABSL_GUARDED_BY(mu);
    absl::flat_hash_map<K, std::shared_ptr<Flight>> flights ABSL_GUARDED_BY(mu);
    std::size_t prune_at ABSL_GUARDED_BY(mu) = kMinPruneAt;
  };
  static constexpr std::size_t kStripes = 256;
  static constexpr std::size_t kMinPruneAt = 16;

  // Locks a stripe and marks it as held by this thread (so the eviction
  // listener, which runs inside L1 calls on this thread, knows it).
  class StripeLock {
   public:
    explicit StripeLock(Stripe& s) : lock_(s.mu), prev_(held_) { held_ = &s; }
    StripeLock(const StripeLock&) = delete;
    StripeLock& operator=(const StripeLock&) = delete;
    ~StripeLock() { held_ = prev_; }

   private:
    std::unique_lock<std::mutex> lock_;
    Stripe* const prev_;
  };
  static inline thread_local Stripe* held_ = nullptr;

  struct Counters {
    std::atomic<std::uint64_t> hits{0}, misses{0}, promotions{0}, demotions{0},
        demotions_dropped{0}, errors{0};
  };

  explicit TieredCache(Options options) : options_(std::move(options)) {}

  const Clock& clock() const {
    return options_.clock != nullptr ? *options_.clock : *Clock::Steady();
  }
  absl::Time WallNow() const {
    return options_.l3_clock ? options_.l3_clock() : absl::Now();
  }
  Stripe& StripeFor(const K& key) {
    const std::size_t h = absl::Hash<K>{}(key);
    return stripes_[(h ^ (h >> 29)) % kStripes];
  }
  static ValuePtr ValueOf(SlotPtr slot) {
    const V* v = &slot->value;
    return ValuePtr(std::move(slot), v);
  }
  static void Count(std::atomic<std::uint64_t>& c) {
    c.fetch_add(1, std::memory_order_relaxed);
  }
  std::int64_t ExpireNanos(absl::Duration ttl) const {
    if (ttl == absl::InfiniteDuration()) return 0;
    const std::int64_t at = clock().NowNanos() + absl::ToInt64Nanoseconds(ttl);
    return at == 0 ? 1 : at;
  }
  // Remaining TTL of a slot; zero or negative means expired.
  absl::Duration Remaining(const Slot& slot) const {
    if (slot.expire_ns == 0) return absl::InfiniteDuration();
    return absl::Nanoseconds(slot.expire_ns - clock().NowNanos());
  }
  // An L3 is configured, opened and in service.
  bool L3Usable() const { return store_ != nullptr && !store_->out_of_service(); }
  std::string KeyBytes(const K& key) const {
    std::string out;
    if constexpr (kSerializable) KeySerializer::Serialize(key, &out);
    return out;
  }
  void ReportL3Error(const absl::Status& status);
  // Removes `key` from L1, L2 and (if usable) L3; an L3 failure is reported.
  // Returns whether L1 or L2 held it. REQUIRES: the key's stripe is held.
  bool EraseEverywhereLocked(const K& key);
  void RecordWriteLocked(Stripe& s, const K& key, std::uint64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  // Records that PutBatch copied memory's outcome for `key` to L3.
  void RecordL3CopyBackLocked(Stripe& s, const K& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  // Drops write records no call in flight can need, once there are many.
  void PruneWritesLocked(Stripe& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  void Demote(const K& key, const SlotPtr& slot);
  // Under the key's stripe: puts `slot` into L1 (removing L2's copy).
  absl::Status InsertLocked(Stripe& s, const K& key, Slot slot, absl::Duration ttl)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  // Under the key's stripe: the write-through to L3. Returns InvalidArgument
  // for a record L3 refuses; I/O errors are reported and swallowed.
  absl::Status WriteL3Locked(Stripe& s, const K& key, const V& value, absl::Duration ttl)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  // Under the key's stripe: the value from L2 (moved to L1) or L3 (copied).
  ValuePtr LookupLowerLocked(Stripe& s, const K& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  absl::Status StoreComputed(const K& key, const V& value, absl::Duration ttl,
                             std::uint64_t start_version);

  const Options options_;
  std::unique_ptr<TierCache> l1_;
  std::unique_ptr<TierCache> l2_;
  std::unique_ptr<cache_internal::PersistentStore> store_;
  cache_internal::TierCalls calls_;
  std::atomic<std::uint64_t> next_version_{0};
  std::array<Stripe, kStripes> stripes_;
  Counters c1_, c2_, c3_;
  mutable std::mutex l3_status_mu_;
  absl::Status l3_status_ ABSL_GUARDED_BY(l3_status_mu_);
};

// ---------------------------------------------------------------------------
// Implementation.
//
// Invariants, for each key k, whenever k's stripe lock is free:
//   - k is in at most one of L1 and L2 (exclusive tiers).
//   - The copy in L1 or L2, if any, holds the latest value written for k
//     (largest version); with an L3, L3 holds that value too (write-through),
//     unless an L3 write failed (counted in l3 errors). PutBatch writes L3
//     for all its keys first, so while it runs L3 may hold a batch value of k
//     that memory does not hold yet: the batch's write of k takes effect when
//     k enters L1 under its stripe, and if another call wrote k in between
//     (a version above the batch's start version, read after passing
//     through k's stripe so that no older write is still in flight),
//     PutBatch copies memory's outcome back to L3 (or removes k from L3)
//     and records that copy-back in stripe.writes[k]: a second batch whose
//     own L3 write of k landed before that copy-back, and which has not
//     stored k in memory yet, finds the record when it does (a copy-back
//     after its start) and writes its value to L3 again.
//   - stripe.writes[k], if present, has the version of k's latest write; it
//     is kept at least until no call that could carry an older victim of k
//     is in flight (TierCalls tickets), then pruned.
// Every mutation of k's tier placement (Put, Erase, promotion, storing a
// computed value) runs under k's stripe lock. Demotion is the one movement
// that starts outside it: L1 evicts a victim under its shard lock and calls
// our listener after releasing it, inside the Put/promotion/SetCapacity call
// that caused the eviction. The listener then takes the victim's stripe with
// try_lock (or uses it if this thread already holds it) and demotes only if
// no newer write of the key exists (stripe.writes), and L1 holds no copy.
// A demotion that would have to wait is dropped: never blocking while
// holding a stripe rules out lock-order deadlocks.
// Lock order: stripe mu (one blocking; others only by try_lock) -> Cache's
// shard locks -> PersistentStore's mutex; TierCalls' and l3_status_mu_ are
// leaves. No user code (fn, weigher) runs under a stripe lock, except the
// weigher, which Cache calls inside Put (it must not use this cache).
// Atomics: counters are relaxed (statistics); next_version_ is a relaxed
// fetch_add whose results are only compared under stripe locks (the lock
// orders them).
// ---------------------------------------------------------------------------

template <typename K, typename V, typename KS, typename VS>
absl::StatusOr<std::unique_ptr<TieredCache<K, V, KS, VS>>>
TieredCache<K, V, KS, VS>::Create(Options options) {
  if (options.l1_capacity == 0) {
    return absl::InvalidArgumentError("TieredCache: l1_capacity must be > 0");
  }
  if (options.l2_capacity == 0) {
    return absl::InvalidArgumentError("TieredCache: l2_capacity must be > 0");
  }
  const bool want_l3 = !options.l3_directory.empty();
  if (want_l3) {
    if (options.l3_capacity == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TieredCache: L3 at '", options.l3_directory, "': l3_capacity must be > 0"));
    }
    if (options.l3_max_entry_bytes == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TieredCache: L3 at '", options.l3_directory, "': l3_max_entry_bytes must be > 0"));
    }
    if (!kSerializable) {
      return absl::InvalidArgumentError(
          "TieredCache: an L3 needs serializers for K and V (see cache/serializer.h)");
    }
  }
  std::unique_ptr<TieredCache> tc(new TieredCache(std::move(options)));
  const Options& o = tc->options_;
  auto weigher = [user = o.weigher](const K& key, const Slot& slot) -> std::size_t {
    if (user) return user(key, slot.value);
    return DefaultByteSize(key) + DefaultByteSize(slot.value) +
           TierCache::kEntryOverheadBytes + sizeof(Slot) - sizeof(V);
  };
  typename TierCache::Options c1;
  c1.capacity = o.l1_capacity;
  c1.policy = o.l1_policy;
  c1.shard_bits = o.shard_bits;
  c1.weigher = weigher;
  c1.clock = o.clock;
  TieredCache* self = tc.get();
  c1.eviction_listener = [self](const K& key, const SlotPtr& slot, std::size_t) {
    self->Demote(key, slot);
  };
  typename TierCache::Options c2 = c1;
  c2.capacity = o.l2_capacity;
  c2.policy = o.l2_policy;
  c2.eviction_listener = nullptr;  // L2 victims leave memory (L3 has them).
  auto l1 = TierCache::Create(std::move(c1));
  if (!l1.ok()) return absl::InvalidArgumentError(absl::StrCat("TieredCache: L1: ", l1.status().message()));
  auto l2 = TierCache::Create(std::move(c2));
  if (!l2.ok()) return absl::InvalidArgumentError(absl::StrCat("TieredCache: L2: ", l2.status().message()));
  tc->l1_ = std::move(*l1);
  tc->l2_ = std::move(*l2);
  if (want_l3) {
    cache_internal::PersistentStoreOptions so;
    so.directory = o.l3_directory;
    so.capacity_bytes = o.l3_capacity;
    so.max_entry_bytes = o.l3_max_entry_bytes;
    so.clock = o.l3_clock;
    so.env = o.l3_env;
    auto store = cache_internal::PersistentStore::Open(so);
    if (store.ok()) {
      tc->store_ = std::move(*store);
      // Damage found and repaired at open is reported like a run-time error
      // (the cache works; l3_status says what was lost).
      const cache_internal::PersistentStoreStats ps = tc->store_->Stats();
      if (ps.discarded_at_open) {
        tc->ReportL3Error(absl::DataLossError(absl::StrCat(
            "L3 at '", o.l3_directory, "': discarded the database of a process whose L3 "
            "write failed (its records could be stale); L3 starts empty")));
      } else if (ps.corrupt_records > 0) {
        tc->ReportL3Error(absl::DataLossError(absl::StrCat(
            "L3 at '", o.l3_directory, "': ", ps.corrupt_records,
            " corrupt records found and removed at open")));
      }
    } else if (o.l3_required) {
      return store.status();
    } else {
      tc->ReportL3Error(store.status());
    }
  }
  return tc;
}

template <typename K, typename V, typename KS, typename VS>
void TieredCache<K, V, KS, VS>::ReportL3Error(const absl::Status& status) {
  Count(c3_.errors);
  std::lock_guard<std::mutex> lock(l3_status_mu_);
  if (l3_status_.ok()) l3_status_ = status;
}

template <typename K, typename V, typename KS, typename VS>
bool TieredCache<K, V, KS, VS>::EraseEverywhereLocked(const K& key) {
  const bool in1 = l1_->Erase(key);
  const bool in2 = l2_->Erase(key);
  if (L3Usable()) {
    if (absl::Status e = store_->Erase(KeyBytes(key)); !e.ok()) ReportL3Error(e);
  }
  return in1 || in2;
}

template <typename K, typename V, typename KS, typename VS>
void TieredCache<K, V, KS, VS>::RecordWriteLocked(Stripe& s, const K& key,
                                                  std::uint64_t version) {
  s.writes.insert_or_assign(key, WriteRecord{version, calls_.LastTicket()});
  PruneWritesLocked(s);
}

template <typename K, typename V, typename KS, typename VS>
void TieredCache<K, V, KS, VS>::RecordL3CopyBackLocked(Stripe& s, const K& key) {
  WriteRecord& record = s.writes.try_emplace(key, WriteRecord{0, 0}).first->second;
  record.ticket = calls_.LastTicket();
  record.l3_copy_back = next_version_.fetch_add(1, std::memory_order_relaxed) + 1;
  PruneWritesLocked(s);  // keeps `record`: its ticket is not below any active call's
}

template <typename K, typename V, typename KS, typename VS>
void TieredCache<K, V, KS, VS>::PruneWritesLocked(Stripe& s) {
  if (s.writes.size() < s.prune_at) return;
  const cache_internal::TierCalls::Ticket min_active = calls_.MinActive();
  absl::erase_if(s.writes, [min_active](const auto& kv) {
    return kv.second.ticket < min_active;
  });
  s.prune_at = std::max(kMinPruneAt, 2 * s.writes.size());
}

template <typename K, typename V, typename KS, typename VS>
void TieredCache<K, V, KS, VS>::Demote(const K& key, const SlotPtr& slot)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {  // try_lock, or held by this thread.
  Stripe& s = StripeFor(key);
  std::unique_lock<std::mutex> lock;
  if (&s != held_) {
    lock = std::unique_lock<std::mutex>(s.mu, std::try_to_lock);
    if (!lock.owns_lock()) {
      Count(c1_.demotions_dropped);
      return;
    }
  }
  // Held by this thread either way.
  auto w = s.writes.find(key);
  if ((w != s.writes.end() && w->second.version > slot->version) || l1_->Contains(key)) {
    Count(c1_.demotions_dropped);  // Superseded by a newer write.
    return;
  }
  const absl::Duration ttl = Remaining(*slot);
  if (ttl <= absl::ZeroDuration()) return;  // Expired: nothing to keep.
  if (l2_->Put(key, *slot, ttl).ok()) {
    Count(c1_.demotions);
  } else {
    Count(c1_.demotions_dropped);  // Larger than an L2 shard.
  }
}

template <typename K, typename V, typename KS, typename VS>
absl::Status TieredCache<K, V, KS, VS>::InsertLocked(Stripe& s, const K& key, Slot slot,
                                                     absl::Duration ttl) {
  (void)s;
  absl::Status status;
  {
    cache_internal::TierCalls::Scope call(calls_);
    status = l1_->Put(key, std::move(slot), ttl);
  }
  l2_->Erase(key);
  return status;
}

template <typename K, typename V, typename KS, typename VS>
absl::Status TieredCache<K, V, KS, VS>::WriteL3Locked(Stripe& s, const K& key, const V& value,
                                                      absl::Duration ttl) {
  (void)s;
  if constexpr (kSerializable) {
    if (!L3Usable()) return absl::OkStatus();
    std::string vbytes;
    VS::Serialize(value, &vbytes);
    const absl::Time expiry =
        ttl == absl::InfiniteDuration() ? absl::InfiniteFuture() : WallNow() + ttl;
    absl::Status st = store_->Put(KeyBytes(key), vbytes, expiry);
    if (st.code() == absl::StatusCode::kInvalidArgument) return st;
    if (!st.ok()) ReportL3Error(st);
  } else {
    (void)key, (void)value, (void)ttl;
  }
  return absl::OkStatus();
}

template <typename K, typename V, typename KS, typename VS>
absl::Status TieredCache<K, V, KS, VS>::Put(const K& key, V value, absl::Duration ttl) {
  Slot slot{std::move(value), 0, ExpireNanos(ttl)};
  const std::size_t charge = l1_->ChargeOf(key, slot);
  Stripe& s = StripeFor(key);
  StripeLock lock(s);
  const std::uint64_t version = next_version_.fetch_add(1, std::memory_order_relaxed) + 1;
  slot.version = version;
  absl::Status status;
  if (charge > l1_->max_entry_charge()) {
    status = absl::InvalidArgumentError(
        absl::StrCat("TieredCache: entry charge ", charge, " exceeds L1's largest entry ",
                     l1_->max_entry_charge(), " (capacity ", l1_->capacity(), " over ",
                     l1_->shard_count(), " shards)"));
  } else {
    status = WriteL3Locked(s, key, slot.value, ttl);
  }
  if (status.ok()) status = InsertLocked(s, key, std::move(slot), ttl);
  if (!status.ok()) EraseEverywhereLocked(key);  // No tier may keep an older value.
  RecordWriteLocked(s, key, version);
  return status;
}

template <typename K, typename V, typename KS, typename VS>
absl::Status TieredCache<K, V, KS, VS>::PutBatch(std::span<const std::pair<K, V>> entries,
                                                 absl::Duration ttl) {
  // Write records made by other calls while this one runs are kept until it
  // ends (as for a GetOrCompute flight), so each key's race check below
  // sees them.
  cache_internal::TierCalls::Scope call(calls_);
  const std::uint64_t start_version = next_version_.load(std::memory_order_relaxed);
  const std::size_t n = entries.size();
  // Every write takes its version under its key's stripe and finishes (L3
  // and memory) before unlocking. Passing through each stripe of the batch
  // once now waits out the writes that took a version <= start_version, so
  // their L3 writes land before ours; any later write has a larger version
  // and is seen as a race below.
  {
    std::array<bool, kStripes> touched{};
    for (const auto& e : entries) {
      Stripe& s = StripeFor(e.first);
      bool& t = touched[static_cast<std::size_t>(&s - stripes_.data())];
      if (t) continue;
      t = true;
      std::lock_guard<std::mutex> pass(s.mu);
    }
  }
  // For a key present more than once only its last entry is stored.
  absl::flat_hash_map<K, std::size_t> last;
  last.reserve(n);
  for (std::size_t i = 0; i < n; ++i) last.insert_or_assign(entries[i].first, i);
  auto superseded = [&](std::size_t i) { return last.find(entries[i].first)->second != i; };
  std::vector<Slot> slots;
  slots.reserve(n);
  std::vector<char> fits(n, 1);  // accepted by L1 (and by L3, if any)
  absl::Status first;
  auto refuse = [&](std::size_t i, absl::Status why) {
    fits[i] = 0;
    if (first.ok()) first = std::move(why);
  };
  for (std::size_t i = 0; i < n; ++i) {
    slots.push_back(Slot{entries[i].second, 0, ExpireNanos(ttl)});
    const std::size_t charge = l1_->ChargeOf(entries[i].first, slots.back());
    if (charge > l1_->max_entry_charge()) {
      refuse(i, absl::InvalidArgumentError(absl::StrCat(
                    "TieredCache: entry charge ", charge, " exceeds L1's largest entry ",
                    l1_->max_entry_charge())));
    }
  }
  if constexpr (kSerializable) {
    if (L3Usable()) {
      std::vector<std::string> kbytes(n), vbytes(n);
      std::vector<cache_internal::PersistentStore::BatchEntry> batch;
      batch.reserve(n);
      const absl::Time expiry =
          ttl == absl::InfiniteDuration() ? absl::InfiniteFuture() : WallNow() + ttl;
      const std::uint64_t l3_capacity = store_->Stats().capacity_bytes;
      for (std::size_t i = 0; i < n; ++i) {
        if (!fits[i] || superseded(i)) continue;
        KS::Serialize(entries[i].first, &kbytes[i]);
        VS::Serialize(entries[i].second, &vbytes[i]);
        const std::uint64_t record =
            cache_internal::PersistentStore::RecordCharge(kbytes[i].size(), vbytes[i].size());
        if (record > options_.l3_max_entry_bytes || record > l3_capacity) {
          refuse(i, absl::InvalidArgumentError(absl::StrCat(
                        "TieredCache: L3 record of ", record, " bytes exceeds the L3's limits")));
          continue;
        }
        batch.push_back({kbytes[i], vbytes[i], expiry});
      }
      // Refusals the store makes itself (a concurrent SetCapacity) only
      // leave L3 without the record: a miss, never a stale value.
      if (absl::Status st = store_->PutBatch(batch);
          !st.ok() && st.code() != absl::StatusCode::kInvalidArgument) {
        ReportL3Error(st);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (superseded(i)) continue;
    const K& key = entries[i].first;
    Stripe& s = StripeFor(key);
    StripeLock lock(s);
    auto w = s.writes.find(key);
    if (w != s.writes.end() && w->second.version > start_version) {
      // Another call changed the key meanwhile; its L3 write may have landed
      // before ours. Make L3 agree with memory, which holds that outcome.
      if (L3Usable()) {
        SlotPtr cur = l1_->Get(key);
        if (cur == nullptr) cur = l2_->Get(key);
        const absl::Duration left = cur != nullptr ? Remaining(*cur) : absl::ZeroDuration();
        absl::Status st = left > absl::ZeroDuration()
                              ? WriteL3Locked(s, key, cur->value, left)
                              : store_->Erase(KeyBytes(key));
        if (!st.ok() && st.code() != absl::StatusCode::kInvalidArgument) ReportL3Error(st);
        RecordL3CopyBackLocked(s, key);
      }
      continue;
    }
    // Another batch's copy-back since this one started may have replaced
    // this batch's L3 record (written above, without the stripe) with
    // memory's older value: write it again once memory holds it.
    const bool l3_overwritten = w != s.writes.end() && w->second.l3_copy_back > start_version;
    const std::uint64_t version = next_version_.fetch_add(1, std::memory_order_relaxed) + 1;
    absl::Status status = fits[i] ? absl::OkStatus() : absl::InvalidArgumentError("refused");
    if (status.ok()) {
      slots[i].version = version;
      status = InsertLocked(s, key, std::move(slots[i]), ttl);
      if (!status.ok() && first.ok()) first = status;
    }
    if (status.ok() && l3_overwritten) {
      absl::Status st = WriteL3Locked(s, key, entries[i].second, ttl);
      // Refused now (a concurrent SetCapacity): no L3 record beats an old one.
      if (!st.ok()) st = store_->Erase(KeyBytes(key));
      if (!st.ok()) ReportL3Error(st);
    }
    if (!status.ok()) EraseEverywhereLocked(key);  // No tier may keep an older value.
    RecordWriteLocked(s, key, version);
  }
  return first;
}

template <typename K, typename V, typename KS, typename VS>
bool TieredCache<K, V, KS, VS>::Erase(const K& key) {
  Stripe& s = StripeFor(key);
  StripeLock lock(s);
  const std::uint64_t version = next_version_.fetch_add(1, std::memory_order_relaxed) + 1;
  const bool held = EraseEverywhereLocked(key);
  RecordWriteLocked(s, key, version);
  return held;
}

template <typename K, typename V, typename KS, typename VS>
typename TieredCache<K, V, KS, VS>::ValuePtr TieredCache<K, V, KS, VS>::Get(const K& key) {
  if (SlotPtr hit = l1_->Get(key)) {
    Count(c1_.hits);
    return ValueOf(std::move(hit));
  }
  Count(c1_.misses);
  Stripe& s = StripeFor(key);
  StripeLock lock(s);
  return LookupLowerLocked(s, key);
}

template <typename K, typename V, typename KS, typename VS>
absl::StatusOr<std::uint64_t> TieredCache<K, V, KS, VS>::ScanL3(
    std::string_view key_prefix, absl::FunctionRef<void(K key, V value)> fn) {
  if constexpr (kSerializable) {
    if (!L3Usable()) {
      return absl::FailedPreconditionError(
          store_ == nullptr ? "TieredCache: no L3 configured or opened"
                            : "TieredCache: the L3 is out of service");
    }
    std::uint64_t undecodable = 0;
    absl::StatusOr<std::uint64_t> n = store_->ScanPrefix(
        key_prefix, [&](std::string_view kb, std::string_view vb) {
          absl::StatusOr<K> k = KS::Deserialize(kb);
          absl::StatusOr<V> v = VS::Deserialize(vb);
          if (!k.ok() || !v.ok()) {
            ++undecodable;
            return;
          }
          fn(*std::move(k), *std::move(v));
        });
    if (undecodable > 0) {
      ReportL3Error(absl::DataLossError(absl::StrCat(
          "L3 at '", options_.l3_directory, "': ", undecodable,
          " entries that do not deserialize skipped by a scan")));
    }
    if (!n.ok()) {
      if (n.status().code() != absl::StatusCode::kFailedPrecondition) ReportL3Error(n.status());
      return n.status();
    }
    return *n - undecodable;
  } else {
    (void)key_prefix, (void)fn;
    return absl::FailedPreconditionError("TieredCache: no L3 (no serializers for K and V)");
  }
}

template <typename K, typename V, typename KS, typename VS>
typename TieredCache<K, V, KS, VS>::ValuePtr TieredCache<K, V, KS, VS>::LookupLowerLocked(
    Stripe& s, const K& key) {
  // Promoted by another thread since our L1 miss?
  if (SlotPtr hit = l1_->Get(key)) return ValueOf(std::move(hit));
  if (SlotPtr hit = l2_->Get(key)) {
    Count(c2_.hits);
    const absl::Duration ttl = Remaining(*hit);
    l2_->Erase(key);
    if (ttl > absl::ZeroDuration()) {
      cache_internal::TierCalls::Scope call(calls_);
      if (l1_->Put(key, *hit, ttl).ok()) Count(c2_.promotions);
    }
    return ValueOf(std::move(hit));
  }
  Count(c2_.misses);
  if constexpr (kSerializable) {
    if (!L3Usable()) return nullptr;
    absl::Time expiry;
    absl::StatusOr<std::optional<std::string>> got = store_->Get(KeyBytes(key), &expiry);
    if (!got.ok()) {
      ReportL3Error(got.status());
      Count(c3_.misses);
      return nullptr;
    }
    if (!got->has_value()) {
      Count(c3_.misses);
      return nullptr;
    }
    absl::StatusOr<V> value = VS::Deserialize(**got);
    if (!value.ok()) {
      ReportL3Error(absl::DataLossError(absl::StrCat("L3 at '", options_.l3_directory,
                                                     "': cannot deserialize a value: ",
                                                     value.status().message())));
      Count(c3_.misses);
      return nullptr;
    }
    Count(c3_.hits);
    const absl::Duration ttl = expiry == absl::InfiniteFuture() ? absl::InfiniteDuration()
                                                                : expiry - WallNow();
    const std::uint64_t version = next_version_.fetch_add(1, std::memory_order_relaxed) + 1;
    auto slot = std::make_shared<const Slot>(Slot{*std::move(value), version, ExpireNanos(ttl)});
    if (ttl > absl::ZeroDuration() && l1_->ChargeOf(key, *slot) <= l1_->max_entry_charge()) {
      if (InsertLocked(s, key, *slot, ttl).ok()) Count(c3_.promotions);
      RecordWriteLocked(s, key, version);
    }
    return ValueOf(std::move(slot));
  } else {
    (void)s;
    return nullptr;
  }
}

template <typename K, typename V, typename KS, typename VS>
absl::Status TieredCache<K, V, KS, VS>::StoreComputed(const K& key, const V& value,
                                                      absl::Duration ttl,
                                                      std::uint64_t start_version) {
  Stripe& s = StripeFor(key);
  StripeLock lock(s);
  auto w = s.writes.find(key);
  if ((w != s.writes.end() && w->second.version > start_version) || l1_->Contains(key) ||
      l2_->Contains(key)) {
    return absl::OkStatus();  // Written (or erased) meanwhile: that write wins.
  }
  Slot slot{value, next_version_.fetch_add(1, std::memory_order_relaxed) + 1, ExpireNanos(ttl)};
  const std::uint64_t version = slot.version;
  absl::Status status;
  if (l1_->ChargeOf(key, slot) <= l1_->max_entry_charge()) {
    status = WriteL3Locked(s, key, value, ttl);
    if (status.ok()) status = InsertLocked(s, key, std::move(slot), ttl);
  }
  RecordWriteLocked(s, key, version);
  return status;
}

template <typename K, typename V, typename KS, typename VS>
template <typename Fn>
absl::StatusOr<typename TieredCache<K, V, KS, VS>::ValuePtr>
TieredCache<K, V, KS, VS>::GetOrCompute(const K& key, Fn&& fn, absl::Duration ttl) {
  if (SlotPtr hit = l1_->Get(key)) {
    Count(c1_.hits);
    return ValueOf(std::move(hit));
  }
  Count(c1_.misses);
  Stripe& s = StripeFor(key);
  std::shared_ptr<Flight> flight;
  bool owner = false;
  // The flight is an in-flight call: write records made while it runs are
  // kept until it ends, so StoreComputed can see them.
  std::optional<cache_internal::TierCalls::Scope> call;
  std::uint64_t start_version = 0;
  {
    StripeLock lock(s);
    if (ValuePtr hit = LookupLowerLocked(s, key)) return hit;
    auto [f, inserted] = s.flights.try_emplace(key);
    if (inserted) {
      f->second = std::make_shared<Flight>();
      call.emplace(calls_);
      start_version = next_version_.load(std::memory_order_relaxed);
    }
    flight = f->second;
    owner = inserted;
  }
  if (!owner) {
    std::unique_lock<std::mutex> lock(flight->mu);
    flight->done_cv.wait(lock, [&flight] { return flight->done; });
    return flight->result;
  }
  auto finish = [&](absl::StatusOr<ValuePtr> result) {
    {
      StripeLock lock(s);
      s.flights.erase(key);
    }
    {
      std::lock_guard<std::mutex> lock(flight->mu);
      flight->result = std::move(result);
      flight->done = true;
    }
    flight->done_cv.notify_all();
  };
  absl::StatusOr<ValuePtr> result;
  try {
    using Result = std::invoke_result_t<Fn&>;
    if constexpr (cache_detail::IsStatusOr<Result>::value) {
      Result computed = fn();
      if (computed.ok()) {
        result = ValuePtr(std::make_shared<const V>(*std::move(computed)));
      } else {
        result = computed.status();
      }
    } else {
      result = ValuePtr(std::make_shared<const V>(fn()));
    }
  } catch (...) {
    finish(absl::AbortedError("TieredCache::GetOrCompute: the computing call threw"));
    throw;
  }
  if (result.ok()) {
    absl::Status stored = StoreComputed(key, **result, ttl, start_version);
    (void)stored;  // Too large to cache: still returned to the callers.
  }
  finish(result);
  return result;
}

template <typename K, typename V, typename KS, typename VS>
absl::Status TieredCache<K, V, KS, VS>::SetTierCapacity(Tier tier, std::uint64_t bytes) {
  if (bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("TieredCache: ", TierName(tier), " capacity must be > 0"));
  }
  switch (tier) {
    case Tier::kL1: {
      cache_internal::TierCalls::Scope call(calls_);
      return l1_->SetCapacity(static_cast<std::size_t>(bytes));
    }
    case Tier::kL2:
      return l2_->SetCapacity(static_cast<std::size_t>(bytes));
    case Tier::kL3:
      if (store_ == nullptr) {
        return absl::FailedPreconditionError("TieredCache: no L3 tier");
      }
      return store_->SetCapacity(bytes);
  }
  return absl::InvalidArgumentError("TieredCache: unknown tier");
}

template <typename K, typename V, typename KS, typename VS>
TieredStats TieredCache<K, V, KS, VS>::Stats() const {
  auto fill = [](TierStats& t, const Counters& c) {
    t.hits = c.hits.load(std::memory_order_relaxed);
    t.misses = c.misses.load(std::memory_order_relaxed);
    t.promotions = c.promotions.load(std::memory_order_relaxed);
    t.demotions = c.demotions.load(std::memory_order_relaxed);
    t.demotions_dropped = c.demotions_dropped.load(std::memory_order_relaxed);
    t.errors = c.errors.load(std::memory_order_relaxed);
  };
  auto memory = [](TierStats& t, const CacheStats& cs) {
    t.bytes = cs.bytes;
    t.entries = cs.entries;
    t.capacity = cs.capacity;
    t.evictions = cs.evictions;
  };
  TieredStats out;
  fill(out.l1, c1_);
  fill(out.l2, c2_);
  fill(out.l3, c3_);
  memory(out.l1, l1_->Stats());
  memory(out.l2, l2_->Stats());
  if (store_ != nullptr) {
    const cache_internal::PersistentStoreStats ps = store_->Stats();
    out.l3.bytes = ps.charged_bytes;
    out.l3.entries = ps.entries;
    out.l3.capacity = ps.capacity_bytes;
    out.l3.evictions = ps.evictions;
    out.l3_enabled = !ps.out_of_service;
  }
  std::lock_guard<std::mutex> lock(l3_status_mu_);
  out.l3_status = l3_status_;
  return out;
}

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_TIERED_CACHE_H_
