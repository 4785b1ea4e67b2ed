// history.cc: the history file. Parsing is all-or-nothing: one bad line
// marks the file corrupt and the whole file is ignored (a half-trusted
// history could start a run from a wrong setting).
//
// Save across processes: flock(LOCK_EX) on the file's directory (not on the
// file, which rename replaces: a lock on it would lock an unlinked inode; and
// no lock file to leave behind) around read, merge, write-temporary, rename.
// The kernel
// drops the lock when a holder dies, so a SIGKILLed writer never blocks the
// others. Under the lock no one else is writing, so leftover
// "<name>.tmp.*" files are orphans of killed writers and are removed.

#include "tuning/history.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tuning/internal/file_util.h"

namespace adaptrt::tuning {
namespace {

constexpr char kMagic[] = "adaptrt-history 1";

const char* TypeTag(TaskType type) {
  switch (type) {
    case TaskType::kCpuBound:
      return "cpu-bound";
    case TaskType::kIoBound:
      return "io-bound";
    case TaskType::kMixed:
      break;
  }
  return "mixed";
}

}  // namespace

std::string WorkloadSignature(TaskType type, ReusePattern pattern, double working_set_keys) {
  const int log2 =
      working_set_keys >= 1 ? static_cast<int>(std::lround(std::log2(working_set_keys))) : 0;
  return absl::StrCat(TypeTag(type), "/", ReusePatternName(pattern), "/ws2^", log2);
}

std::string History::DefaultPath() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
    return absl::StrCat(xdg, "/adaptrt/history.tsv");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return absl::StrCat(home, "/.cache/adaptrt/history.tsv");
  }
  return ".cache/adaptrt/history.tsv";
}

History History::Load(const std::string& path, std::string* warning) {
  History history;
  absl::StatusOr<std::string> content = tuning_internal::ReadFile(path);
  if (!content.ok()) {
    if (!absl::IsNotFound(content.status()) && warning != nullptr) {
      *warning = absl::StrCat(content.status().message(), "; history ignored");
    }
    return history;
  }
  std::vector<absl::string_view> lines = absl::StrSplit(*content, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kMagic) {
    if (warning != nullptr) {
      *warning = absl::StrCat(path, ": not an adaptrt history file (expected first line \"",
                              kMagic, "\"); history ignored");
    }
    return history;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<absl::string_view> f = absl::StrSplit(lines[i], '\t');
    HistoryRecord r;
    bool ok = f.size() == 8;
    if (ok) {
      r.signature = std::string(f[0]);
      ok = !r.signature.empty() && absl::SimpleAtoi(f[1], &r.workers) &&
           absl::SimpleAtoi(f[2], &r.tiers.l1_bytes) &&
           absl::SimpleAtoi(f[3], &r.tiers.l2_bytes) &&
           absl::SimpleAtoi(f[4], &r.tiers.l3_bytes) && absl::SimpleAtod(f[5], &r.score) &&
           absl::SimpleAtod(f[6], &r.hit_rate) && absl::SimpleAtoi(f[7], &r.unix_seconds) &&
           r.workers >= 0 && std::isfinite(r.score);
    }
    if (!ok) {
      if (warning != nullptr) {
        *warning = absl::StrCat(path, ":", i + 1, ": corrupt record; history ignored");
      }
      return History();
    }
    history.records_[r.signature] = r;
  }
  return history;
}

std::optional<HistoryRecord> History::Best(const std::string& signature) const {
  auto it = records_.find(signature);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void History::Record(const HistoryRecord& record) {
  auto [it, inserted] = records_.emplace(record.signature, record);
  if (!inserted && record.score > it->second.score) it->second = record;
}

namespace {

// An exclusive flock on a directory, released (with the descriptor) on
// destruction.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& lock_path) {
    fd_ = ::open(lock_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) {
      status_ = absl::InternalError(absl::StrCat(lock_path, ": open: ", std::strerror(errno)));
      return;
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      status_ = absl::InternalError(absl::StrCat(lock_path, ": flock: ", std::strerror(errno)));
      return;
    }
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  const absl::Status& status() const { return status_; }

 private:
  int fd_ = -1;
  absl::Status status_;
};

// Removes "<name>.tmp.*" next to `path`. REQUIRES: the history lock held.
void RemoveOrphanTemporaries(const std::filesystem::path& path) {
  const std::string prefix = path.filename().string() + ".tmp.";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path.parent_path(), ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) {
      std::filesystem::remove(e.path(), ec);
    }
  }
}

}  // namespace

absl::Status History::Save(const std::string& path) const {
  const std::filesystem::path target =
      std::filesystem::absolute(std::filesystem::path(path));
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat(target.parent_path().string(), ": create_directories: ", ec.message()));
  }
  DirectoryLock lock(target.parent_path().string());
  if (!lock.status().ok()) return lock.status();
  RemoveOrphanTemporaries(target);
  // What others saved since we loaded; a corrupt file is replaced.
  History merged = Load(path, nullptr);
  for (const auto& [signature, r] : records_) merged.Record(r);
  std::string out = absl::StrCat(kMagic, "\n");
  for (const auto& [signature, r] : merged.records_) {
    absl::StrAppend(&out, absl::StrFormat("%s\t%d\t%d\t%d\t%d\t%.17g\t%.17g\t%d\n", signature,
                                          r.workers, r.tiers.l1_bytes, r.tiers.l2_bytes,
                                          r.tiers.l3_bytes, r.score, r.hit_rate,
                                          r.unix_seconds));
  }
  return tuning_internal::WriteFileAtomically(path, out);
}

}  // namespace adaptrt::tuning
