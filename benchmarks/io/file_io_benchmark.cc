// file_io_benchmark: sequential and random read/write throughput on a
// temporary file, the I/O an L3 tier and the `analyze` job do.
//
// The file lives in $TEST_TMPDIR, else $TMPDIR, else /tmp; it is created once
// (64 MiB), reused by every benchmark and removed at exit. Reads go through
// the page cache (what a host sees on a warm machine); writes end each
// iteration batch with fdatasync so they reach the device. Peers are the same
// calls with other block sizes: the numbers are the machine's, reported so a
// user can compare L3 and analyze throughput with what the disk allows.
//
// Times are wall-clock (UseRealTime): I/O waits count.
// Names: <pattern>/<block bytes>, patterns seq_read, rand_read, seq_write,
// rand_write; counters bytes_per_second.

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace {

constexpr std::int64_t kFileBytes = 64 << 20;

class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TEST_TMPDIR");
    if (dir == nullptr) dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/adaptrt_io_benchmark.XXXXXX";
    fd_ = mkstemp(path_.data());
    if (fd_ < 0) return;
    std::vector<char> block(1 << 20, 'a');
    for (std::int64_t done = 0; done < kFileBytes; done += block.size()) {
      if (write(fd_, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
        close(fd_);
        fd_ = -1;
        return;
      }
    }
    fdatasync(fd_);
  }
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

TempFile& File() {
  static TempFile* file = new TempFile();  // Removed by the atexit hook below.
  return *file;
}

bool Ready(benchmark::State& state) {
  if (File().fd() < 0) {
    state.SkipWithError(("cannot create a 64 MiB file at " + File().path()).c_str());
    return false;
  }
  return true;
}

std::int64_t NextOffset(bool sequential, std::int64_t block, std::int64_t& cursor,
                        std::mt19937_64& rng) {
  if (sequential) {
    const std::int64_t offset = cursor;
    cursor = (cursor + block) % kFileBytes;
    return offset;
  }
  return static_cast<std::int64_t>(rng() % (kFileBytes / block)) * block;
}

void BM_Read(benchmark::State& state, bool sequential) {
  if (!Ready(state)) return;
  const std::int64_t block = state.range(0);
  std::vector<char> buffer(block);
  std::mt19937_64 rng(1);
  std::int64_t cursor = 0;
  for (auto _ : state) {
    const std::int64_t offset = NextOffset(sequential, block, cursor, rng);
    if (pread(File().fd(), buffer.data(), block, offset) != block) {
      state.SkipWithError("short read");
      return;
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(state.iterations() * block);
}

void BM_Write(benchmark::State& state, bool sequential) {
  if (!Ready(state)) return;
  const std::int64_t block = state.range(0);
  std::vector<char> buffer(block, 'b');
  std::mt19937_64 rng(2);
  std::int64_t cursor = 0;
  for (auto _ : state) {
    const std::int64_t offset = NextOffset(sequential, block, cursor, rng);
    if (pwrite(File().fd(), buffer.data(), block, offset) != block) {
      state.SkipWithError("short write");
      return;
    }
  }
  fdatasync(File().fd());  // Inside the timed region: the data reaches the device.
  state.SetBytesProcessed(state.iterations() * block);
}

BENCHMARK_CAPTURE(BM_Read, seq_read, true)->Name("seq_read")->Arg(4096)->Arg(1 << 20)->UseRealTime();
BENCHMARK_CAPTURE(BM_Read, rand_read, false)->Name("rand_read")->Arg(4096)->Arg(1 << 16)->UseRealTime();
BENCHMARK_CAPTURE(BM_Write, seq_write, true)->Name("seq_write")->Arg(4096)->Arg(1 << 20)->UseRealTime();
BENCHMARK_CAPTURE(BM_Write, rand_write, false)->Name("rand_write")->Arg(4096)->Arg(1 << 16)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete &File();
  return 0;
}
