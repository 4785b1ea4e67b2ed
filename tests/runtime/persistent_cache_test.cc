// The analyze job over a fixture tree: counts, cache hits within a process
// (L1) and across runtimes (L3 on disk), recount of a changed file, and a
// persistent named cache surviving a Runtime restart.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "runtime/analyze_job.h"
#include "runtime/runtime.h"
#include "tests/runtime/analyze_tree_fixture.h"

namespace adaptrt {
namespace {

namespace fs = std::filesystem;

class AnalyzeJobTest : public adaptrt::testing::AnalyzeTreeFixture {
 protected:
  static const analyze::LanguageRow* Row(const AnalyzeResult& r, std::string_view lang) {
    static std::vector<analyze::LanguageRow> rows;
    rows = r.report.Languages();
    for (const auto& row : rows) {
      if (row.language == lang) return &row;
    }
    return nullptr;
  }
};

TEST_F(AnalyzeJobTest, CountsCachesAndRecounts) {
  {
    auto rt = Runtime::Create(Options());
    ASSERT_TRUE(rt.ok()) << rt.status();
    auto r = RunAnalysis(rt->get(), tmp_ + "/tree");
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->cache.l3_enabled) << r->cache.l3_status;
    EXPECT_EQ(r->files, 3);
    EXPECT_EQ(r->counted, 3);
    const auto* c = Row(*r, "C");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->files, 1);
    EXPECT_EQ(c->counts.blank, 1);
    EXPECT_EQ(c->counts.comment, 1);
    EXPECT_EQ(c->counts.code, 2);
    const auto* py = Row(*r, "Python");
    ASSERT_NE(py, nullptr);
    EXPECT_EQ(py->files, 2);
    EXPECT_EQ(py->counts.code, 2);
    // Same process, second run: L1 answers.
    auto again = RunAnalysis(rt->get(), tmp_ + "/tree");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->from_cache, 3);
    EXPECT_EQ(again->cache.l1.hits, 3u);
    EXPECT_EQ(again->report.Total().counts.code, r->report.Total().counts.code);
    // The baseline agrees.
    auto base = RunAnalysis(nullptr, tmp_ + "/tree");
    ASSERT_TRUE(base.ok());
    EXPECT_EQ(base->report.Json(), r->report.Json());
  }
  // A new runtime (a new process, as far as the cache knows): L3 answers;
  // a changed file is recounted.
  Write("tree/sub/c.py", "y = 1\nz = 2\n# note\n");  // size changes
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  auto r = RunAnalysis(rt->get(), tmp_ + "/tree");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->from_cache, 2);
  EXPECT_EQ(r->counted, 1);
  EXPECT_EQ(r->cache.l3.hits, 2u);
  const auto* py = Row(*r, "Python");
  ASSERT_NE(py, nullptr);
  EXPECT_EQ(py->counts.code, 3);
  EXPECT_EQ(py->counts.comment, 2);
}

// A new runtime reads the tree's L3 entries with one scan: no per-file
// lookup reaches the cache's tiers (L1 sees none), yet every file is served
// and reported as an L3 hit.
TEST_F(AnalyzeJobTest, NewRuntimeReadsTheTreeFromL3InBulk) {
  {
    auto rt = Runtime::Create(Options());
    ASSERT_TRUE(rt.ok());
    ASSERT_TRUE(RunAnalysis(rt->get(), tmp_ + "/tree").ok());
  }
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  auto r = RunAnalysis(rt->get(), tmp_ + "/tree/");  // a trailing slash too
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->from_cache, 3);
  EXPECT_EQ(r->counted, 0);
  EXPECT_EQ(r->cache.l3.hits, 3u);
  EXPECT_EQ(r->cache.l1.hits + r->cache.l1.misses, 0u);
}

// A bigger tree, many small batches (grain 1: one PutBatch per leaf of one
// file), three runtimes in turn (three processes, as far as L3 knows): the
// counts of the cold run, the warm runs, --no-cache and the single-threaded
// baseline are identical; each later runtime finds every entry in L3.
TEST_F(AnalyzeJobTest, ColdWarmUncachedAndBaselineAgree) {
  for (int d = 0; d < 6; ++d) {
    fs::create_directories(tmp_ + "/tree/d" + std::to_string(d));
    for (int f = 0; f < 20; ++f) {
      const std::string base = "tree/d" + std::to_string(d) + "/f" + std::to_string(f);
      Write(base + ".cc", "// c\nint f" + std::to_string(f) + "() { return 1; }\n\n/* a\n b */\n");
      Write(base + ".sh", "#!/bin/sh\n# note\necho " + std::string(f, 'x') + "\n");
    }
  }
  const std::int64_t kFiles = 3 + 6 * 20 * 2;
  AnalyzeOptions ao;
  ao.grain = 1;
  std::string cold_json;
  for (int run = 0; run < 3; ++run) {
    auto rt = Runtime::Create(Options());
    ASSERT_TRUE(rt.ok()) << rt.status();
    auto r = RunAnalysis(rt->get(), tmp_ + "/tree", ao);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->cache.l3_enabled) << r->cache.l3_status;
    EXPECT_EQ(r->files, kFiles);
    if (run == 0) {
      EXPECT_EQ(r->counted, kFiles);
      cold_json = r->report.Json();
    } else {
      EXPECT_EQ(r->from_cache, kFiles) << "run " << run;
      EXPECT_EQ(r->cache.l3.hits, static_cast<std::uint64_t>(kFiles)) << "run " << run;
      EXPECT_EQ(r->report.Json(), cold_json) << "run " << run;
    }
  }
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  AnalyzeOptions no_cache = ao;
  no_cache.use_cache = false;
  auto uncached = RunAnalysis(rt->get(), tmp_ + "/tree", no_cache);
  ASSERT_TRUE(uncached.ok());
  EXPECT_EQ(uncached->report.Json(), cold_json);
  EXPECT_FALSE(uncached->cache_used);
  auto base = RunAnalysis(nullptr, tmp_ + "/tree");
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->report.Json(), cold_json);
}

// The cache key holds size, mtime and inode: changing only the mtime, or
// replacing the file by an identical copy (a new inode, same mtime), makes
// the next run recount exactly that file.
TEST_F(AnalyzeJobTest, ChangedMtimeOrInodeIsRecounted) {
  {
    auto rt = Runtime::Create(Options());
    ASSERT_TRUE(rt.ok());
    auto r = RunAnalysis(rt->get(), tmp_ + "/tree");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->counted, 3);
  }
  const std::string a = tmp_ + "/tree/a.c";
  struct timespec times[2] = {{0, UTIME_OMIT}, {1'600'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, a.c_str(), times, 0), 0);
  {
    auto rt = Runtime::Create(Options());
    ASSERT_TRUE(rt.ok());
    auto r = RunAnalysis(rt->get(), tmp_ + "/tree");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->counted, 1);
    EXPECT_EQ(r->from_cache, 2);
  }
  const std::string b = tmp_ + "/tree/sub/b.py";
  struct stat before;
  ASSERT_EQ(::stat(b.c_str(), &before), 0);
  fs::copy_file(b, b + ".tmp");
  struct timespec same[2] = {{0, UTIME_OMIT}, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, (b + ".tmp").c_str(), same, 0), 0);
  fs::rename(b + ".tmp", b);
  struct stat after;
  ASSERT_EQ(::stat(b.c_str(), &after), 0);
  ASSERT_NE(after.st_ino, before.st_ino);
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  auto r = RunAnalysis(rt->get(), tmp_ + "/tree");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->counted, 1);
  EXPECT_EQ(r->from_cache, 2);
  const auto* py = Row(*r, "Python");
  ASSERT_NE(py, nullptr);
  EXPECT_EQ(py->counts.code, 2);
}

TEST_F(AnalyzeJobTest, MissingRootIsAnError) {
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  EXPECT_FALSE(RunAnalysis(rt->get(), tmp_ + "/nope").ok());
}

TEST_F(AnalyzeJobTest, BrokenEntriesAreCountedNotFatal) {
  fs::create_symlink("loop", tmp_ + "/tree/loop");  // a link to itself
  fs::create_symlink("missing", tmp_ + "/tree/dangling");
  Write("tree/secret.c", "int x;\n");
  ::chmod((tmp_ + "/tree/secret.c").c_str(), 0);
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  auto r = RunAnalysis(rt->get(), tmp_ + "/tree");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->walk.total_problems(), 2);
  if (::geteuid() != 0) {
    EXPECT_EQ(r->report.skipped().unreadable, 1);
  }
}

TEST_F(AnalyzeJobTest, NamedPersistentCacheSurvivesRestart) {
  NamedCacheOptions co;
  co.persistent = true;
  co.l1_bytes = co.l2_bytes = 1 << 20;
  co.l3_bytes = 8 << 20;
  co.l3_required = true;
  {
    auto rt = Runtime::Create(Options());
    ASSERT_TRUE(rt.ok());
    EXPECT_FALSE((*rt)->PersistentCacheExists("kv"));
    EXPECT_FALSE((*rt)->HasCache("kv"));
    auto c = (*rt)->GetOrCreateCache<std::string, std::string>("kv", co);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_TRUE((*rt)->PersistentCacheExists("kv"));
    EXPECT_TRUE((*rt)->HasCache("kv"));
    ASSERT_TRUE((*c)->Put("k", "v").ok());
  }
  auto rt = Runtime::Create(Options());
  ASSERT_TRUE(rt.ok());
  EXPECT_TRUE((*rt)->PersistentCacheExists("kv"));
  EXPECT_FALSE((*rt)->PersistentCacheExists("other"));
  EXPECT_FALSE((*rt)->PersistentCacheExists("../cache/kv"));  // not a cache name
  auto c = (*rt)->GetOrCreateCache<std::string, std::string>("kv", co);
  ASSERT_TRUE(c.ok()) << c.status();
  auto v = (*c)->Get("k");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, "v");
  EXPECT_EQ((*c)->Stats().l3.hits, 1u);
  EXPECT_TRUE(fs::is_directory(tmp_ + "/cache/kv"));
}

}  // namespace
}  // namespace adaptrt
