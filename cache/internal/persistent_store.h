// persistent_store.h: the persistent L3 tier, a RocksDB database in a
// directory the user names, holding serialized values with an expiry.
//
// The store works on bytes (serialized key -> serialized value); TieredCache
// does the (de)serialization with cache/serializer.h. Each value is stored as
// an L3 record (format in l3_record.h: magic, version, expiry, length,
// CRC-32C over header + key + payload), so a corrupt or foreign record is
// detected and reported, never returned as a value.
//
// Byte bound: the store keeps an in-memory index of its records (key ->
// charge, expiry) and charges each record key.size() + record.size(). Open
// scans every record once (validating it, dropping expired and corrupt
// ones, counting entries and bytes); the index is built by a second scan at
// the first write (Put, a non-empty PutBatch, Erase, a SetCapacity that must
// evict), or at Open when the data exceed the capacity. A store that is only
// read never builds it (a Get that removes a bad record counts it out
// without the index): a warm `adaptrt analyze` saves ~10 ms and ~1.5 MB for
// 9k records (docs/analyze.md). A first write whose index scan fails (a
// read error, or a failed removal of the records found bad) is a failed
// write: the store goes out of service, as below. When a Put would exceed `capacity_bytes`, the
// records that expire first are evicted (never-expiring records last, ties
// oldest written first) until it fits. The bound is on the logical data, not
// on RocksDB's files: SST files, the WAL and obsolete versions awaiting
// compaction use more disk (typically up to ~2x). The index costs about
// key.size() + 100 bytes of RAM per record. RocksDB's FIFO compaction was the
// alternative: it bounds file bytes, but drops whole files regardless of
// expiry and cannot keep an exact count, so the tier's stats would be guesses.
//
// Expiry: an expired record is absent. Get removes it when it meets it; Put
// removes up to a few expired records from the head of the expiry order each
// time (amortized purge); Open drops every expired or corrupt record it scans.
//
// Durability: writes go to the WAL without fsync: a restarted process finds
// everything written before the previous process exited (or crashed); a
// machine crash may lose the last writes. Closing a store (its destructor)
// flushes records that are only in the WAL to an SST file, so the next Open
// reads a table rather than replaying a log (Open's cost; see ~PersistentStore).
//
// Write failures (disk full, I/O error): the first failed Put, Erase or
// eviction puts the store out of service for the rest of its life. RocksDB
// then holds an older value for the key whose write failed, so serving any
// read could return a stale value: from then on Get misses and Put/Erase
// write nothing (they return FailedPrecondition naming the first cause;
// out_of_service() lets callers skip them). The store also drops a marker
// file (kDiscardMarker) in its directory, best effort; the next Open finding
// it destroys the database and starts empty (stats().discarded_at_open), so
// a restarted process never reads the stale records either.
//
// Thread-safety: thread-safe. Reads go to RocksDB without our lock; Put,
//                PutBatch, Erase and eviction hold one std::mutex.
// Complexity:    Get: one RocksDB point lookup. ScanPrefix: one iterator
//                seek plus O(matching records). Put: one RocksDB write plus
//                O(log n) index work per record written or evicted.
//                PutBatch: one RocksDB write (one WAL append) for the whole
//                batch plus the same index work per record.
//                Open: O(records) scan. The first write after Open: one
//                more O(records) scan, under the writers' lock.
// Ownership:     the store owns its RocksDB instance; one store per directory
//                (RocksDB's LOCK file makes a second Open fail cleanly).
// Errors:        absl::Status naming the directory and the cause: an
//                unusable directory (FailedPrecondition), a corrupt database
//                (DataLoss, converted from RocksDB's Status), an entry larger
//                than `max_entry_bytes` or the capacity (InvalidArgument), a
//                zero capacity (InvalidArgument). A corrupt record makes Get
//                return DataLoss once and removes the record. Never throws.

#ifndef ADAPTRT_CACHE_INTERNAL_PERSISTENT_STORE_H_
#define ADAPTRT_CACHE_INTERNAL_PERSISTENT_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rocksdb {
class DB;
class Env;
}  // namespace rocksdb

namespace adaptrt::cache_internal {

struct PersistentStoreOptions {
  // Directory of the RocksDB database; created (with parents) if missing.
  // Required. Fixed at Open.
  std::string directory;
  // Bound on the stored bytes (sum of key + record sizes). Must be > 0.
  // May change at run time (SetCapacity).
  std::uint64_t capacity_bytes = std::uint64_t{256} << 20;
  // Largest record (key + value + header) accepted by Put. Must be > 0.
  // Fixed at Open.
  std::uint64_t max_entry_bytes = std::uint64_t{16} << 20;
  // The clock that decides expiry. Null means absl::Now. Tests inject one.
  std::function<absl::Time()> clock;
  // The RocksDB Env the database uses. Null: rocksdb::Env::Default(). Must
  // outlive the store. Fault-injection tests pass one that fails writes.
  // Fixed at Open.
  rocksdb::Env* env = nullptr;
};

struct PersistentStoreStats {
  std::uint64_t entries = 0;
  std::uint64_t charged_bytes = 0;
  std::uint64_t capacity_bytes = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t puts = 0;
  std::uint64_t evictions = 0;        // Removed to respect the byte bound.
  std::uint64_t expired_removed = 0;  // Removed because their TTL ran out.
  std::uint64_t corrupt_records = 0;  // Detected by checksum/format checks.
  std::uint64_t io_errors = 0;        // RocksDB read/write failures.
  bool out_of_service = false;        // A write failed (see the header).
  bool discarded_at_open = false;     // Open found kDiscardMarker.
};

class PersistentStore {
 public:
  // File name of the marker left by a store that went out of service.
  static constexpr char kDiscardMarker[] = "ADAPTRT-L3-DISCARD";

  // Opens (or creates) the store in `options.directory`, scanning existing
  // records to rebuild the byte accounting; expired and corrupt records found
  // by the scan are deleted (and counted in stats). If the existing data
  // exceed the capacity, the records expiring first are evicted.
  static absl::StatusOr<std::unique_ptr<PersistentStore>> Open(
      const PersistentStoreOptions& options);

  // Whether Open would find a database in `directory` (a store was created
  // there, maybe holding no records, and no kDiscardMarker says Open must
  // destroy it): two stats; opens nothing, takes no lock.
  static bool DatabaseExists(const std::string& directory);

  PersistentStore(const PersistentStore&) = delete;
  PersistentStore& operator=(const PersistentStore&) = delete;
  // Flushes the records held only in the WAL to an SST file (blocking; the
  // cost of writing the memtable, at most write_buffer_size), then closes
  // the database. A store out of service flushes nothing.
  ~PersistentStore();

  // The value stored under `key`, or nullopt if absent or expired; sets
  // `*expiry` (if not null) to the record's expiry (InfiniteFuture: never).
  // Returns DataLoss (naming directory and key) for a corrupt record, which
  // is removed; Unavailable for a RocksDB read error.
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key,
                                                 absl::Time* expiry = nullptr);

  // Calls `fn(key, value)` for every valid, unexpired record whose key starts
  // with `prefix` (all records for an empty prefix), in key order, reading
  // the database with ONE iterator: the bulk form of Get, for callers about
  // to look up many keys that share a prefix (a directory tree's paths).
  // The views are valid during the call only. The records are those of the
  // RocksDB snapshot the iterator takes at the start: writes made after it
  // (fn's own included) are not seen. Nothing is modified: corrupt records are skipped (counted in
  // stats().corrupt_records once Get or the next Open removes them) and
  // expired ones are skipped; hits and misses are not counted (the caller
  // knows which values it uses). No lock of the store is held while `fn`
  // runs: it may use the store.
  // Returns the number of records passed to `fn`; FailedPrecondition when
  // the store is out of service (nothing is read), Unavailable (or DataLoss
  // for corruption RocksDB detects) on a read error, after `fn` has seen the
  // records read before it.
  absl::StatusOr<std::uint64_t> ScanPrefix(
      std::string_view prefix,
      absl::FunctionRef<void(std::string_view key, std::string_view value)> fn);

  // Stores `value` under `key`, expiring at `expiry` (absl::InfiniteFuture()
  // for never), replacing any previous record, evicting as needed.
  // Returns InvalidArgument if the record is larger than max_entry_bytes or
  // than the capacity (nothing is stored; a previous record under `key` is
  // removed so a stale value is not served), Unavailable on a write error.
  absl::Status Put(std::string_view key, std::string_view value,
                   absl::Time expiry = absl::InfiniteFuture());

  // One record of PutBatch.
  struct BatchEntry {
    std::string_view key;
    std::string_view value;
    absl::Time expiry = absl::InfiniteFuture();
  };

  // Stores every entry as Put would, in order (a later entry for the same
  // key wins), evicting as needed, with ONE atomic RocksDB write: either all
  // records (and their evictions) are written or none is. Entries Put would
  // refuse (larger than max_entry_bytes or the capacity) are skipped, and a
  // previous record under their key is removed; the first such refusal is
  // returned as InvalidArgument after the rest of the batch is stored.
  // Unavailable on a write error (nothing of the batch is stored).
  absl::Status PutBatch(std::span<const BatchEntry> entries);

  // Removes `key` if present. Unavailable on a write error.
  absl::Status Erase(std::string_view key);

  // Changes the byte bound, evicting at once if the store is now over it.
  // REQUIRES: bytes > 0 (else InvalidArgument, nothing changes).
  absl::Status SetCapacity(std::uint64_t bytes);

  // Flushes RocksDB's memtable to SST files (tests and orderly shutdown).
  absl::Status Flush();

  PersistentStoreStats Stats() const;
  const std::string& directory() const { return options_.directory; }

  // True once a write failed: the store serves nothing more (see header).
  bool out_of_service() const { return out_of_service_.load(std::memory_order_acquire); }

  // Charge of a record with these sizes (what capacity is compared with).
  static std::uint64_t RecordCharge(std::size_t key_bytes,
                                    std::size_t value_bytes);

 private:
  struct IndexEntry {
    std::uint64_t charge;
    std::uint64_t expiry_micros;  // 0 = never.
    std::uint64_t seq;            // Write order, for ties.
  };
  // Eviction order: (expiry with 0 mapped to max, seq, key). The key is the
  // index's own copy (node_hash_map keys do not move), so each record's key
  // is stored once; seq is unique, so the pointer never decides an order.
  using OrderKey = std::tuple<std::uint64_t, std::uint64_t, const std::string*>;

  PersistentStore(PersistentStoreOptions options, std::unique_ptr<rocksdb::DB> db);

  std::uint64_t NowMicros() const;
  // One pass over every record: removes the corrupt and expired ones, sets
  // charged_bytes_ and unindexed_entries_ from the others and, with
  // `build_index`, indexes them (into an empty index).
  absl::Status ScanLocked(bool build_index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Builds the index if it is not built yet (the first write after Open).
  // On failure nothing changes and Unavailable is returned.
  absl::Status EnsureIndexedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What every write does first: FailedPrecondition when out of service;
  // builds the index if needed, a failure of which is a failed write
  // (WriteFailedLocked: out of service, Unavailable).
  absl::Status BeginWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Evicts, in eviction order, until charged_bytes_ <= capacity_.
  // REQUIRES: indexed_. Returns the write's error (nothing changed).
  absl::Status EvictOverCapacityLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Re-reads `key` under the lock and removes it if it is still expired or
  // corrupt (a concurrent Put may have replaced it since the unlocked read).
  void RemoveIfStillBad(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  void IndexEraseLocked(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records a failed write (`cause`, already naming the key): counts it,
  // takes the store out of service, drops the discard marker. Returns
  // Unavailable with the cause.
  absl::Status WriteFailedLocked(const absl::Status& cause) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // FailedPrecondition naming the first write failure.
  absl::Status OutOfServiceErrorLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IndexInsertLocked(std::string key, std::uint64_t charge,
                         std::uint64_t expiry_micros) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Indexes `key` with `entry` (its seq included), replacing any entry of
  // the key: IndexInsertLocked with a new seq, and PutBatch's undo.
  void IndexRestoreLocked(std::string key, const IndexEntry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keys to remove so that charged_bytes_ - freed + incoming <= capacity,
  // skipping `replacing` (whose charge the caller already subtracted from
  // `incoming`'s budget), plus up to `purge_limit` expired records.
  std::vector<std::string> PickVictimsLocked(std::uint64_t incoming,
                                             std::string_view replacing,
                                             int purge_limit, std::uint64_t now,
                                             std::uint64_t* expired_count)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PersistentStoreOptions options_;
  const std::unique_ptr<rocksdb::DB> db_;

  mutable std::mutex mu_;
  // Built by the first write (EnsureIndexedLocked); until then empty, and
  // unindexed_entries_ counts the records Open's scan found.
  bool indexed_ ABSL_GUARDED_BY(mu_) = false;
  std::uint64_t unindexed_entries_ ABSL_GUARDED_BY(mu_) = 0;
  absl::node_hash_map<std::string, IndexEntry> index_ ABSL_GUARDED_BY(mu_);
  absl::btree_set<OrderKey> order_ ABSL_GUARDED_BY(mu_);
  std::uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t capacity_ ABSL_GUARDED_BY(mu_);
  std::uint64_t charged_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t puts_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
  // Counters bumped on the lock-free read path (relaxed: statistics only).
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> expired_removed_{0};
  std::atomic<std::uint64_t> corrupt_records_{0};
  std::atomic<std::uint64_t> io_errors_{0};
  // Set once, under mu_, by the first failed write; read without mu_.
  std::atomic<bool> out_of_service_{false};
  absl::Status first_write_error_ ABSL_GUARDED_BY(mu_);
  bool discarded_at_open_ = false;  // Set before the store is shared.
};

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_PERSISTENT_STORE_H_
