// parallel_walk.cc: see parallel_walk.h.

#include "runtime/internal/parallel_walk.h"

#include <cstddef>
#include <iterator>
#include <utility>

#include "sched/task_group.h"

namespace adaptrt::runtime_internal {

namespace {

// Walks part->directory without descending; its subdirectories become
// children. Returns WalkTree's status (a bad root).
absl::Status WalkOneDirectory(WalkPart* part, const analyze::WalkOptions& options) {
  analyze::WalkOptions wo = options;
  wo.descend = [part](const std::string& directory) {
    part->children.push_back(std::make_unique<WalkPart>());
    part->children.back()->directory = directory;
    return false;
  };
  return analyze::WalkTree(
      part->directory, wo,
      [part](analyze::FileEntry&& e) { part->files.push_back(std::move(e)); },
      &part->report);
}

void SpawnChildren(sched::TaskGroup& group, WalkPart* part, const analyze::WalkOptions& options);

// `options` for walking a subdirectory its parent's walk listed: a
// subdirectory that vanished, turned unreadable or stopped being a
// directory since is a problem in its report, as in the sequential walk.
analyze::WalkOptions ForListedSubdirectories(analyze::WalkOptions options) {
  options.root_is_listed_subdirectory = true;
  return options;
}

// REQUIRES: options.root_is_listed_subdirectory (no error status then).
void WalkSubdirectory(sched::TaskGroup& group, WalkPart* part,
                      const analyze::WalkOptions& options) {
  WalkOneDirectory(part, options).IgnoreError();
  SpawnChildren(group, part, options);
}

void SpawnChildren(sched::TaskGroup& group, WalkPart* part, const analyze::WalkOptions& options) {
  for (auto& child : part->children) {
    WalkPart* c = child.get();
    group.Run([&group, c, &options] { WalkSubdirectory(group, c, options); });
  }
}

std::size_t CountFiles(const WalkPart& part) {
  std::size_t n = part.files.size();
  for (const auto& child : part.children) n += CountFiles(*child);
  return n;
}

// Appends `part` and its subtree in the sequential walk's order.
void Flatten(WalkPart& part, std::vector<analyze::FileEntry>* entries,
             analyze::WalkReport* report, std::size_t max_examples) {
  std::move(part.files.begin(), part.files.end(), std::back_inserter(*entries));
  report->Add(part.report, max_examples);
  for (auto& child : part.children) Flatten(*child, entries, report, max_examples);
}

}  // namespace

absl::Status ParallelWalk(sched::Executor& executor, const std::string& root,
                          std::vector<analyze::FileEntry>* entries, analyze::WalkReport* report,
                          const analyze::WalkOptions& options) {
  WalkPart top;
  top.directory = root;
  if (absl::Status s = WalkOneDirectory(&top, options); !s.ok()) return s;
  const analyze::WalkOptions subdirectory_options = ForListedSubdirectories(options);
  {
    sched::TaskGroup group(executor);
    SpawnChildren(group, &top, subdirectory_options);
    group.Wait();
  }
  *report = analyze::WalkReport();
  entries->reserve(entries->size() + CountFiles(top));
  Flatten(top, entries, report, options.max_examples);
  return absl::OkStatus();
}

JoinableWalk::JoinableWalk(const std::string& root, std::vector<analyze::FileEntry>* entries,
                           analyze::WalkOptions options)
    : entries_(entries),
      options_(std::move(options)),
      subtree_options_(ForListedSubdirectories(options_)) {
  top_.directory = root;
}

absl::Status JoinableWalk::Walk() {
  absl::Status listed = WalkOneDirectory(&top_, options_);
  std::move(top_.files.begin(), top_.files.end(), std::back_inserter(*entries_));
  report_ = top_.report;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!listed.ok()) top_.children.clear();
    back_ = top_.children.size();
  }
  const std::size_t max_examples = options_.max_examples;
  for (;;) {
    WalkPart* part;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (front_ == back_) break;
      part = top_.children[front_++].get();
    }
    analyze::WalkTree(
        part->directory, subtree_options_,
        [this](analyze::FileEntry&& e) { entries_->push_back(std::move(e)); }, &part->report)
        .IgnoreError();  // a problem of the subtree is in its report
    report_.Add(part->report, max_examples);
  }
  return listed;
}

std::size_t JoinableWalk::Help() {
  for (std::size_t walked = 0;; ++walked) {
    WalkPart* part;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (front_ == back_) return walked;
      part = top_.children[--back_].get();
    }
    analyze::WalkTree(
        part->directory, subtree_options_,
        [part](analyze::FileEntry&& e) { part->files.push_back(std::move(e)); }, &part->report)
        .IgnoreError();  // a problem of the subtree is in its report
  }
}

void JoinableWalk::Finish(analyze::WalkReport* report) {
  const std::size_t max_examples = options_.max_examples;
  // Every claim is made: top_.children[back_, end) are the helper's.
  for (std::size_t i = back_; i < top_.children.size(); ++i) {
    WalkPart& part = *top_.children[i];
    std::move(part.files.begin(), part.files.end(), std::back_inserter(*entries_));
    report_.Add(part.report, max_examples);
  }
  *report = std::move(report_);
}

}  // namespace adaptrt::runtime_internal
