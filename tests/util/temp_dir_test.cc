#include "tests/util/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace adaptrt::testing {
namespace {

namespace fs = std::filesystem;

TEST(ScopedTempDirTest, FreshEmptyUniqueAndRemoved) {
  fs::path kept;
  {
    ScopedTempDir a("unit");
    ScopedTempDir b("unit");
    EXPECT_NE(a.path(), b.path());
    EXPECT_TRUE(fs::is_directory(a.path()));
    EXPECT_TRUE(fs::is_empty(a.path()));
    EXPECT_EQ(a.path().parent_path(), TestTempRoot());
    EXPECT_NE(a.str().find("adaptrt_unit_"), std::string::npos) << a.str();
    EXPECT_EQ(a.Sub("x/y"), (a.path() / "x/y").string());
    EXPECT_FALSE(fs::exists(a.Sub("x")));  // Sub does not create
    fs::create_directories(a.Sub("x"));
    std::ofstream(a.Sub("x/y")) << "data";
    kept = a.path();
  }
  EXPECT_FALSE(fs::exists(kept)) << "removed with its contents";
}

TEST(ScopedTempDirTest, RootIsTestTmpdirUnderBazel) {
  const char* env = std::getenv("TEST_TMPDIR");
  ASSERT_NE(env, nullptr) << "bazel test sets TEST_TMPDIR";
  EXPECT_EQ(TestTempRoot(), fs::path(env));
}

}  // namespace
}  // namespace adaptrt::testing
