#include "tests/util/shared_data.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "workspace_root.h"

namespace adaptrt::testing {
namespace {

bool IsDirectory(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

}  // namespace

std::optional<std::string> SharedDir() {
  if (const char* from_env = std::getenv("ADAPTRT_SHARED_DIR");
      from_env != nullptr && *from_env != '\0' && IsDirectory(from_env)) {
    return std::string(from_env);
  }
  const std::filesystem::path beside_checkout =
      std::filesystem::path(ADAPTRT_WORKSPACE_ROOT).parent_path() / "shared";
  if (IsDirectory(beside_checkout)) return beside_checkout.string();
  return std::nullopt;
}

std::optional<std::string> SharedFile(std::string_view relative) {
  const std::optional<std::string> dir = SharedDir();
  if (!dir.has_value()) return std::nullopt;
  const std::filesystem::path path = std::filesystem::path(*dir) / relative;
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  return path.string();
}

std::string SharedFileMissingMessage(std::string_view relative) {
  return "shared/" + std::string(relative) +
         " not found (set ADAPTRT_SHARED_DIR or place shared/ beside the "
         "checkout, at " ADAPTRT_WORKSPACE_ROOT "/../shared); skipping: the "
         "real traces are not part of the repository";
}

}  // namespace adaptrt::testing
