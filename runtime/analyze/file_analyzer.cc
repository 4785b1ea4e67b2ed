// file_analyzer.cc: read, classify, count one file.
//
// The read is open + fstat + read into a buffer reused from file to file
// (grown, never shrunk), so steady state allocates nothing; a file that grew
// since fstat is read to its end. The order of decisions is cloc's: binary
// first (cloc drops binary files while listing them), then the language,
// then the count.

#include "runtime/analyze/file_analyzer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

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

int ReadWholeFile(const std::string& path, std::string* out) {
  out->clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat st;
  std::size_t expected = 0;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    expected = static_cast<std::size_t>(st.st_size);
  }
  // One byte more than expected, so EOF is seen without a second read call
  // in the common case.
  out->resize(expected + 1);
  std::size_t filled = 0;
  int error = 0;
  while (true) {
    if (filled == out->size()) out->resize(out->size() * 2 + 4096);
    ssize_t n = ::read(fd, out->data() + filled, out->size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out->resize(filled);
  return error;
}

FileResult FileAnalyzer::AnalyzeFile(const std::string& path) {
  int error = ReadWholeFile(path, &buffer_);
  if (error != 0) {
    FileResult result;
    result.kind = error == ENOENT ? FileKind::kVanished : FileKind::kUnreadable;
    result.error = error;
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
