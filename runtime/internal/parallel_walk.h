// parallel_walk.h: the analyze job's two ways of sharing a tree walk
// between threads, both giving exactly the sequential walk's file list and
// report (runtime/analyze/tree_walker.h: the same order, the same problem
// examples):
//   * ParallelWalk: one executor task per directory, each listing and
//     stat-ing its directory's entries and spawning its subdirectories; the
//     per-directory parts are concatenated depth-first after the join.
//   * JoinableWalk: the sequential walk, which one more thread may join
//     part-way (the analyze job's cache opener once the cache is open, on
//     two CPUs or fewer, where a task per directory would take the opener's
//     CPU). The caller lists the root, then walks the root's
//     subdirectories in order, claiming each from the front and appending
//     straight to the list; the helper claims from the back, each subtree
//     into a part of its own. Each subtree is walked by one thread. The
//     caller's claims come first in the walk's order and the helper's last,
//     so the caller's entries followed by the helper's parts are the
//     sequential walk's list.
//
// Both equal the sequential walk with the default follow_directory_symlinks
// (false); following links, cycle detection would be per subtree.
//
// Thread-safety: ParallelWalk runs on the calling thread and the executor's
//                workers. JoinableWalk: Walk on one thread, Help on one
//                other, concurrently (claims are made under a mutex);
//                Finish once both returned, ordered by the caller (a join).
// Complexity:    O(entries) system calls, as the sequential walk.
// Ownership:     entries are moved into the caller's vector.
// Errors:        a root that cannot be walked returns WalkTree's status; a
//                subdirectory that vanishes or turns unreadable is a problem
//                in the report, as the sequential walk counts it.

#ifndef ADAPTRT_RUNTIME_INTERNAL_PARALLEL_WALK_H_
#define ADAPTRT_RUNTIME_INTERNAL_PARALLEL_WALK_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/analyze/tree_walker.h"
#include "sched/executor.h"

namespace adaptrt::runtime_internal {

// One directory's share of a parallel walk: its own files (not those of its
// subdirectories), its WalkReport, and one part per subdirectory, in the
// order the sequential walk visits them.
struct WalkPart {
  std::string directory;
  std::vector<analyze::FileEntry> files;
  analyze::WalkReport report;
  std::vector<std::unique_ptr<WalkPart>> children;
};

// Walks `root` on `executor` (see the header); appends to `entries`.
// `options.descend` must be null (the walk sets its own).
absl::Status ParallelWalk(sched::Executor& executor, const std::string& root,
                          std::vector<analyze::FileEntry>* entries, analyze::WalkReport* report,
                          const analyze::WalkOptions& options = analyze::WalkOptions());

class JoinableWalk {
 public:
  // The walk of `root`, appending to `entries` (borrowed until Finish),
  // with `options` (their `descend` must be null: the walk sets its own on
  // the root).
  JoinableWalk(const std::string& root, std::vector<analyze::FileEntry>* entries,
               analyze::WalkOptions options = analyze::WalkOptions());

  JoinableWalk(const JoinableWalk&) = delete;
  JoinableWalk& operator=(const JoinableWalk&) = delete;

  // The caller's share. Returns the status of listing the root (a bad root).
  absl::Status Walk();

  // The helper's share. Returns how many subdirectories it walked: 0 at
  // once when the caller has claimed every subdirectory, or has not listed
  // the root yet.
  std::size_t Help();

  // Appends the helper's parts to `entries` and sets the walk's report.
  void Finish(analyze::WalkReport* report);

  // Subdirectories of the root the helper walked (after Finish).
  std::size_t helped_parts() const { return top_.children.size() - back_; }

 private:
  std::vector<analyze::FileEntry>* const entries_;
  const analyze::WalkOptions options_;          // the root's
  const analyze::WalkOptions subtree_options_;  // its subdirectories'
  WalkPart top_;
  analyze::WalkReport report_;  // the caller's share, then the whole walk's
  std::mutex mu_;
  // Unclaimed subdirectories: top_.children[front_, back_).
  std::size_t front_ = 0;
  std::size_t back_ = 0;
};

}  // namespace adaptrt::runtime_internal

#endif  // ADAPTRT_RUNTIME_INTERNAL_PARALLEL_WALK_H_
