// fault_fs.h: a RocksDB FileSystem that fails on demand, for fault-injection
// tests of the L3 tier (cache/internal/persistent_store.h).
//
// FaultFileSystem forwards every call to the default file system, except:
//   - writes (Append, PositionedAppend) once the write budget is spent fail
//     with IOStatus::NoSpace ("disk full"); a write that straddles the budget
//     is cut: its first bytes reach the file, then it fails (a torn write);
//   - creating or reopening a file for writing fails with IOError
//     "Permission denied" while FailCreates(true) (an unwritable directory,
//     which chmod cannot give a test running as root).
// Every failure returned is counted in faults_injected().
//
// Thread-safety: thread-safe (atomics; RocksDB calls from its own threads).
// Ownership:     MakeEnv returns an Env that shares the file system; the Env
//                must outlive every database opened with it.
// Errors:        the injected ones only.

#ifndef ADAPTRT_TESTS_RELIABILITY_FAULT_FS_H_
#define ADAPTRT_TESTS_RELIABILITY_FAULT_FS_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace adaptrt::testing {

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultFileSystem();

  const char* Name() const override { return "AdaptrtFaultFileSystem"; }

  // Writes of more than `bytes` more bytes fail (NoSpace). kUnlimited heals.
  void SetWriteBudget(std::uint64_t bytes) { budget_.store(bytes); }
  // Every write fails from now on (SetWriteBudget(0)).
  void FailWritesNow() { SetWriteBudget(0); }
  void Heal() {
    SetWriteBudget(kUnlimited);
    FailCreates(false);
  }
  void FailCreates(bool fail) { fail_creates_.store(fail); }

  std::uint64_t faults_injected() const { return faults_.load(); }
  std::uint64_t bytes_written() const { return written_.load(); }

  // A new Env using this file system.
  static std::unique_ptr<rocksdb::Env> MakeEnv(const std::shared_ptr<FaultFileSystem>& fs);

  static constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override;

  // Used by the wrapped files: how many of `n` bytes may be written now
  // (n if all, fewer for a torn write). Counts a fault when it returns < n.
  std::uint64_t Admit(std::uint64_t n);

 private:
  rocksdb::IOStatus Wrap(rocksdb::IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r);
  rocksdb::IOStatus CreateFault(const std::string& f);

  std::atomic<std::uint64_t> budget_{kUnlimited};
  std::atomic<bool> fail_creates_{false};
  std::atomic<std::uint64_t> faults_{0};
  std::atomic<std::uint64_t> written_{0};
};

}  // namespace adaptrt::testing

#endif  // ADAPTRT_TESTS_RELIABILITY_FAULT_FS_H_
