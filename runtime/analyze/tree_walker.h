// tree_walker.h: the files of a directory tree, chosen as cloc 1.96 chooses
// them, with everything odd on the way counted and reported, never thrown.
//
// Like cloc (File::Find without --follow-links): directories are walked
// without following symbolic links to directories; a symbolic link to a
// regular file is a file; entries named .svn, .cvs, .hg, .git, .bzr,
// .snapshot or .config are skipped whatever they are; empty files and files
// over 100 MB are skipped. A directory's files are yielded first, in byte
// order of their names, then its subdirectories are walked in that order,
// so a walk is deterministic.
//
// Thread-safety: WalkTree is reentrant; concurrent walks share nothing. The
//                callbacks run on the calling thread.
// Complexity:    O(entries) system calls (one fstatat per entry, relative
//                to its directory's descriptor; two for a symbolic link;
//                none for a subdirectory whose type the listing reports)
//                plus sorting each directory's names. One directory
//                descriptor is open at a time.
// Ownership:     the FileEntry passed to `on_file` is the callee's to move
//                from (a callback taking `const FileEntry&` works too).
// Errors:        a root that cannot be opened returns absl::Status
//                (NotFound, PermissionDenied...); every problem below the
//                root (unreadable directory, dangling link, link loop, entry
//                vanished mid-walk, FIFO/socket/device) is counted in
//                WalkReport with a bounded list of examples.

#ifndef ADAPTRT_RUNTIME_ANALYZE_TREE_WALKER_H_
#define ADAPTRT_RUNTIME_ANALYZE_TREE_WALKER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace adaptrt::analyze {

struct FileEntry {
  std::string path;  // root joined with the relative path, '/'-separated
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // modification time, ns since the epoch
  std::uint64_t inode = 0;
  std::uint64_t device = 0;
  bool via_symlink = false;  // reached through a symbolic link
};

// What went wrong with an entry. Each kind has a counter in WalkReport.
enum class WalkProblem : std::uint8_t {
  kUnreadableDirectory,  // open/getdents64 of a directory failed (EACCES, EIO...)
  kUnreadableEntry,      // fstatat failed for another reason than ENOENT
  kDanglingSymlink,      // a symbolic link whose target does not exist
  kSymlinkLoop,          // ELOOP resolving a symbolic link
  kVanished,             // listed, then gone (ENOENT) before we looked
  kSpecialFile,          // FIFO, socket or device: no lines to count
  kDirectoryCycle,       // a followed directory link back into the walk
};

std::string_view WalkProblemName(WalkProblem problem);

struct WalkOptions {
  // Entry names skipped wherever they appear (files or directories).
  // Default: cloc's forced exclusions. May not change during a walk.
  std::vector<std::string> excluded_names = {".svn", ".cvs",      ".hg",    ".git",
                                             ".bzr", ".snapshot", ".config"};
  // Follow symbolic links to directories (cloc's --follow-links). Cycles are
  // detected by (device, inode) and reported, never walked twice.
  // Default false, as cloc.
  bool follow_directory_symlinks = false;
  // Files larger than this are skipped (cloc's --max-file-size, 100 MB).
  std::uint64_t max_file_bytes = 100ull * 1024 * 1024;
  // How many example paths WalkReport keeps.
  std::size_t max_examples = 16;
  // Called with the path of each subdirectory the walk is about to enter
  // (after the exclusion and symbolic-link rules); returning false skips it,
  // so that the caller can walk it separately, e.g. one WalkTree per
  // subdirectory on other threads (cycle detection with
  // follow_directory_symlinks is then per WalkTree call). Null (default):
  // every subdirectory is walked. Runs on the walking thread.
  std::function<bool(const std::string& directory)> descend;
  // The root was listed, as a directory, by the walk of its parent (a walk
  // split over subdirectories: runtime/internal/parallel_walk.h): it is
  // entered as a walk enters a subdirectory. A root that vanished, cannot
  // be read or is no longer a directory is then a problem in the report
  // (counted in `directories`, with its example), not an error status.
  // Default false: the root is checked first (see WalkTree).
  bool root_is_listed_subdirectory = false;
  // Test hook: called with a directory's path after its names were listed
  // and before any of them is examined (to make entries vanish mid-walk).
  std::function<void(const std::string& directory)> after_list_hook;
};

struct WalkReport {
  std::int64_t directories = 0;        // walked, the root included
  std::int64_t files = 0;              // passed to on_file
  std::uint64_t bytes = 0;             // their sizes
  std::int64_t excluded = 0;           // entries with an excluded name
  std::int64_t empty_files = 0;        // size 0: skipped, as cloc does
  std::int64_t too_large = 0;          // over max_file_bytes: skipped
  std::int64_t directory_symlinks = 0; // not followed (the default)
  std::int64_t problems[7] = {};       // indexed by WalkProblem

  struct Example {
    std::string path;
    WalkProblem problem;
    std::string detail;  // strerror text
  };
  std::vector<Example> examples;  // the first max_examples problems

  std::int64_t count(WalkProblem p) const {
    return problems[static_cast<int>(p)];
  }
  std::int64_t total_problems() const;
  // Adds `other`'s counters to this report and appends its examples while
  // fewer than max_examples are kept (for walks split over subdirectories).
  void Add(const WalkReport& other, std::size_t max_examples);
};

// Walks `root` (a directory, or a single file) and calls on_file for each
// file to count. `report` receives the counts; it is reset first.
absl::Status WalkTree(std::string_view root, const WalkOptions& options,
                      absl::FunctionRef<void(FileEntry&&)> on_file,
                      WalkReport* report);

}  // namespace adaptrt::analyze

#endif  // ADAPTRT_RUNTIME_ANALYZE_TREE_WALKER_H_
