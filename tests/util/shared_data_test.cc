#include "tests/util/shared_data.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::testing {
namespace {

TEST(SharedDataTest, EnvironmentOverridesTheCheckoutNeighbour) {
  const std::filesystem::path dir = TestTempRoot() / "shared";
  std::filesystem::create_directories(dir / "traces");
  std::ofstream(dir / "traces" / "tiny.trace") << "1\n2\n";
  ASSERT_EQ(setenv("ADAPTRT_SHARED_DIR", dir.c_str(), 1), 0);
  EXPECT_EQ(SharedDir(), dir.string());
  EXPECT_EQ(SharedFile("traces/tiny.trace"), (dir / "traces" / "tiny.trace").string());
  EXPECT_EQ(SharedFile("traces/absent.trace"), std::nullopt);
  EXPECT_NE(SharedFileMissingMessage("traces/absent.trace").find("traces/absent.trace"),
            std::string::npos);
  unsetenv("ADAPTRT_SHARED_DIR");
}

}  // namespace
}  // namespace adaptrt::testing
