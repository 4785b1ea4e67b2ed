#include "tests/reliability/reliability_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <system_error>

namespace adaptrt::testing {

namespace {
char Filler(std::string_view key, std::size_t i) {
  std::size_t h = 1469598103u;
  for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211u;
  return static_cast<char>('a' + (h + i) % 26);
}
}  // namespace

std::string VersionedValue(std::string_view key, std::uint64_t version, std::size_t size) {
  std::string out(key);
  out += '#';
  out += std::to_string(version);
  out += '#';
  for (std::size_t i = out.size(); i < size; ++i) out += Filler(key, i);
  return out;
}

std::optional<std::uint64_t> ParseVersioned(std::string_view key, std::string_view value) {
  if (value.size() < key.size() + 3 || value.substr(0, key.size()) != key ||
      value[key.size()] != '#') {
    return std::nullopt;
  }
  const std::string_view rest = value.substr(key.size() + 1);
  const std::size_t hash = rest.find('#');
  if (hash == std::string_view::npos || hash == 0) return std::nullopt;
  std::uint64_t version = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + hash, version);
  if (ec != std::errc() || end != rest.data() + hash) return std::nullopt;
  for (std::size_t i = key.size() + 2 + hash; i < value.size(); ++i) {
    if (value[i] != Filler(key, i)) return std::nullopt;
  }
  return version;
}

pid_t SpawnSelf(const std::vector<std::string>& args) {
  std::vector<std::string> argv_storage;
  argv_storage.push_back("/proc/self/exe");
  for (const std::string& a : args) argv_storage.push_back(a);
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  return pid;
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace adaptrt::testing
