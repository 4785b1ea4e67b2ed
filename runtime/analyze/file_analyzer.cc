// file_analyzer.cc: read, classify, count one file.
//
// The read is open + fstat + read into a buffer reused from file to file
// (grown, never shrunk), so steady state allocates nothing; a file that grew
// since fstat is read to its end. The order of decisions is cloc's: binary
// first (cloc drops binary files while listing them; we read the first 512
// bytes alone and stop there for a binary file), then the language, then
// the count.

#include "runtime/analyze/file_analyzer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <string_view>

namespace adaptrt::analyze {

std::string_view FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kCounted:
      return "counted";
    case FileKind::kBinary:
      return "binary";
    case FileKind::kNotCode:
      return "not code";
    case FileKind::kEmpty:
      return "empty";
    case FileKind::kUnreadable:
      return "unreadable";
    case FileKind::kVanished:
      return "vanished";
  }
  return "unknown";
}

namespace {

// Appends what `fd` yields to *out until EOF or until *out holds `limit`
// bytes, growing *out to `expected` bytes at first (one read in general).
// Returns 0, or the errno of a failed read.
int ReadUpTo(int fd, std::string* out, std::size_t limit, std::size_t expected) {
  std::size_t filled = out->size();
  int error = 0;
  while (filled < limit) {
    if (filled == out->size()) {
      std::size_t grow = std::max({expected, out->size() * 2, std::size_t{4096}});
      out->resize(std::min(limit, grow));
    }
    ssize_t n = ::read(fd, out->data() + filled, out->size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  out->resize(filled);
  return error;
}

// Opens `path` and reads its first `probe` bytes into *out, then, unless
// `stop(prefix)` says so, the rest. Returns 0 or an errno.
template <typename Stop>
int ReadFile(const std::string& path, std::string* out, std::size_t probe, Stop stop,
             bool* stopped) {
  out->clear();
  *stopped = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat st;
  std::size_t expected = 0;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    expected = static_cast<std::size_t>(st.st_size);
  }
  // One byte more than expected, so EOF shows without growing the buffer.
  int error = ReadUpTo(fd, out, probe, expected + 1);
  if (error == 0 && out->size() == probe) {
    if (stop(std::string_view(*out))) {
      *stopped = true;
    } else {
      error = ReadUpTo(fd, out, static_cast<std::size_t>(-1), expected + 1);
    }
  }
  ::close(fd);
  return error;
}

}  // namespace

int ReadWholeFile(const std::string& path, std::string* out) {
  bool stopped;
  return ReadFile(
      path, out, static_cast<std::size_t>(-1), [](std::string_view) { return false; },
      &stopped);
}

FileResult FileAnalyzer::AnalyzeFile(const std::string& path) {
  // cloc drops binary files before reading them: look at the first block,
  // and read the rest only for a text file.
  bool binary = false;
  int error = ReadFile(
      path, &buffer_, kBinaryProbeBytes,
      [](std::string_view prefix) { return LooksBinary(prefix); }, &binary);
  FileResult result;
  if (error != 0) {
    result.kind = error == ENOENT ? FileKind::kVanished : FileKind::kUnreadable;
    result.error = error;
    return result;
  }
  if (binary) {
    result.kind = FileKind::kBinary;
    result.bytes = buffer_.size();
    return result;
  }
  return AnalyzeContent(path, buffer_);
}

FileResult FileAnalyzer::AnalyzeContent(std::string_view path,
                                        std::string_view content) {
  FileResult result;
  result.bytes = content.size();
  if (content.empty()) {
    result.kind = FileKind::kEmpty;
    return result;
  }
  if (LooksBinary(content)) {
    result.kind = FileKind::kBinary;
    return result;
  }
  Detection detection = DetectLanguage(path, content);
  if (detection.language == nullptr) {
    result.kind = FileKind::kNotCode;
    result.skip_reason = detection.reason;
    return result;
  }
  result.kind = FileKind::kCounted;
  result.language = detection.language;
  result.counts = counter_.Count(*detection.language, content);
  return result;
}

}  // namespace adaptrt::analyze
