// parallel_walk.cc: see parallel_walk.h.

#include "runtime/internal/parallel_walk.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"

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

// part->directory, listed by its parent as a directory, could not be walked
// (`s`: gone, unreadable, or no longer a directory): its report counts it as
// the sequential walk does, with the same example detail (the strerror text
// WalkTree's message ends with, after "<path>: ").
void RecordUnwalkable(WalkPart* part, const absl::Status& s) {
  const analyze::WalkProblem problem = s.code() == absl::StatusCode::kNotFound
                                           ? analyze::WalkProblem::kVanished
                                           : analyze::WalkProblem::kUnreadableDirectory;
  std::string_view detail(s.message().data(), s.message().size());
  const std::string prefix = part->directory + ": ";
  if (detail.substr(0, prefix.size()) == prefix) detail.remove_prefix(prefix.size());
  part->files.clear();
  part->report = analyze::WalkReport();
  part->report.directories = 1;
  ++part->report.problems[static_cast<int>(problem)];
  part->report.examples.push_back({part->directory, problem, std::string(detail)});
  part->children.clear();
}

// The status the sequential walk's open(2) of a listed subdirectory gives
// when it is no longer a directory (WalkTree would take a regular file as a
// one-file tree, and report no directory).
absl::Status NotADirectory(const WalkPart& part) {
  return absl::FailedPreconditionError(absl::StrCat(part.directory, ": ", std::strerror(ENOTDIR)));
}

// WalkTree of a listed subdirectory, failing as NotADirectory says.
absl::Status WalkSubtree(const WalkPart& part, const analyze::WalkOptions& options,
                         absl::FunctionRef<void(analyze::FileEntry&&)> on_file,
                         analyze::WalkReport* report) {
  absl::Status s = analyze::WalkTree(part.directory, options, on_file, report);
  if (s.ok() && report->directories == 0) return NotADirectory(part);
  return s;
}

void WalkSubdirectory(sched::TaskGroup& group, WalkPart* part,
                      const analyze::WalkOptions& options) {
  absl::Status s = WalkOneDirectory(part, options);
  if (s.ok() && part->report.directories == 0) s = NotADirectory(*part);
  if (!s.ok()) {
    RecordUnwalkable(part, s);
    return;
  }
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
  {
    sched::TaskGroup group(executor);
    SpawnChildren(group, &top, options);
    group.Wait();
  }
  *report = analyze::WalkReport();
  entries->reserve(entries->size() + CountFiles(top));
  Flatten(top, entries, report, analyze::WalkOptions().max_examples);
  return absl::OkStatus();
}

JoinableWalk::JoinableWalk(const std::string& root, std::vector<analyze::FileEntry>* entries,
                           analyze::WalkOptions options)
    : entries_(entries), options_(std::move(options)) {
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
    const std::size_t mark = entries_->size();
    absl::Status s = WalkSubtree(
        *part, options_, [this](analyze::FileEntry&& e) { entries_->push_back(std::move(e)); },
        &part->report);
    if (!s.ok()) {
      entries_->erase(entries_->begin() + static_cast<std::ptrdiff_t>(mark), entries_->end());
      RecordUnwalkable(part, s);
    }
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
    absl::Status s = WalkSubtree(
        *part, options_, [part](analyze::FileEntry&& e) { part->files.push_back(std::move(e)); },
        &part->report);
    if (!s.ok()) RecordUnwalkable(part, s);
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
