// cache.h: Cache<K, V>, a concurrent, byte-bounded cache split into
// independently locked shards, each with an index, an eviction policy (LRU,
// LFU or ARC) and charge accounting.
//
// Thread-safety: thread-safe. A hit holds its shard's lock in shared mode only
//                (a striped reader-writer lock: a reader writes only its own
//                thread's stripe, no line shared with other readers) and
//                records the access in a lossy per-thread stripe of the
//                shard's read buffer, which whoever wins the policy try-lock
//                applies to the policy in batches (Caffeine's design),
//                without blocking readers. With Options::exact_access_order
//                every hit is applied at once under the exclusive lock.
// Complexity:    Get/Put/Erase O(1) expected; Put and SetCapacity also
//                O(entries evicted).
// Ownership:     values are shared: Get returns std::shared_ptr<const V> that
//                keeps the value alive (and unchanged) after it is evicted,
//                erased or overwritten. Entry memory (entry, value and the
//                shared_ptr control block, one allocation) comes from
//                //cache:entry_allocator (mimalloc).
// Errors:        Create/Put/SetCapacity return absl::Status for bad arguments
//                and entries larger than a shard; a miss is not an error.
//
// Capacity: the total charge of resident entries never exceeds capacity();
// each of the 2^shard_bits shards enforces capacity / shards under its lock,
// so one entry may charge at most that much (max_entry_charge()). While
// SetCapacity shrinks the cache the shards are resized one after the other:
// the total then stays below the larger of the old and new capacity, and
// below the new one once SetCapacity returns.
//
// PERFORMANCE: Get hands out a shared_ptr (one atomic increment, one more
// when the caller drops it); Read(key, fn) avoids both. Keys are hashed with
// absl::Hash<K>. A hit touches the index slot's line and then the entry's
// first line (expiry, key, value). std::string keys of up to 31 bytes are
// stored inside the entry (cache/internal/stored_key.h); longer ones keep
// their bytes in a separate heap buffer that every lookup of them touches
// (one more cache miss). Other key types are stored as themselves: a key
// type that owns heap memory (e.g. std::vector) costs that miss too.

#ifndef ADAPTRT_CACHE_CACHE_H_
#define ADAPTRT_CACHE_CACHE_H_

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cache/internal/adaptive_mutex.h"
#include "cache/internal/entry_allocator.h"
#include "cache/internal/read_buffer.h"
#include "cache/internal/refresh_filter.h"
#include "cache/internal/stored_key.h"
#include "cache/internal/striped_rw_lock.h"
#include "cache/internal/tagged_index.h"
#include "cache/options.h"
#include "cache/policy/policy.h"
#include "cache/stats.h"

namespace adaptrt::cache {

// The bytes a value occupies, as the default weigher counts them:
// sizeof(T), plus the heap buffer of a std::string that does not fit inline.
template <typename T>
std::size_t DefaultByteSize(const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    // libstdc++ keeps up to 15 characters inline.
    return sizeof(std::string) +
           (value.capacity() > 15 ? value.capacity() + 1 : 0);
  } else {
    (void)value;
    return sizeof(T);
  }
}

namespace cache_detail {
template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};
}  // namespace cache_detail

template <typename K, typename V>
class Cache {
 public:
  using Options = CacheOptions<K, V>;
  using ValuePtr = std::shared_ptr<const V>;

 private:
  // What a hit reads, first in the entry (right after the shared_ptr
  // control block): expiry, key (short std::string keys inline, see
  // stored_key.h) and value, one cache line for small keys and values.
  struct EntryHead {
    EntryHead(const K& k, V&& v) : key(k), value(std::move(v)) {}
    std::int64_t expire_ns = 0;  // 0: never expires
    const cache_internal::StoredKey<K> key;
    const V value;
  };
  // The policy hook (links, hash, charge) follows; `self` is the index's
  // reference: set when the entry is indexed, moved out (under mu
  // exclusive) when it leaves the index, so the entry lives while it is
  // indexed or a reader holds a ValuePtr.
  struct Entry : EntryHead, PolicyHook {
    Entry(const K& k, V&& v) : EntryHead(k, std::move(v)) {}
    std::shared_ptr<Entry> self;
  };

 public:
  // Our own bytes per entry beyond key and value, as the default weigher
  // charges them: the entry header (policy hook, expiry, the index's
  // shared_ptr), the shared_ptr control block of the entry's allocation, and
  // the index slot (8 bytes at the index's minimum load of 3/8).
  // docs/cache.md reports the measured figure (allocator rounding included).
  static constexpr std::size_t kEntryOverheadBytes =
      (sizeof(Entry) - sizeof(cache_internal::StoredKey<K>) - sizeof(V)) + 16 +
      (8 * 8 + 2) / 3;

  // The bytes one entry's allocation requests (entry, key, value and the
  // shared_ptr control block in one block), before allocator rounding.
#if defined(__GLIBCXX__)
  static constexpr std::size_t kEntryBlockBytes =
      sizeof(std::_Sp_counted_ptr_inplace<
             Entry, cache_internal::EntryAllocator<Entry>,
             __gnu_cxx::_S_atomic>);
#else
  static constexpr std::size_t kEntryBlockBytes = sizeof(Entry) + 16;
#endif

  // Validates `options` and builds the cache.
  // Errors: InvalidArgument for capacity 0 or shard_bits outside [-1, 16].
  static absl::StatusOr<std::unique_ptr<Cache>> Create(Options options) {
    if (options.capacity == 0) {
      return absl::InvalidArgumentError("cache capacity must be >= 1");
    }
    if (options.shard_bits < -1 || options.shard_bits > 16) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard_bits must be in [-1, 16], got ",
                       options.shard_bits));
    }
    return std::unique_ptr<Cache>(new Cache(std::move(options)));
  }

  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  ~Cache() = default;

  // The value for `key`, or null on a miss (absent or expired). Counts a hit
  // or a miss and records the access for the policy.
  ValuePtr Get(const K& key) {
    const std::uint64_t hash = HashOf(key);
    return Lookup(ShardFor(hash), key, hash, /*count_miss=*/true);
  }

  // Calls fn(const V&) with the value for `key` and returns true, or returns
  // false on a miss. Counts and records like Get, but hands out no
  // shared_ptr (two atomic operations fewer): the fastest read.
  // Like RocksDB's Lookup + Value + Release, with the hold scoped to fn.
  // REQUIRES: fn is short and does not call into this cache (it runs under
  // the shard's lock: shared, or exclusive with exact_access_order; writers
  // to the shard wait for it).
  template <typename Fn>
  bool Read(const K& key, Fn&& fn);

  // Removes `key` and returns its value (null if absent or expired). Counted
  // as an erasure; the eviction listener is not called. For moving an entry
  // to another cache (promotion) without a window where both or neither
  // holds it.
  ValuePtr Extract(const K& key) {
    const std::uint64_t hash = HashOf(key);
    Shard& s = ShardFor(hash);
    std::shared_ptr<Entry> removed;
    {
      WriterLock lock(s);
      Entry* e = FindLocked(s, key, hash);
      if (e == nullptr) return nullptr;
      DrainLocked(s);
      const bool expired = Expired(*e);
      removed = RemoveLocked(s, e);
      Count(expired ? s.expirations : s.erasures);
      PublishLocked(s);
      if (expired) removed.reset();
    }
    return removed == nullptr ? nullptr : ValueOf(removed);
  }

  // Whether `key` is resident and not expired. Neither counts nor records
  // an access.
  bool Contains(const K& key) const {
    const std::uint64_t hash = HashOf(key);
    const Shard& shard = ShardFor(hash);
    SharedLock lock(shard.mu);
    const Entry* e = FindLocked(shard, key, hash);
    return e != nullptr && !Expired(*e);
  }

  // The value for `key`, or null if absent or expired, without counting a
  // hit or a miss and without telling the policy (no recency or frequency
  // change; an expired entry is left for Get to remove). For re-checking a
  // cache, e.g. a tier, without skewing its Stats() or eviction order.
  ValuePtr Peek(const K& key) const {
    const std::uint64_t hash = HashOf(key);
    const Shard& shard = ShardFor(hash);
    SharedLock lock(shard.mu);
    const Entry* e = FindLocked(shard, key, hash);
    if (e == nullptr || Expired(*e)) return nullptr;
    return ValueOf(*e);
  }

  // Inserts `key` only if it has no live value, in one critical section
  // (no window for a concurrent Put to be overwritten). Returns true if it
  // inserted (evicting by policy like Put), false if a live value was
  // present: nothing changes then (not a hit, no recency change). An expired
  // value counts as absent: it is removed (an expiration) and replaced.
  // `ttl` defaults to Options::default_ttl.
  // Errors: InvalidArgument if it would insert and the entry's charge
  // exceeds max_entry_charge() (the key stays absent).
  absl::StatusOr<bool> PutIfAbsent(const K& key, V value) {
    return PutIfAbsent(key, std::move(value), options_.default_ttl);
  }
  absl::StatusOr<bool> PutIfAbsent(const K& key, V value, absl::Duration ttl) {
    const std::uint64_t hash = HashOf(key);
    std::shared_ptr<Entry> entry = MakeEntry(key, std::move(value), hash, ttl);
    absl::StatusOr<ValuePtr> inserted =
        Insert(ShardFor(hash), key, std::move(entry), /*end_flight=*/false,
               /*if_absent=*/true);
    if (!inserted.ok()) return inserted.status();
    return *inserted != nullptr;
  }

  // Inserts or overwrites `key`, evicting by policy until it fits. An
  // overwrite is an erase plus a fresh insert (holders of the old value keep
  // it). `ttl` defaults to Options::default_ttl.
  // Errors: InvalidArgument if the entry's charge exceeds max_entry_charge()
  // (any old value of `key` is erased then: the cache never serves stale
  // data after a refused Put).
  absl::Status Put(const K& key, V value) {
    return Put(key, std::move(value), options_.default_ttl);
  }
  absl::Status Put(const K& key, V value, absl::Duration ttl) {
    const std::uint64_t hash = HashOf(key);
    std::shared_ptr<Entry> entry = MakeEntry(key, std::move(value), hash, ttl);
    return Insert(ShardFor(hash), key, std::move(entry), /*end_flight=*/false)
        .status();
  }

  // Removes `key`. Returns whether it was resident. Not an eviction: the
  // eviction listener is not called.
  bool Erase(const K& key) {
    const std::uint64_t hash = HashOf(key);
    return EraseIn(ShardFor(hash), key, hash);
  }

  // The value for `key`; on a miss, calls `fn` to compute it, inserts it and
  // returns it. Concurrent misses on one key call `fn` once (single flight):
  // the others wait for its result. `fn` is called without any cache lock
  // held and may use the cache (but must not wait on `key` itself). `fn`
  // returns V or absl::StatusOr<V>.
  // Errors: the status `fn` returned (to the caller and every waiter; nothing
  // is cached). If `fn` throws, the exception propagates to its caller and
  // the waiters get Aborted. A computed value larger than max_entry_charge()
  // is returned but not cached.
  template <typename Fn>
  absl::StatusOr<ValuePtr> GetOrCompute(const K& key, Fn&& fn) {
    return GetOrCompute(key, std::forward<Fn>(fn), options_.default_ttl);
  }
  template <typename Fn>
  absl::StatusOr<ValuePtr> GetOrCompute(const K& key, Fn&& fn,
                                        absl::Duration ttl);

  // Changes the total capacity at run time; shrinking evicts at once (the
  // eviction listener runs on this thread). Safe while others read and write.
  // Errors: InvalidArgument for 0.
  absl::Status SetCapacity(std::size_t capacity);

  // The total capacity, and the largest charge one entry may have.
  std::size_t capacity() const {
    return capacity_.load(std::memory_order_relaxed);
  }
  std::size_t max_entry_charge() const;

  // Counters, summed shard by shard without stopping traffic (see stats.h).
  CacheStats Stats() const;

  // Applies every recorded hit to the policies now (normally done lazily).
  // Useful before inspecting eviction order in tests.
  void ApplyPendingAccesses();

  // Bytes held by the cache's own structures: entry blocks as the entry
  // allocator rounds them, the index tables at their current size, and per
  // shard the shard itself and the stripes of its lock and read buffer.
  // Excludes heap buffers that keys and values own (e.g. strings longer than
  // 31 bytes), the policies' own structures (ARC ghosts, LFU buckets) and
  // entries only readers still hold. Takes each shard's lock shared:
  // O(shards).
  std::size_t ApproximateMemoryUsage() const;

  int shard_count() const { return static_cast<int>(shards_.size()); }
  PolicyKind policy() const { return options_.policy; }

  // The charge the weigher gives (key, value): what Put would charge.
  std::size_t ChargeOf(const K& key, const V& value) const {
    std::size_t charge = options_.weigher
                             ? options_.weigher(key, value)
                             : DefaultByteSize(key) + DefaultByteSize(value) +
                                   kEntryOverheadBytes;
    return charge == 0 ? 1 : charge;
  }

 private:
  // Single-flight state of one key being computed.
  struct Flight {
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;  // guarded by mu
    absl::StatusOr<ValuePtr> result = absl::UnknownError("not computed");
  };

  struct EntryHashOf {
    std::uint64_t operator()(const Entry& e) const { return e.hash; }
  };
  using Index = cache_internal::TaggedIndex<Entry, EntryHashOf>;
  using Evicted = absl::InlinedVector<std::shared_ptr<Entry>, 4>;

  // A shard: plain state; the logic lives in Cache's methods below.
  struct alignas(64) Shard {
    Shard(PolicyKind kind, std::size_t capacity)
        : policy(NewPolicy(kind, std::max<std::size_t>(capacity, 1))),
          capacity(capacity),
          capacity_atomic(capacity) {
      refresh_filter.Enable(policy->RecencyOrdered());
    }
    // Drops the index's reference of every entry (readers' ValuePtrs keep
    // theirs alive). The policy goes first: it must not see freed hooks.
    ~Shard() {
      policy.reset();
      index.ForEach([](Entry* e) { e->self.reset(); });
    }
    Shard(const Shard&) = delete;
    Shard& operator=(const Shard&) = delete;

    // Bytes a shard holds whatever its entries: the shard itself and the
    // stripes of its lock and read buffer (not the policy's own structures:
    // ARC's ghost directory, LFU's frequency buckets).
    std::size_t FixedBytes() const {
      return sizeof(Shard) + mu.MemoryBytes() + read_buffer.MemoryBytes();
    }

    // Readers (hits, Contains) hold mu shared; writers hold mu exclusive and
    // then policy_mu (WriterLock); a drain of the read buffer holds only
    // policy_mu, so it never blocks readers.
    //
    // Layout: what every hit reads (the lock's stripe pointer, the index's
    // slot pointer and mask, the read buffer's stripe pointer) sits on lines
    // that only structural changes write; policy_mu, which every drain
    // writes (readers drain too), and the write path's fields start on a
    // line of their own. Sharing a line with policy_mu made every drain
    // evict the index's header from the other readers' caches.
    mutable cache_internal::StripedRwLock mu;
    Index index ABSL_GUARDED_BY(mu);
    cache_internal::ReadBuffer read_buffer;
    // Its published word is read by every hit and written rarely; its
    // counters (written by policy_mu holders) sit on a line of their own.
    cache_internal::RefreshFilter refresh_filter;
    alignas(64) cache_internal::AdaptiveMutex policy_mu;
    std::unique_ptr<EvictionPolicy> policy ABSL_GUARDED_BY(policy_mu);
    std::uint64_t capacity ABSL_GUARDED_BY(mu);
    std::uint64_t usage ABSL_GUARDED_BY(mu) = 0;
    absl::flat_hash_map<K, std::shared_ptr<Flight>, absl::Hash<K>> flights
        ABSL_GUARDED_BY(mu);

    // Stats, relaxed: usage/entries/capacity written under mu, counters from
    // any thread; all read by Stats() without the lock.
    std::atomic<std::uint64_t> exact_hits{0};
    std::atomic<std::uint64_t> insertions{0};
    std::atomic<std::uint64_t> evictions{0};
    std::atomic<std::uint64_t> expirations{0};
    std::atomic<std::uint64_t> erasures{0};
    std::atomic<std::uint64_t> replacements{0};
    std::atomic<std::uint64_t> rejections{0};
    std::atomic<std::uint64_t> usage_atomic{0};
    std::atomic<std::uint64_t> entries_atomic{0};
    std::atomic<std::uint64_t> capacity_atomic{0};
  };

  using SharedLock = cache_internal::StripedRwLock::SharedGuard;
  // What every writer holds: s.mu exclusive, then s.policy_mu.
  class WriterLock {
   public:
    explicit WriterLock(Shard& s) : s_(&s) {
      s.mu.lock();
      s.policy_mu.lock();
    }
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;
    ~WriterLock() { unlock(); }
    void unlock() {
      if (s_ == nullptr) return;
      s_->policy_mu.unlock();
      s_->mu.unlock();
      s_ = nullptr;
    }

   private:
    Shard* s_;
  };

  explicit Cache(Options options);

  static std::uint64_t HashOf(const K& key) {
    return static_cast<std::uint64_t>(absl::Hash<K>{}(key));
  }
  Shard& ShardFor(std::uint64_t hash) {
    return *shards_[shard_bits_ == 0 ? 0 : (hash >> (64 - shard_bits_))];
  }
  const Shard& ShardFor(std::uint64_t hash) const {
    return *shards_[shard_bits_ == 0 ? 0 : (hash >> (64 - shard_bits_))];
  }
  std::int64_t NowNanos() const { return clock_->NowNanos(); }
  // The entry of `key` in s.index, or null. REQUIRES: s.mu held (shared or
  // exclusive).
  static Entry* FindLocked(const Shard& s, const K& key, std::uint64_t hash) {
    return s.index.Find(hash,
                        [&key](const Entry& e) { return e.key.Equals(key); });
  }
  static ValuePtr ValueOf(const std::shared_ptr<Entry>& e) {
    return ValuePtr(e, &e->value);
  }
  // REQUIRES: e indexed and s.mu held (e->self is then set and stable).
  static ValuePtr ValueOf(const Entry& e) { return ValuePtr(e.self, &e.value); }
  bool Expired(const Entry& e) const {
    return e.expire_ns != 0 && NowNanos() >= e.expire_ns;
  }
  static void Count(std::atomic<std::uint64_t>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  // Applies a hit to the policy and stamps it for the refresh filter.
  // REQUIRES: s.policy_mu held (alone, by a drain, or in WriterLock).
  static void AccessLocked(Shard& s, PolicyHook* h) {
    s.policy->OnAccess(h);
    s.refresh_filter.Stamp(*h, s.policy->size());
  }
  // A buffered-mode hit on resident `e`, under s.mu shared: counted, and
  // recorded unless the refresh filter finds `e` near the front already.
  // Returns Record's "drain now".
  static bool RecordHit(Shard& s, Entry* e) {
    if (s.refresh_filter.Skips(*e)) {
      s.read_buffer.CountUnrecorded();
      return false;
    }
    return s.read_buffer.Record(e);
  }
  // Applies every stripe of the read buffer. REQUIRES: WriterLock held.
  static void DrainLocked(Shard& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
    s.read_buffer.DrainAll([&s](PolicyHook* h) { AccessLocked(s, h); });
  }
  // After a Record that asked for it, with no lock held: applies this
  // thread's stripe if the policy lock is free (readers keep reading).
  static void TryDrain(Shard& s) {
    std::unique_lock<cache_internal::AdaptiveMutex> lock(s.policy_mu,
                                                         std::try_to_lock);
    if (!lock.owns_lock()) return;
    s.read_buffer.DrainStripe([&s](PolicyHook* h) { AccessLocked(s, h); });
  }
  static void PublishLocked(Shard& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
    s.refresh_filter.Resize(s.policy->size());
    s.usage_atomic.store(s.usage, std::memory_order_relaxed);
    s.entries_atomic.store(s.index.size(), std::memory_order_relaxed);
  }
  ValuePtr Lookup(Shard& s, const K& key, std::uint64_t hash, bool count_miss);
  // Under s.mu exclusive: removes the indexed entry `e` from index and
  // policy (not an eviction) and returns the index's reference, to be
  // released after unlocking.
  static std::shared_ptr<Entry> RemoveLocked(Shard& s, Entry* e)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  // Under s.mu exclusive: evicts by policy until `incoming` more charge fits.
  static void EvictLocked(Shard& s, std::uint64_t incoming, Evicted& evicted)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu);
  // Inserts `entry`, replacing its key. With end_flight, also removes the
  // key's flight in the same critical section. With if_absent, leaves a live
  // value of the key alone and returns null instead.
  absl::StatusOr<ValuePtr> Insert(Shard& s, const K& key,
                                  std::shared_ptr<Entry> entry,
                                  bool end_flight, bool if_absent = false);
  bool EraseIn(Shard& s, const K& key, std::uint64_t hash);
  static void CompleteFlight(Flight& flight, absl::StatusOr<ValuePtr> result);
  void AbandonFlight(Shard& s, const K& key, const Flight* flight);
  std::int64_t ExpiryFor(absl::Duration ttl) const {
    if (ttl == absl::InfiniteDuration()) return 0;
    const std::int64_t at = NowNanos() + absl::ToInt64Nanoseconds(ttl);
    return at == 0 ? 1 : at;
  }
  std::shared_ptr<Entry> MakeEntry(const K& key, V value, std::uint64_t hash,
                                   absl::Duration ttl) {
    const std::size_t charge = ChargeOf(key, value);
    auto entry = std::allocate_shared<Entry>(
        cache_internal::EntryAllocator<Entry>(), key, std::move(value));
    entry->hash = hash;
    entry->charge = charge;
    entry->expire_ns = ExpiryFor(ttl);
    return entry;
  }
  std::size_t ShardCapacity(std::size_t total, std::size_t shard) const {
    const std::size_t n = std::size_t{1} << shard_bits_;
    return total / n + (shard < total % n ? 1 : 0);
  }
  void NotifyEvicted(const Evicted& evicted) const {
    const bool with_ttl = options_.eviction_listener_with_ttl != nullptr;
    if (!options_.eviction_listener && !with_ttl) return;
    const std::int64_t now = with_ttl ? NowNanos() : 0;
    for (const std::shared_ptr<Entry>& e : evicted) {
      const ValuePtr value(e, &e->value);
      const auto charge = static_cast<std::size_t>(e->charge);
      // const K& (a std::string key is rebuilt from its stored bytes).
      const auto& key = e->key.Get();
      if (options_.eviction_listener) {
        options_.eviction_listener(key, value, charge);
      }
      if (with_ttl) {
        options_.eviction_listener_with_ttl(
            key, value, charge,
            e->expire_ns == 0 ? absl::InfiniteDuration()
                              : absl::Nanoseconds(e->expire_ns - now));
      }
    }
  }

  const Options options_;
  const Clock* const clock_;
  int shard_bits_ = 0;
  std::atomic<std::size_t> capacity_;
  std::mutex capacity_mu_;  // serializes SetCapacity calls
  std::vector<std::unique_ptr<Shard>> shards_;
};

// ---------------------------------------------------------------------------
// Implementation.
//
// Design. Each shard: two locks (mu, a StripedRwLock whose readers write
// only their own stripe's line; policy_mu, an AdaptiveMutex), an index
// (TaggedIndex of raw Entry*: 8-byte slots carrying a 16-bit hash tag, so a
// probe touches no entry but the one whose tag matches; looked up by hash,
// then key), a policy linking the entries' embedded hooks, the charge in
// use, and a lossy, per-thread striped read buffer.
// Ownership: an entry is one allocate_shared block (control block, entry,
// value). While indexed it owns itself through Entry::self; leaving the
// index (erase, overwrite, eviction, expiry) moves `self` out under mu
// exclusive, and the block is freed when the last ValuePtr goes. A shard's
// destructor drops `self` of the entries still indexed.
// Who holds what: a hit (Get, Read, Contains) holds mu shared: it probes the
// index, copies the shared_ptr (Get) or runs the visitor (Read), and records
// the hook in its thread's read-buffer stripe, unless the shard's refresh
// filter finds the entry near the front of an LRU list already (then it only
// counts the hit; refresh_filter.h bounds what that changes). Every writer
// (Put, Erase, Extract, expiry removal, GetOrCompute's miss, SetCapacity,
// the exact_access_order hit) holds WriterLock: mu exclusive, then policy_mu. A
// drain triggered by a hit holds only policy_mu (try-lock), so readers keep
// reading while it reorders the policy; it writes only hook links, which
// readers never read, and the refresh filter's stamps and published word,
// which readers load atomically.
// Invariants (under both locks): every entry in the index is linked in the
// policy and vice versa; usage is the sum of their charges and
// usage <= capacity; every read-buffer slot holds null or a hook of a
// resident entry (every removal runs DrainAll first under both locks;
// read_buffer.h proves why a concurrent policy_mu-only drain keeps this).
// Values stay valid for readers: an entry is freed only when its last
// shared_ptr goes; the index's reference (Entry::self) is dropped under mu
// exclusive, so a reader holding mu shared (Read's visitor, Get's copy of
// self) never sees it freed, and an indexed entry's self is never null.
// Lock order: mu before policy_mu; a shard's locks are never held while
// taking another shard's, a Flight's mu, or calling user code (weigher, fn,
// eviction listener; Read's visitor runs under mu shared and must not call
// back). A Flight's mu is taken alone. capacity_mu_ (SetCapacity only) is
// taken before shard locks.
// Atomics: every counter is relaxed (statistics, no ordering implied);
// StripedRwLock and ReadBuffer document their own.
// ---------------------------------------------------------------------------

template <typename K, typename V>
Cache<K, V>::Cache(Options options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Steady()),
      capacity_(options_.capacity) {
  int bits = options_.shard_bits;
  if (bits < 0) {
    constexpr std::size_t kMinShardCapacity = std::size_t{512} << 10;
    bits = 0;
    while (bits < 6 && (options_.capacity >> (bits + 1)) >= kMinShardCapacity) {
      ++bits;
    }
  }
  shard_bits_ = bits;
  const std::size_t n = std::size_t{1} << bits;
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto shard = std::make_unique<Shard>(options_.policy,
                                         ShardCapacity(options_.capacity, i));
    shards_.push_back(std::move(shard));
  }
}


template <typename K, typename V>
typename Cache<K, V>::ValuePtr Cache<K, V>::Lookup(Shard& s, const K& key,
                                                   std::uint64_t hash,
                                                   bool count_miss) {
  if (options_.exact_access_order) {
    std::shared_ptr<Entry> expired;
    WriterLock lock(s);
    Entry* e = FindLocked(s, key, hash);
    if (e != nullptr) {
      if (!Expired(*e)) {
        AccessLocked(s, e);
        Count(s.exact_hits);
        return ValueOf(*e);
      }
      expired = RemoveLocked(s, e);
      Count(s.expirations);
      PublishLocked(s);
    }
    lock.unlock();
    if (count_miss) s.read_buffer.CountMiss();
    return nullptr;
  }

  bool expired = false;
  {
    SharedLock lock(s.mu);
    Entry* e = FindLocked(s, key, hash);
    if (e != nullptr) {
      if (!Expired(*e)) {
        ValuePtr value = ValueOf(*e);
        const bool drain = RecordHit(s, e);
        lock.unlock();
        if (drain) TryDrain(s);
        return value;
      }
      expired = true;
    }
  }
  if (count_miss) s.read_buffer.CountMiss();
  if (expired) {
    std::shared_ptr<Entry> removed;
    WriterLock lock(s);
    Entry* e = FindLocked(s, key, hash);
    if (e != nullptr && Expired(*e)) {
      DrainLocked(s);
      removed = RemoveLocked(s, e);
      Count(s.expirations);
      PublishLocked(s);
    }
  }
  return nullptr;
}

template <typename K, typename V>
template <typename Fn>
bool Cache<K, V>::Read(const K& key, Fn&& fn) {
  const std::uint64_t hash = HashOf(key);
  Shard& s = ShardFor(hash);
  if (!options_.exact_access_order) {
    bool drain = false;
    {
      SharedLock lock(s.mu);
      Entry* e = FindLocked(s, key, hash);
      if (e != nullptr && !Expired(*e)) {
        drain = RecordHit(s, e);
        fn(e->value);
      } else {
        lock.unlock();
        s.read_buffer.CountMiss();
        return false;
      }
    }
    if (drain) TryDrain(s);
    return true;
  }
  {
    WriterLock lock(s);
    Entry* e = FindLocked(s, key, hash);
    if (e != nullptr && !Expired(*e)) {
      AccessLocked(s, e);
      Count(s.exact_hits);
      fn(static_cast<const V&>(e->value));
      return true;
    }
  }
  // A miss, an expired entry that Lookup removes, or a value another thread
  // put between the two holds: fn sees that one (outside the lock).
  if (ValuePtr value = Lookup(s, key, hash, /*count_miss=*/true)) {
    fn(static_cast<const V&>(*value));
    return true;
  }
  return false;
}

template <typename K, typename V>
std::shared_ptr<typename Cache<K, V>::Entry> Cache<K, V>::RemoveLocked(
    Shard& s, Entry* e) {
  [[maybe_unused]] const bool erased = s.index.Erase(e->hash, e);
  assert(erased);
  s.policy->OnErase(e);
  s.usage -= e->charge;
  return std::move(e->self);
}

template <typename K, typename V>
void Cache<K, V>::EvictLocked(Shard& s, std::uint64_t incoming,
                              Evicted& evicted) {
  while (s.usage + incoming > s.capacity) {
    PolicyHook* victim = s.policy->Victim();
    assert(victim != nullptr && "usage > 0 implies a linked entry");
    if (victim == nullptr) break;
    s.policy->OnEvict(victim);
    Entry* e = static_cast<Entry*>(victim);
    [[maybe_unused]] const bool erased = s.index.Erase(e->hash, e);
    assert(erased);
    s.usage -= e->charge;
    evicted.push_back(std::move(e->self));
    Count(s.evictions);
  }
}

template <typename K, typename V>
absl::StatusOr<typename Cache<K, V>::ValuePtr> Cache<K, V>::Insert(
    Shard& s, const K& key, std::shared_ptr<Entry> entry, bool end_flight,
    bool if_absent) {
  Evicted evicted;
  std::shared_ptr<Entry> replaced;
  std::shared_ptr<Flight> flight;  // released after unlocking
  absl::Status status;
  {
    WriterLock lock(s);
    DrainLocked(s);
    if (end_flight) {
      auto f = s.flights.find(key);
      if (f != s.flights.end()) {
        flight = std::move(f->second);
        s.flights.erase(f);
      }
    }
    Entry* old = FindLocked(s, key, entry->hash);
    bool replaced_expired = false;
    if (old != nullptr) {
      if (if_absent) {
        if (!Expired(*old)) return ValuePtr();  // present: nothing changes
        replaced_expired = true;
        Count(s.expirations);
      }
      replaced = RemoveLocked(s, old);
    }
    if (entry->charge > s.capacity) {
      if (replaced != nullptr && !replaced_expired) Count(s.erasures);
      Count(s.rejections);
      status = absl::InvalidArgumentError(absl::StrCat(
          "cache entry charge ", entry->charge, " exceeds the shard capacity ",
          s.capacity, " (capacity ", capacity(), " over ", shards_.size(),
          " shards)"));
    } else {
      s.policy->PrepareInsert(entry.get());
      EvictLocked(s, entry->charge, evicted);
      s.policy->OnInsert(entry.get());
      s.refresh_filter.Stamp(*entry, s.policy->size());
      s.usage += entry->charge;
      entry->self = entry;
      s.index.Insert(entry->hash, entry.get());
      Count(s.insertions);
      if (replaced != nullptr && !replaced_expired) Count(s.replacements);
    }
    PublishLocked(s);
  }
  NotifyEvicted(evicted);
  if (!status.ok()) return status;
  return ValueOf(entry);
}

template <typename K, typename V>
bool Cache<K, V>::EraseIn(Shard& s, const K& key, std::uint64_t hash) {
  std::shared_ptr<Entry> removed;
  WriterLock lock(s);
  Entry* e = FindLocked(s, key, hash);
  if (e == nullptr) return false;
  DrainLocked(s);
  removed = RemoveLocked(s, e);
  Count(s.erasures);
  PublishLocked(s);
  lock.unlock();
  return true;
}

template <typename K, typename V>
void Cache<K, V>::CompleteFlight(Flight& flight,
                                 absl::StatusOr<ValuePtr> result) {
  {
    std::lock_guard<std::mutex> lock(flight.mu);
    flight.result = std::move(result);
    flight.done = true;
  }
  flight.done_cv.notify_all();
}

template <typename K, typename V>
template <typename Fn>
absl::StatusOr<typename Cache<K, V>::ValuePtr> Cache<K, V>::GetOrCompute(
    const K& key, Fn&& fn, absl::Duration ttl) {
  const std::uint64_t hash = HashOf(key);
  Shard& s = ShardFor(hash);
  if (ValuePtr hit = Lookup(s, key, hash, /*count_miss=*/false)) return hit;

  std::shared_ptr<Flight> flight;
  bool owner = false;
  {
    std::shared_ptr<Entry> expired;
    WriterLock lock(s);
    Entry* e = FindLocked(s, key, hash);
    if (e != nullptr) {
      if (!Expired(*e)) {  // inserted since the lookup: a hit after all
        DrainLocked(s);
        AccessLocked(s, e);
        Count(s.exact_hits);
        return ValueOf(*e);
      }
      DrainLocked(s);
      expired = RemoveLocked(s, e);
      Count(s.expirations);
      PublishLocked(s);
    }
    s.read_buffer.CountMiss();
    auto [f, inserted] = s.flights.try_emplace(key);
    if (inserted) f->second = std::make_shared<Flight>();
    flight = f->second;
    owner = inserted;
  }

  if (!owner) {
    std::unique_lock<std::mutex> lock(flight->mu);
    flight->done_cv.wait(lock, [&flight] { return flight->done; });
    return flight->result;
  }

  using Result = std::invoke_result_t<Fn&>;
  absl::StatusOr<ValuePtr> result;
  try {
    if constexpr (cache_detail::IsStatusOr<Result>::value) {
      Result computed = fn();
      if (computed.ok()) {
        std::shared_ptr<Entry> entry =
            MakeEntry(key, std::move(*computed), hash, ttl);
        absl::StatusOr<ValuePtr> inserted = Insert(s, key, entry, true);
        result = inserted.ok() ? *std::move(inserted) : ValueOf(entry);
      } else {
        result = computed.status();
      }
    } else {
      std::shared_ptr<Entry> entry = MakeEntry(key, fn(), hash, ttl);
      absl::StatusOr<ValuePtr> inserted = Insert(s, key, entry, true);
      result = inserted.ok() ? *std::move(inserted) : ValueOf(entry);
    }
  } catch (...) {
    AbandonFlight(s, key, flight.get());
    CompleteFlight(*flight, absl::AbortedError(
                                "GetOrCompute: the computing call threw"));
    throw;
  }
  if (!result.ok()) AbandonFlight(s, key, flight.get());
  CompleteFlight(*flight, result);
  return result;
}

template <typename K, typename V>
void Cache<K, V>::AbandonFlight(Shard& s, const K& key, const Flight* flight) {
  std::shared_ptr<Flight> removed;
  WriterLock lock(s);
  auto f = s.flights.find(key);
  if (f != s.flights.end() && f->second.get() == flight) {
    removed = std::move(f->second);
    s.flights.erase(f);
  }
}

template <typename K, typename V>
absl::Status Cache<K, V>::SetCapacity(std::size_t capacity) {
  if (capacity == 0) {
    return absl::InvalidArgumentError("cache capacity must be >= 1");
  }
  std::lock_guard<std::mutex> serialize(capacity_mu_);
  const std::size_t old = capacity_.load(std::memory_order_relaxed);
  // Growing: publish the total first so shards never exceed it; shrinking:
  // publish after every shard has shrunk.
  if (capacity > old) capacity_.store(capacity, std::memory_order_relaxed);
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& s = *shards_[i];
    const std::size_t shard_capacity = ShardCapacity(capacity, i);
    Evicted evicted;
    {
      WriterLock lock(s);
      DrainLocked(s);
      s.capacity = shard_capacity;
      s.capacity_atomic.store(shard_capacity, std::memory_order_relaxed);
      s.policy->SetCapacity(std::max<std::size_t>(shard_capacity, 1));
      EvictLocked(s, 0, evicted);
      PublishLocked(s);
    }
    NotifyEvicted(evicted);
  }
  capacity_.store(capacity, std::memory_order_relaxed);
  return absl::OkStatus();
}

template <typename K, typename V>
std::size_t Cache<K, V>::max_entry_charge() const {
  std::size_t smallest = std::numeric_limits<std::size_t>::max();
  for (const auto& s : shards_) {
    smallest = std::min<std::size_t>(
        smallest, s->capacity_atomic.load(std::memory_order_relaxed));
  }
  return smallest;
}

template <typename K, typename V>
CacheStats Cache<K, V>::Stats() const {
  CacheStats stats;
  for (const auto& s : shards_) {
    stats.hits += s->read_buffer.hits() +
                  s->exact_hits.load(std::memory_order_relaxed);
    stats.misses += s->read_buffer.misses();
    stats.insertions += s->insertions.load(std::memory_order_relaxed);
    stats.evictions += s->evictions.load(std::memory_order_relaxed);
    stats.expirations += s->expirations.load(std::memory_order_relaxed);
    stats.erasures += s->erasures.load(std::memory_order_relaxed);
    stats.replacements += s->replacements.load(std::memory_order_relaxed);
    stats.rejections += s->rejections.load(std::memory_order_relaxed);
    stats.bytes += s->usage_atomic.load(std::memory_order_relaxed);
    stats.entries += s->entries_atomic.load(std::memory_order_relaxed);
  }
  stats.capacity = capacity();
  return stats;
}

template <typename K, typename V>
std::size_t Cache<K, V>::ApproximateMemoryUsage() const {
  static const std::size_t block = [] {
    void* probe = cache_internal::AllocateEntry(kEntryBlockBytes);
    const std::size_t bytes = cache_internal::AllocatedSize(probe);
    cache_internal::FreeEntry(probe, kEntryBlockBytes);
    return bytes;
  }();
  std::size_t total = 0;
  for (const auto& s : shards_) {
    SharedLock lock(s->mu);
    total += s->index.size() * block + s->index.MemoryBytes() +
             s->FixedBytes();
  }
  return total;
}

template <typename K, typename V>
void Cache<K, V>::ApplyPendingAccesses() {
  for (const auto& s : shards_) {
    WriterLock lock(*s);
    DrainLocked(*s);
  }
}

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_CACHE_H_
