// persistent_store.cc: the RocksDB-backed L3 store.
//
// Invariants (under mu_):
//   - Until the first write (indexed_ false): index_ and order_ are empty,
//     unindexed_entries_ is the number of valid records in the database and
//     charged_bytes_ their charge (Open's scan removed corrupt and expired
//     ones; a record removed since, by RemoveIfStillBad, was subtracted).
//     Every write first builds the index (BeginWriteLocked), so the
//     database holds then exactly what those counters describe.
//   - Once indexed_: index_ holds exactly the keys of the valid records in
//     the database (records that expire later stay indexed until removed),
//     and order_ holds one (expiry-or-max, seq, key) tuple per index_ entry
//     with the same values; charged_bytes_ == sum of index_[k].charge.
//   - charged_bytes_ <= capacity_ (Open indexes and evicts when the data on
//     disk exceed it).
//   - Every mutation of the database (Put, PutBatch, Erase, eviction, purge)
//     happens under mu_ as one atomic WriteBatch, and the index describes a
//     write only once it succeeded: Put changes the index after the write;
//     PutBatch changes it while building the batch (each entry's victims are
//     chosen against what the earlier entries left) with an undo log of each
//     touched key's first state, replayed if the write fails.
//   - Once a write failed, out_of_service_ is true forever, first_write_error_
//     holds the cause, and no read or write reaches the database again (the
//     database may hold a value older than the one the caller meant to
//     write; see the header).
// Lock order: mu_ is the only lock of ours; RocksDB's internal locks are taken
// inside it (RocksDB never calls back into us).
// Reads (Get, ScanPrefix) do not take mu_: a RocksDB Get or iterator sees
// some committed state. When a
// read meets an expired or corrupt record it re-reads under mu_ before
// deleting, so a record written concurrently is never deleted by mistake.
// Atomics: hits_, misses_, expired_removed_, corrupt_records_, io_errors_ are
// statistics only (relaxed increments and loads; no ordering is implied).
// out_of_service_ is stored (release) under mu_ after the failed write and
// loaded (acquire) by Get without mu_: a caller that orders its Get after the
// failed Put (TieredCache does, with the key's stripe lock) sees it set.

#include "cache/internal/persistent_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "cache/internal/l3_record.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace adaptrt::cache_internal {
namespace {

// Debian's abseil has its own absl::string_view (not std::string_view).
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// WAL files above which Open flushes (see Open).
constexpr int kMaxWalFilesAtOpen = 4;
// Deleted (never written) to give that flush something to write; a
// tombstone is invisible to reads. Open skips it if a record uses the key.
constexpr char kWalTrimKey[] = "\0adaptrt-l3-wal-trim";

struct WalFiles {
  int count = 0;
  std::uint64_t bytes = 0;
};

// RocksDB's WAL files ("<number>.log") in `dir`.
WalFiles FindWalFiles(const std::filesystem::path& dir) {
  WalFiles w;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".log") continue;
    ++w.count;
    const std::uintmax_t size = e.file_size(ec);
    if (!ec) w.bytes += size;
  }
  return w;
}

// Expired records removed per Put, beyond what eviction needs.
constexpr int kPurgePerPut = 2;

absl::Status FromRocksDB(const rocksdb::Status& s, std::string_view directory,
                         std::string_view what) {
  const std::string msg =
      absl::StrCat("L3 store at '", AV(directory), "': ", AV(what), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsIOError()) return absl::FailedPreconditionError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsNotSupported()) return absl::UnimplementedError(msg);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

std::string Printable(std::string_view key) {
  constexpr std::size_t kMax = 64;
  std::string out = absl::CHexEscape(AV(key.substr(0, kMax)));
  if (key.size() > kMax) absl::StrAppend(&out, "...");
  return out;
}

std::uint64_t ExpiryMicros(absl::Time expiry) {
  if (expiry == absl::InfiniteFuture()) return 0;
  return static_cast<std::uint64_t>(std::max<std::int64_t>(1, absl::ToUnixMicros(expiry)));
}

bool Expired(std::uint64_t expiry_micros, std::uint64_t now) {
  return expiry_micros != 0 && expiry_micros <= now;
}

std::uint64_t OrderExpiry(std::uint64_t expiry_micros) {
  return expiry_micros == 0 ? std::numeric_limits<std::uint64_t>::max() : expiry_micros;
}

}  // namespace

std::uint64_t PersistentStore::RecordCharge(std::size_t key_bytes,
                                            std::size_t value_bytes) {
  return key_bytes + kL3RecordHeaderBytes + value_bytes;
}

absl::StatusOr<std::unique_ptr<PersistentStore>> PersistentStore::Open(
    const PersistentStoreOptions& options) {
  if (options.directory.empty()) {
    return absl::InvalidArgumentError("L3 store: directory is empty");
  }
  const std::string& dir = options.directory;
  if (options.capacity_bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("L3 store at '", dir, "': capacity_bytes must be > 0"));
  }
  if (options.max_entry_bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("L3 store at '", dir, "': max_entry_bytes must be > 0"));
  }
  std::error_code ec;
  const std::filesystem::path path(dir);
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "L3 store at '", dir, "': path exists and is not a directory"));
  }
  ec.clear();
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "L3 store at '", dir, "': cannot create directory: ", ec.message()));
  }

  rocksdb::Options db_options;
  if (options.env != nullptr) db_options.env = options.env;
  // A store that went out of service left this marker: its records may be
  // stale, so the database is destroyed rather than read.
  const std::filesystem::path marker = path / kDiscardMarker;
  const bool discard = std::filesystem::exists(marker, ec);
  if (discard) {
    rocksdb::Status d = rocksdb::DestroyDB(dir, db_options);
    if (!d.ok()) return FromRocksDB(d, dir, "cannot discard the stale database");
    std::filesystem::create_directories(path, ec);
    std::filesystem::remove(marker, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "L3 store at '", dir, "': cannot remove ", kDiscardMarker, ": ", ec.message()));
    }
  }
  db_options.create_if_missing = true;
  db_options.paranoid_checks = true;
  // A cache tier wants a small memtable, not RocksDB's 64 MiB default.
  db_options.write_buffer_size = static_cast<std::size_t>(
      std::clamp<std::uint64_t>(options.capacity_bytes / 8, 1 << 20, 64 << 20));
  db_options.keep_log_file_num = 2;
  // Open cost, paid by every process that opens the tier (a warm `adaptrt
  // analyze` is ~0.1 s): when the WAL holds data (the writes of the last
  // process), replay it into the memtable instead of flushing it to a new
  // SST file with its fsyncs (tens of ms of wall time here); the WAL stays
  // until a flush, so acknowledged writes survive as before. RocksDB then
  // keeps every recovered WAL file, and starts a new one at each open, while
  // that data is unflushed: once there are more than kMaxWalFilesAtOpen,
  // the open flushes as RocksDB does by default, which frees them all.
  // RocksDB also keeps empty WAL files (one more per open of a store that
  // is only read) until a flush, and it flushes nothing without data: past
  // kMaxWalFilesAtOpen of them, Open writes a tombstone for a key no record
  // uses and flushes it (see below), which frees them.
  const WalFiles wal = FindWalFiles(path);
  db_options.avoid_flush_during_recovery = wal.bytes > 0 && wal.count <= kMaxWalFilesAtOpen;
  // No statistics dump thread, no SST property reads at open.
  db_options.stats_dump_period_sec = 0;
  db_options.skip_stats_update_on_db_open = true;
  // A cache tier holds few table files: opening them on one thread is
  // cheaper than starting RocksDB's default 16 (DB::Open: ~13 -> ~9 ms of
  // CPU for a 9k-record L3, measured first-open-per-process here).
  db_options.max_file_opening_threads = 1;
  // LOG keeps warnings and errors, not the few hundred lines of options
  // RocksDB writes at info level on every open.
  db_options.info_log_level = rocksdb::WARN_LEVEL;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  try {
    s = rocksdb::DB::Open(db_options, dir, &raw);
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("L3 store at '", dir, "': RocksDB threw: ", e.what()));
  }
  if (!s.ok()) return FromRocksDB(s, dir, "cannot open database");
  std::unique_ptr<PersistentStore> store(
      new PersistentStore(options, std::unique_ptr<rocksdb::DB>(raw)));
  store->discarded_at_open_ = discard;
  {
    // One scan validates and counts; the index waits for the first write
    // (see the header), unless the data already exceed the capacity.
    std::lock_guard<std::mutex> lock(store->mu_);
    if (absl::Status scan = store->ScanLocked(/*build_index=*/false); !scan.ok()) return scan;
    if (store->charged_bytes_ > store->capacity_) {
      if (absl::Status s = store->EnsureIndexedLocked(); !s.ok()) return s;
      if (absl::Status s = store->EvictOverCapacityLocked(); !s.ok()) return s;
    }
  }
  if (wal.bytes == 0 && wal.count > kMaxWalFilesAtOpen) {
    const rocksdb::Slice trim(kWalTrimKey, sizeof(kWalTrimKey) - 1);
    std::string unused;
    const bool used = !store->db_->Get(rocksdb::ReadOptions(), trim, &unused).IsNotFound();
    if (!used) {  // never delete a record of the user's
      rocksdb::Status t = store->db_->Delete(rocksdb::WriteOptions(), trim);
      if (t.ok()) t = store->db_->Flush(rocksdb::FlushOptions());
      if (!t.ok()) return FromRocksDB(t, dir, "cannot flush to free the empty write-ahead logs");
    }
  }
  return store;
}

bool PersistentStore::DatabaseExists(const std::string& directory) {
  const std::filesystem::path path(directory);
  std::error_code ec;
  // A discard marker means Open destroys the database and starts empty.
  return std::filesystem::is_regular_file(path / "CURRENT", ec) &&
         !std::filesystem::exists(path / kDiscardMarker, ec);
}

PersistentStore::PersistentStore(PersistentStoreOptions options,
                                 std::unique_ptr<rocksdb::DB> db)
    : options_(std::move(options)), db_(std::move(db)), capacity_(options_.capacity_bytes) {}

PersistentStore::~PersistentStore() {
  if (db_ == nullptr) return;
  // Records still only in the WAL (this process's writes, or a previous
  // process's that Open replayed) go to an SST file now, so that the next
  // Open reads them from a table instead of replaying the log into a
  // memtable: the writer pays once (~10 ms for 9k small records) instead
  // of every later reader (replay was ~35 ms of CPU per open for the same
  // data). Best effort: a failed flush leaves the WAL, which the next Open
  // replays as before.
  // RocksDB may throw (std::system_error when it cannot start the flush's
  // thread); nothing may leave a destructor.
  try {
    std::uint64_t unflushed = 0;
    if (!out_of_service() &&
        db_->GetIntProperty("rocksdb.num-entries-active-mem-table", &unflushed) &&
        unflushed > 0) {
      db_->Flush(rocksdb::FlushOptions()).PermitUncheckedError();
    }
  } catch (...) {  // the WAL keeps the records; the next Open replays them
  }
  try {
    db_->Close().PermitUncheckedError();
  } catch (...) {  // the process is closing the store; nothing to report to
  }
}

std::uint64_t PersistentStore::NowMicros() const {
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, absl::ToUnixMicros(now)));
}

absl::Status PersistentStore::ScanLocked(bool build_index) {
  const std::uint64_t now = NowMicros();
  rocksdb::WriteBatch removals;
  std::uint64_t corrupt = 0, expired = 0, entries = 0, charged = 0;
  if (build_index) {
    // Sized once from RocksDB's estimate (exact for a freshly flushed
    // table), so that the index does not rehash while it fills.
    std::uint64_t estimated_records = 0;
    if (db_->GetIntProperty("rocksdb.estimate-num-keys", &estimated_records)) {
      index_.reserve(static_cast<std::size_t>(
          std::min<std::uint64_t>(estimated_records, std::uint64_t{1} << 22)));
    }
  }
  {
    rocksdb::ReadOptions ro;
    // One pass over every block: caching them would only touch fresh memory
    // (~12 us per page on the 2-core VM, docs/analyze.md); without, each
    // block's buffer is freed and the next one reuses it.
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      const std::string_view value(it->value().data(), it->value().size());
      absl::StatusOr<L3Record> rec = DecodeL3Record(key, value);
      if (!rec.ok()) {
        ++corrupt;
        removals.Delete(it->key()).PermitUncheckedError();
        continue;
      }
      if (Expired(rec->expiry_micros, now)) {
        ++expired;
        removals.Delete(it->key()).PermitUncheckedError();
        continue;
      }
      const std::uint64_t charge = key.size() + value.size();
      if (build_index) IndexInsertLocked(std::string(key), charge, rec->expiry_micros);
      ++entries;
      charged += charge;
    }
    if (!it->status().ok()) return FromRocksDB(it->status(), options_.directory, "scan failed");
  }
  if (removals.Count() > 0) {
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &removals);
    if (!s.ok()) return FromRocksDB(s, options_.directory, "cannot remove bad records");
  }
  corrupt_records_.fetch_add(corrupt, std::memory_order_relaxed);
  expired_removed_.fetch_add(expired, std::memory_order_relaxed);
  unindexed_entries_ = entries;
  charged_bytes_ = charged;
  return absl::OkStatus();
}

absl::Status PersistentStore::EnsureIndexedLocked() {
  if (indexed_) return absl::OkStatus();
  // No write happened since Open's scan (every write comes here first), so
  // this scan finds the records Open counted, less those expired since.
  const std::uint64_t entries = unindexed_entries_, charged = charged_bytes_;
  charged_bytes_ = 0;
  if (absl::Status s = ScanLocked(/*build_index=*/true); !s.ok()) {
    index_.clear();
    order_.clear();
    unindexed_entries_ = entries;
    charged_bytes_ = charged;
    return absl::Status(s.code(), absl::StrCat(s.message(), " (building the L3 index)"));
  }
  indexed_ = true;
  return absl::OkStatus();
}

absl::Status PersistentStore::BeginWriteLocked() {
  if (out_of_service()) return OutOfServiceErrorLocked();
  // A write that cannot be made leaves L3 with the key's older value.
  if (absl::Status s = EnsureIndexedLocked(); !s.ok()) return WriteFailedLocked(s);
  return absl::OkStatus();
}

absl::Status PersistentStore::EvictOverCapacityLocked() {
  std::uint64_t expired = 0;
  const std::vector<std::string> victims = PickVictimsLocked(0, {}, 0, NowMicros(), &expired);
  if (victims.empty()) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  for (const std::string& v : victims) batch.Delete(v).PermitUncheckedError();
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocksDB(s, options_.directory, "eviction failed");
  for (const std::string& v : victims) IndexEraseLocked(v);
  evictions_ += victims.size() - expired;
  expired_removed_.fetch_add(expired, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status PersistentStore::WriteFailedLocked(const absl::Status& cause) {
  io_errors_.fetch_add(1, std::memory_order_relaxed);
  if (!out_of_service_.load(std::memory_order_relaxed)) {
    first_write_error_ = cause;
    out_of_service_.store(true, std::memory_order_release);
    // Best effort: if even this fails, a restart may read stale records.
    std::ofstream(std::filesystem::path(options_.directory) / kDiscardMarker).flush();
  }
  return absl::UnavailableError(absl::StrCat(
      cause.message(), "; the L3 store is out of service (it may hold a stale value of the key)"));
}

absl::Status PersistentStore::OutOfServiceErrorLocked() const {
  return absl::FailedPreconditionError(absl::StrCat(
      "L3 store at '", options_.directory, "' is out of service since a write failed: ",
      first_write_error_.message()));
}

void PersistentStore::IndexInsertLocked(std::string key, std::uint64_t charge,
                                        std::uint64_t expiry_micros) {
  IndexRestoreLocked(std::move(key), IndexEntry{charge, expiry_micros, next_seq_++});
}

void PersistentStore::IndexRestoreLocked(std::string key, const IndexEntry& entry) {
  auto [it, inserted] = index_.try_emplace(std::move(key));
  if (!inserted) {  // replaced: its old place in the order goes
    order_.erase(OrderKey(OrderExpiry(it->second.expiry_micros), it->second.seq, &it->first));
    charged_bytes_ -= it->second.charge;
  }
  it->second = entry;
  order_.emplace(OrderExpiry(entry.expiry_micros), entry.seq, &it->first);
  charged_bytes_ += entry.charge;
}

void PersistentStore::IndexEraseLocked(std::string_view key) {
  auto it = index_.find(AV(key));
  if (it == index_.end()) return;
  order_.erase(OrderKey(OrderExpiry(it->second.expiry_micros), it->second.seq, &it->first));
  charged_bytes_ -= it->second.charge;
  index_.erase(it);
}

std::vector<std::string> PersistentStore::PickVictimsLocked(
    std::uint64_t incoming, std::string_view replacing, int purge_limit,
    std::uint64_t now, std::uint64_t* expired_count) {
  std::vector<std::string> victims;
  std::uint64_t freed = 0;
  if (auto it = index_.find(AV(replacing)); !replacing.empty() && it != index_.end()) {
    freed = it->second.charge;
  }
  *expired_count = 0;
  for (auto it = order_.begin(); it != order_.end(); ++it) {
    const auto& [expiry, seq, key_in_index] = *it;
    const std::string& key = *key_in_index;
    if (key == replacing) continue;
    const bool over = charged_bytes_ - freed + incoming > capacity_;
    const bool expired = expiry != std::numeric_limits<std::uint64_t>::max() && expiry <= now;
    if (!over && !(expired && purge_limit > 0)) break;
    if (!over) --purge_limit;
    if (expired) ++*expired_count;
    freed += index_.find(key)->second.charge;
    victims.push_back(key);
  }
  return victims;
}

absl::StatusOr<std::optional<std::string>> PersistentStore::Get(std::string_view key,
                                                                absl::Time* expiry) {
  if (out_of_service()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  if (!s.ok()) {
    io_errors_.fetch_add(1, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    absl::Status st = FromRocksDB(s, options_.directory,
                                  absl::StrCat("read of key \"", Printable(key), "\" failed"));
    if (s.IsCorruption()) return st;
    return absl::UnavailableError(st.message());
  }
  absl::StatusOr<L3Record> rec = DecodeL3Record(key, value);
  if (!rec.ok()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    RemoveIfStillBad(key);
    return absl::DataLossError(absl::StrCat("L3 store at '", options_.directory, "': key \"",
                                            Printable(key), "\": ", std::string(rec.status().message()),
                                            "; record removed"));
  }
  if (Expired(rec->expiry_micros, NowMicros())) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    RemoveIfStillBad(key);
    return std::nullopt;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  if (expiry != nullptr) {
    *expiry = rec->expiry_micros == 0
                  ? absl::InfiniteFuture()
                  : absl::FromUnixMicros(static_cast<std::int64_t>(rec->expiry_micros));
  }
  return std::string(rec->payload);
}

absl::StatusOr<std::uint64_t> PersistentStore::ScanPrefix(
    std::string_view prefix,
    absl::FunctionRef<void(std::string_view key, std::string_view value)> fn) {
  if (out_of_service()) {
    std::lock_guard<std::mutex> lock(mu_);
    return OutOfServiceErrorLocked();
  }
  const std::uint64_t now = NowMicros();
  rocksdb::ReadOptions ro;
  // A one-pass bulk read: do not churn RocksDB's block cache with it.
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  std::uint64_t passed = 0;
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.substr(0, prefix.size()) != prefix) break;  // past the prefix (keys are sorted)
    absl::StatusOr<L3Record> rec =
        DecodeL3Record(key, std::string_view(it->value().data(), it->value().size()));
    if (!rec.ok() || Expired(rec->expiry_micros, now)) continue;
    fn(key, rec->payload);
    ++passed;
  }
  if (!it->status().ok()) {
    io_errors_.fetch_add(1, std::memory_order_relaxed);
    absl::Status st = FromRocksDB(it->status(), options_.directory,
                                  absl::StrCat("scan of prefix \"", Printable(prefix), "\" failed"));
    if (it->status().IsCorruption()) return st;
    return absl::UnavailableError(st.message());
  }
  return passed;
}

void PersistentStore::RemoveIfStillBad(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (out_of_service()) return;
  std::string value;
  const rocksdb::Slice k(key.data(), key.size());
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), k, &value);
  if (!s.ok()) return;
  absl::StatusOr<L3Record> rec = DecodeL3Record(key, value);
  const bool corrupt = !rec.ok();
  if (!corrupt && !Expired(rec->expiry_micros, NowMicros())) return;
  if (!db_->Delete(rocksdb::WriteOptions(), k).ok()) {
    io_errors_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (indexed_) {
    IndexEraseLocked(key);
  } else {
    // Counted by Open's scan (it was valid then; nothing wrote it since, or
    // the index would be built): counted out without building the index.
    unindexed_entries_ -= std::min<std::uint64_t>(unindexed_entries_, 1);
    charged_bytes_ -= std::min<std::uint64_t>(charged_bytes_, key.size() + value.size());
  }
  (corrupt ? corrupt_records_ : expired_removed_).fetch_add(1, std::memory_order_relaxed);
}

absl::Status PersistentStore::Put(std::string_view key, std::string_view value,
                                  absl::Time expiry) {
  const std::uint64_t charge = RecordCharge(key.size(), value.size());
  const bool too_big = charge > options_.max_entry_bytes;
  std::string record;
  if (!too_big) EncodeL3Record(key, value, ExpiryMicros(expiry), &record);
  const std::uint64_t now = NowMicros();
  const std::uint64_t expiry_micros = ExpiryMicros(expiry);

  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginWriteLocked(); !s.ok()) return s;
  const bool over_capacity = charge > capacity_;
  const bool store = !too_big && !over_capacity && !Expired(expiry_micros, now);
  std::uint64_t expired = 0;
  std::vector<std::string> victims =
      PickVictimsLocked(store ? charge : 0, store ? key : std::string_view(), kPurgePerPut,
                        now, &expired);
  rocksdb::WriteBatch batch;
  for (const std::string& v : victims) batch.Delete(v).PermitUncheckedError();
  const rocksdb::Slice k(key.data(), key.size());
  if (store) {
    batch.Put(k, record).PermitUncheckedError();
  } else if (index_.contains(AV(key))) {
    batch.Delete(k).PermitUncheckedError();  // Do not serve a stale value.
  }
  if (batch.Count() > 0) {
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) {
      return WriteFailedLocked(FromRocksDB(
          s, options_.directory, absl::StrCat("write of key \"", Printable(key), "\" failed")));
    }
  }
  for (const std::string& v : victims) IndexEraseLocked(v);
  evictions_ += victims.size() - expired;
  expired_removed_.fetch_add(expired, std::memory_order_relaxed);
  IndexEraseLocked(key);
  if (store) {
    IndexInsertLocked(std::string(key), charge, expiry_micros);
    ++puts_;
  }
  if (too_big || over_capacity) {
    return absl::InvalidArgumentError(absl::StrCat(
        "L3 store at '", options_.directory, "': entry for key \"", Printable(key), "\" is ",
        charge, " bytes, larger than the ", too_big ? "max_entry_bytes " : "capacity ",
        too_big ? options_.max_entry_bytes : capacity_));
  }
  return absl::OkStatus();
}

absl::Status PersistentStore::PutBatch(std::span<const BatchEntry> entries) {
  const std::uint64_t now = NowMicros();
  std::vector<std::string> records(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const BatchEntry& e = entries[i];
    if (RecordCharge(e.key.size(), e.value.size()) <= options_.max_entry_bytes) {
      EncodeL3Record(e.key, e.value, ExpiryMicros(e.expiry), &records[i]);
    }
  }
  if (entries.empty()) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginWriteLocked(); !s.ok()) return s;
  // The first state of every key this batch touches, to undo on failure.
  absl::flat_hash_map<std::string, std::optional<IndexEntry>> undo;
  auto save = [&](std::string_view key) {
    if (undo.contains(AV(key))) return;
    auto it = index_.find(AV(key));
    undo.emplace(std::string(key), it == index_.end() ? std::nullopt
                                                      : std::optional<IndexEntry>(it->second));
  };
  rocksdb::WriteBatch batch;
  std::uint64_t stored = 0, evicted = 0, expired_total = 0;
  absl::Status refused;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const BatchEntry& e = entries[i];
    const std::uint64_t charge = RecordCharge(e.key.size(), e.value.size());
    const std::uint64_t expiry_micros = ExpiryMicros(e.expiry);
    const bool too_big = charge > options_.max_entry_bytes;
    const bool over_capacity = charge > capacity_;
    const bool store = !too_big && !over_capacity && !Expired(expiry_micros, now);
    std::uint64_t expired = 0;
    const std::vector<std::string> victims =
        PickVictimsLocked(store ? charge : 0, store ? e.key : std::string_view(), kPurgePerPut,
                          now, &expired);
    for (const std::string& v : victims) {
      save(v);
      batch.Delete(v).PermitUncheckedError();
      IndexEraseLocked(v);
    }
    evicted += victims.size() - expired;
    expired_total += expired;
    save(e.key);
    const rocksdb::Slice k(e.key.data(), e.key.size());
    if (store) {
      batch.Put(k, records[i]).PermitUncheckedError();
    } else if (index_.contains(AV(e.key))) {
      batch.Delete(k).PermitUncheckedError();  // Do not serve a stale value.
    }
    IndexEraseLocked(e.key);
    if (store) {
      IndexInsertLocked(std::string(e.key), charge, expiry_micros);
      ++stored;
    }
    if ((too_big || over_capacity) && refused.ok()) {
      refused = absl::InvalidArgumentError(absl::StrCat(
          "L3 store at '", options_.directory, "': entry for key \"", Printable(e.key), "\" is ",
          charge, " bytes, larger than the ", too_big ? "max_entry_bytes " : "capacity ",
          too_big ? options_.max_entry_bytes : capacity_));
    }
  }
  if (batch.Count() > 0) {
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) {
      for (auto& [key, before] : undo) {
        IndexEraseLocked(key);
        if (before.has_value()) IndexRestoreLocked(key, *before);
      }
      return WriteFailedLocked(FromRocksDB(
          s, options_.directory,
          absl::StrCat("batch write of ", entries.size(), " records failed")));
    }
  }
  puts_ += stored;
  evictions_ += evicted;
  expired_removed_.fetch_add(expired_total, std::memory_order_relaxed);
  return refused;
}

absl::Status PersistentStore::Erase(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status begun = BeginWriteLocked(); !begun.ok()) return begun;
  rocksdb::Status s = db_->Delete(rocksdb::WriteOptions(), rocksdb::Slice(key.data(), key.size()));
  if (!s.ok()) {
    return WriteFailedLocked(FromRocksDB(
        s, options_.directory, absl::StrCat("erase of key \"", Printable(key), "\" failed")));
  }
  IndexEraseLocked(key);
  return absl::OkStatus();
}

absl::Status PersistentStore::SetCapacity(std::uint64_t bytes) {
  if (bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("L3 store at '", options_.directory, "': capacity must be > 0"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  capacity_ = bytes;
  if (out_of_service()) return OutOfServiceErrorLocked();
  if (charged_bytes_ <= capacity_) return absl::OkStatus();  // nothing to evict
  if (absl::Status s = BeginWriteLocked(); !s.ok()) return s;
  if (absl::Status s = EvictOverCapacityLocked(); !s.ok()) return WriteFailedLocked(s);
  return absl::OkStatus();
}

absl::Status PersistentStore::Flush() {
  rocksdb::Status s = db_->Flush(rocksdb::FlushOptions());
  if (!s.ok()) return FromRocksDB(s, options_.directory, "flush failed");
  return absl::OkStatus();
}

PersistentStoreStats PersistentStore::Stats() const {
  PersistentStoreStats out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.entries = indexed_ ? index_.size() : unindexed_entries_;
    out.charged_bytes = charged_bytes_;
    out.capacity_bytes = capacity_;
    out.puts = puts_;
    out.evictions = evictions_;
  }
  out.out_of_service = out_of_service();
  out.discarded_at_open = discarded_at_open_;
  out.hits = hits_.load(std::memory_order_relaxed);
  out.misses = misses_.load(std::memory_order_relaxed);
  out.expired_removed = expired_removed_.load(std::memory_order_relaxed);
  out.corrupt_records = corrupt_records_.load(std::memory_order_relaxed);
  out.io_errors = io_errors_.load(std::memory_order_relaxed);
  return out;
}

}  // namespace adaptrt::cache_internal
