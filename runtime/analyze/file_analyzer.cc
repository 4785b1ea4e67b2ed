// file_analyzer.cc: read, classify, count one file.
//
// The read is open + fstat + read into a buffer reused from file to file
// (grown, never shrunk), so steady state allocates nothing; a file that grew
// since fstat is read to its end. A file of at most kSingleReadBytes (by
// fstat) is read with one read() of its size + 1: a shorter answer of at
// least the fstat size is its end, so no second read() for EOF (one system
// call per file instead of three). Larger files read their first 512 bytes
// alone, so a large binary file is not read past them. The order of
// decisions is cloc's: binary first (cloc drops binary files while listing
// them), then the language, then the count.

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

// Files up to this size (by fstat) are read whole at once; see the top.
constexpr std::size_t kSingleReadBytes = std::size_t{1} << 20;

// Appends what `fd` yields to *out until EOF or until *out holds `limit`
// bytes, growing *out to `expected` bytes at first (one read in general).
// `regular_size` > 0 is the fstat size of a regular file: a read shorter
// than asked that brings *out to at least that size is taken as the end of
// the file (no extra read() to see 0). 0: only a read of 0 ends it (procfs
// and other files whose size fstat does not tell). Returns 0, or the errno
// of a failed read.
int ReadUpTo(int fd, std::string* out, std::size_t limit, std::size_t expected,
             std::size_t regular_size) {
  std::size_t filled = out->size();
  int error = 0;
  while (filled < limit) {
    if (filled == out->size()) {
      std::size_t grow = std::max({expected, out->size() * 2, std::size_t{4096}});
      out->resize(std::min(limit, grow));
    }
    const std::size_t asked = out->size() - filled;
    ssize_t n = ::read(fd, out->data() + filled, asked);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
    if (regular_size > 0 && static_cast<std::size_t>(n) < asked && filled >= regular_size) {
      break;
    }
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
  std::size_t regular_size = 0;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    expected = static_cast<std::size_t>(st.st_size);
    if (S_ISREG(st.st_mode)) regular_size = expected;
  }
  // A small regular file is read whole at once; others first up to `probe`.
  // Either way `stop` sees the first `probe` bytes. One byte more than
  // expected is asked, so EOF shows without growing the buffer.
  const bool whole = regular_size > 0 && regular_size <= kSingleReadBytes;
  const std::size_t no_limit = static_cast<std::size_t>(-1);
  int error = ReadUpTo(fd, out, whole ? no_limit : probe, expected + 1, regular_size);
  if (error == 0 && out->size() >= probe) {
    if (stop(std::string_view(*out).substr(0, probe))) {
      out->resize(probe);
      *stopped = true;
    } else if (!whole) {
      error = ReadUpTo(fd, out, no_limit, expected + 1, regular_size);
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
