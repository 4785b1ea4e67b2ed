// tree_walker.cc: an iterative depth-first walk (open(O_DIRECTORY) +
// getdents64 to list, fstatat relative to the directory to examine).
//
// Design: a stack of directory paths, no recursion, so depth is bounded by
// memory and not by the thread's stack. For each directory: list all names,
// sort them, call the test hook, then examine each name with fstatat on the
// directory's descriptor (except entries the listing reports as directories
// when links are not followed: nothing of their stat is needed) (no path lookup from the root per entry: about a
// third of the walk's system time on /usr/include), then close it. At most
// one directory descriptor is open at a time (also while on_file runs).
// Subdirectories are pushed in reverse order so they pop in byte order.
// Every failing system call becomes a counted WalkProblem: ENOENT after a
// listing means the entry vanished, ENOENT/ELOOP through a link mean a
// dangling link or a link loop. With follow_directory_symlinks, the
// (device, inode) of every walked directory is remembered: one seen before
// is a cycle (or a second path into the same tree) and is reported, not
// walked. Nothing here throws on purpose; std::bad_alloc is the only
// exception that can escape, as everywhere in adaptrt.

#include "runtime/analyze/tree_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace adaptrt::analyze {
namespace {

std::int64_t MtimeNs(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 +
         st.st_mtim.tv_nsec;
}

FileEntry MakeEntry(std::string path, const struct stat& st, bool via_symlink) {
  FileEntry e;
  e.path = std::move(path);
  e.size = static_cast<std::uint64_t>(st.st_size);
  e.mtime_ns = MtimeNs(st);
  e.inode = static_cast<std::uint64_t>(st.st_ino);
  e.device = static_cast<std::uint64_t>(st.st_dev);
  e.via_symlink = via_symlink;
  return e;
}

// A listed directory entry: its name and getdents64's d_type (DT_UNKNOWN on
// file systems that do not fill it in).
struct Name {
  std::string name;
  unsigned char type;
  bool operator<(const Name& other) const { return name < other.name; }
};

class Walker {
 public:
  Walker(const WalkOptions& options,
         absl::FunctionRef<void(FileEntry&&)> on_file, WalkReport* report)
      : options_(options), on_file_(on_file), report_(report) {}

  void Problem(WalkProblem p, const std::string& path, int error) {
    ++report_->problems[static_cast<int>(p)];
    if (report_->examples.size() < options_.max_examples) {
      report_->examples.push_back(
          {path, p, error == 0 ? std::string() : std::string(std::strerror(error))});
    }
  }

  // A regular file (reached directly or through a link).
  void File(std::string path, const struct stat& st, bool via_symlink) {
    if (st.st_size == 0) {
      ++report_->empty_files;
      return;
    }
    if (static_cast<std::uint64_t>(st.st_size) > options_.max_file_bytes) {
      ++report_->too_large;
      return;
    }
    FileEntry entry = MakeEntry(std::move(path), st, via_symlink);
    ++report_->files;
    report_->bytes += entry.size;
    on_file_(std::move(entry));
  }

  // True when the directory should be walked (not seen before).
  bool FirstVisit(const struct stat& st) {
    if (!options_.follow_directory_symlinks) return true;
    return seen_.insert({static_cast<std::uint64_t>(st.st_dev),
                         static_cast<std::uint64_t>(st.st_ino)})
        .second;
  }

  void Run(std::string root) {
    std::vector<std::string> stack;
    stack.push_back(std::move(root));
    std::vector<Name> names;
    std::vector<std::string> subdirs;
    while (!stack.empty()) {
      std::string dir = std::move(stack.back());
      stack.pop_back();
      ++report_->directories;
      names.clear();
      const int dir_fd = List(dir, &names);
      if (dir_fd < 0) continue;
      std::sort(names.begin(), names.end());
      if (options_.after_list_hook) options_.after_list_hook(dir);
      subdirs.clear();
      for (const Name& name : names) {
        if (Excluded(name.name)) {
          ++report_->excluded;
          continue;
        }
        std::string path = absl::StrCat(dir == "/" ? "" : dir, "/", name.name);
        Visit(dir_fd, name, std::move(path), &subdirs);
      }
      ::close(dir_fd);
      for (auto it = subdirs.rbegin(); it != subdirs.rend(); ++it) {
        stack.push_back(std::move(*it));
      }
    }
  }

  bool Excluded(const std::string& name) const {
    return std::find(options_.excluded_names.begin(), options_.excluded_names.end(),
                     name) != options_.excluded_names.end();
  }

 private:
  // The open directory's descriptor with its names listed, or -1 (problem
  // counted). getdents64 on the descriptor, not fdopendir + readdir: those
  // add two fcntl calls per directory (1.8k on /usr/include, ~2 ms of a
  // warm analyze on the 2-core VM).
  int List(const std::string& dir, std::vector<Name>* names) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      int error = errno;
      Problem(error == ENOENT ? WalkProblem::kVanished
                              : WalkProblem::kUnreadableDirectory,
              dir, error);
      return -1;
    }
    if (listing_ == nullptr) listing_ = std::make_unique<Listing>();
    char* const buffer = listing_->bytes;
    for (;;) {
      const ssize_t n = ::getdents64(fd, buffer, sizeof(listing_->bytes));
      if (n == 0) break;
      if (n < 0) {
        int error = errno;
        ::close(fd);
        Problem(WalkProblem::kUnreadableDirectory, dir, error);
        return -1;
      }
      for (ssize_t offset = 0; offset < n;) {
        const auto* ent = reinterpret_cast<const struct dirent64*>(buffer + offset);
        std::string_view name(ent->d_name);
        if (name != "." && name != "..") names->push_back({std::string(name), ent->d_type});
        offset += ent->d_reclen;
      }
    }
    return fd;
  }

  // Examines `name` in the directory open as `dir_fd`; `path` is its full
  // path (for FileEntry and reports).
  void Visit(int dir_fd, const Name& entry, std::string path,
             std::vector<std::string>* subdirs) {
    const std::string& name = entry.name;
    if (entry.type == DT_DIR && !options_.follow_directory_symlinks) {
      // A directory (never a link: the listing reports those as DT_LNK), and
      // without following links no (device, inode) is needed: no fstatat.
      if (!options_.descend || options_.descend(path)) subdirs->push_back(std::move(path));
      return;
    }
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      int error = errno;
      Problem(error == ENOENT ? WalkProblem::kVanished : WalkProblem::kUnreadableEntry,
              path, error);
      return;
    }
    bool via_symlink = false;
    if (S_ISLNK(st.st_mode)) {
      via_symlink = true;
      if (::fstatat(dir_fd, name.c_str(), &st, 0) != 0) {
        int error = errno;
        WalkProblem p = error == ENOENT  ? WalkProblem::kDanglingSymlink
                        : error == ELOOP ? WalkProblem::kSymlinkLoop
                                         : WalkProblem::kUnreadableEntry;
        Problem(p, path, error);
        return;
      }
      if (S_ISDIR(st.st_mode) && !options_.follow_directory_symlinks) {
        ++report_->directory_symlinks;
        return;
      }
    }
    if (S_ISREG(st.st_mode)) {
      File(std::move(path), st, via_symlink);
    } else if (S_ISDIR(st.st_mode)) {
      if (FirstVisit(st)) {
        if (!options_.descend || options_.descend(path)) subdirs->push_back(std::move(path));
      } else {
        Problem(WalkProblem::kDirectoryCycle, path, 0);
      }
    } else {
      Problem(WalkProblem::kSpecialFile, path, 0);
    }
  }

  const WalkOptions& options_;
  absl::FunctionRef<void(FileEntry&&)> on_file_;
  WalkReport* report_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen_;
  // getdents64's buffer, allocated by the first List of this walk (a walk
  // lists one directory at a time, so one buffer serves it).
  struct Listing {
    alignas(alignof(struct dirent64)) char bytes[32 << 10];
  };
  std::unique_ptr<Listing> listing_;
};

}  // namespace

std::string_view WalkProblemName(WalkProblem problem) {
  switch (problem) {
    case WalkProblem::kUnreadableDirectory:
      return "unreadable directory";
    case WalkProblem::kUnreadableEntry:
      return "unreadable entry";
    case WalkProblem::kDanglingSymlink:
      return "dangling symlink";
    case WalkProblem::kSymlinkLoop:
      return "symlink loop";
    case WalkProblem::kVanished:
      return "vanished during the walk";
    case WalkProblem::kSpecialFile:
      return "not a regular file";
    case WalkProblem::kDirectoryCycle:
      return "directory cycle";
  }
  return "unknown";
}

std::int64_t WalkReport::total_problems() const {
  std::int64_t n = 0;
  for (std::int64_t p : problems) n += p;
  return n;
}

void WalkReport::Add(const WalkReport& other, std::size_t max_examples) {
  directories += other.directories;
  files += other.files;
  bytes += other.bytes;
  excluded += other.excluded;
  empty_files += other.empty_files;
  too_large += other.too_large;
  directory_symlinks += other.directory_symlinks;
  for (std::size_t i = 0; i < std::size(problems); ++i) problems[i] += other.problems[i];
  for (const Example& e : other.examples) {
    if (examples.size() >= max_examples) break;
    examples.push_back(e);
  }
}

absl::Status WalkTree(std::string_view root, const WalkOptions& options,
                      absl::FunctionRef<void(FileEntry&&)> on_file,
                      WalkReport* report) {
  *report = WalkReport();
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  std::string path(root.empty() ? std::string_view(".") : root);
  if (options.root_is_listed_subdirectory) {
    Walker(options, on_file, report).Run(std::move(path));
    return absl::OkStatus();
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int error = errno;
    std::string message = absl::StrCat(path, ": ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::FailedPreconditionError(message);
  }
  Walker walker(options, on_file, report);
  if (S_ISREG(st.st_mode)) {
    walker.File(std::move(path), st, false);
    return absl::OkStatus();
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": neither a directory nor a regular file"));
  }
  walker.FirstVisit(st);
  walker.Run(std::move(path));
  return absl::OkStatus();
}

}  // namespace adaptrt::analyze
