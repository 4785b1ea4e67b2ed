// fault_fs.cc: FaultFileSystem. The write budget is one atomic, decremented
// by compare-exchange so concurrent writers (RocksDB's WAL writer and its
// flush thread) never overdraw it: the bytes admitted in total never exceed
// the budget set. Atomics are seq_cst (test code; simplicity first).

#include "tests/reliability/fault_fs.h"

#include <algorithm>
#include <utility>

namespace adaptrt::testing {
namespace {

class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(std::unique_ptr<rocksdb::FSWritableFile> target, FaultFileSystem* fs)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    const std::uint64_t ok = fs_->Admit(data.size());
    if (ok == data.size()) return target()->Append(data, options, dbg);
    if (ok > 0) {
      target()->Append(rocksdb::Slice(data.data(), ok), options, dbg).PermitUncheckedError();
    }
    return rocksdb::IOStatus::NoSpace("injected: disk full");
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& /*info*/,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    const std::uint64_t ok = fs_->Admit(data.size());
    if (ok == data.size()) return target()->PositionedAppend(data, offset, options, dbg);
    if (ok > 0) {
      target()
          ->PositionedAppend(rocksdb::Slice(data.data(), ok), offset, options, dbg)
          .PermitUncheckedError();
    }
    return rocksdb::IOStatus::NoSpace("injected: disk full");
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& /*info*/,
                                     rocksdb::IODebugContext* dbg) override {
    return PositionedAppend(data, offset, options, dbg);
  }

 private:
  FaultFileSystem* const fs_;
};

}  // namespace

FaultFileSystem::FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

std::unique_ptr<rocksdb::Env> FaultFileSystem::MakeEnv(
    const std::shared_ptr<FaultFileSystem>& fs) {
  return rocksdb::NewCompositeEnv(fs);
}

std::uint64_t FaultFileSystem::Admit(std::uint64_t n) {
  std::uint64_t budget = budget_.load();
  while (true) {
    if (budget == kUnlimited) {
      written_ += n;
      return n;
    }
    const std::uint64_t ok = std::min(budget, n);
    if (budget_.compare_exchange_weak(budget, budget - ok)) {
      written_ += ok;
      if (ok < n) ++faults_;
      return ok;
    }
  }
}

rocksdb::IOStatus FaultFileSystem::CreateFault(const std::string& f) {
  ++faults_;
  return rocksdb::IOStatus::IOError("injected: " + f, "Permission denied");
}

rocksdb::IOStatus FaultFileSystem::Wrap(rocksdb::IOStatus s,
                                        std::unique_ptr<rocksdb::FSWritableFile>* r) {
  if (s.ok()) *r = std::make_unique<FaultWritableFile>(std::move(*r), this);
  return s;
}

rocksdb::IOStatus FaultFileSystem::NewWritableFile(const std::string& f,
                                                   const rocksdb::FileOptions& o,
                                                   std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                   rocksdb::IODebugContext* dbg) {
  if (fail_creates_.load()) return CreateFault(f);
  return Wrap(target()->NewWritableFile(f, o, r, dbg), r);
}

rocksdb::IOStatus FaultFileSystem::ReopenWritableFile(
    const std::string& f, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  if (fail_creates_.load()) return CreateFault(f);
  return Wrap(target()->ReopenWritableFile(f, o, r, dbg), r);
}

rocksdb::IOStatus FaultFileSystem::ReuseWritableFile(
    const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  if (fail_creates_.load()) return CreateFault(f);
  return Wrap(target()->ReuseWritableFile(f, old, o, r, dbg), r);
}

}  // namespace adaptrt::testing
