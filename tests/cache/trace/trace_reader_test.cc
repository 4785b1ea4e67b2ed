#include "cache/trace/trace_reader.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace adaptrt::cache_trace {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::filesystem::path path = adaptrt::testing::TestTempRoot() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

std::string BigEndian(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

std::string LittleEndian(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

TEST(TraceFormatTest, NamesRoundTrip) {
  for (const char* name : {"lirs", "lis", "be32", "be64", "keys", "oracle"}) {
    absl::StatusOr<TraceFormat> f = ParseTraceFormat(name);
    ASSERT_TRUE(f.ok()) << name;
    EXPECT_EQ(TraceFormatName(*f), name);
  }
  absl::StatusOr<TraceFormat> bad = ParseTraceFormat("csv");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("csv"));
}

TEST(TraceReaderTest, LirsSkipsCheckpointMarkersAndBlankLines) {
  const std::string path = WriteFile("a.lirs", "1\n2\n*\n\n 3 \n1\n");
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kLirs);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->keys, ElementsAre(1, 2, 3, 1));
  EXPECT_TRUE(t->sizes.empty());
}

TEST(TraceReaderTest, LisExpandsPageRuns) {
  const std::string path = WriteFile("a.lis", "10 3 0 0\n5 1 0 1\n11 2 7 2\n");
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kLis);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->keys, ElementsAre(10, 11, 12, 5, 11, 12));
}

TEST(TraceReaderTest, KeysReadsDecimalKeysIncludingNoNewlineAtEnd) {
  const std::string path =
      WriteFile("a.keys", "18446744073709551615\r\n0\n42");
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kKeys);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->keys, ElementsAre(18446744073709551615ull, 0, 42));
}

TEST(TraceReaderTest, Be32IsSignedBigEndian) {
  const std::string path = WriteFile(
      "a.be32", BigEndian(1, 4) + BigEndian(0x01020304, 4) +
                    BigEndian(0xffffffff, 4));
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kBe32);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->keys, ElementsAre(1, 0x01020304,
                                   static_cast<std::uint64_t>(std::int64_t{-1})));
}

TEST(TraceReaderTest, Be64IsBigEndian) {
  const std::string path = WriteFile(
      "a.be64", BigEndian(7, 8) + BigEndian(0x0102030405060708ull, 8));
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kBe64);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->keys, ElementsAre(7, 0x0102030405060708ull));
}

TEST(TraceReaderTest, OracleGeneralRecordsCarryIdsAndSizes) {
  std::string bytes;
  for (auto [ts, id, size] : std::vector<std::tuple<std::uint32_t, std::uint64_t,
                                                    std::uint32_t>>{
           {1, 0xabcdef0123ull, 100}, {2, 5, 4096}, {3, 0xabcdef0123ull, 100}}) {
    bytes += LittleEndian(ts, 4) + LittleEndian(id, 8) + LittleEndian(size, 4) +
             LittleEndian(static_cast<std::uint64_t>(std::int64_t{-1}), 8);
  }
  const std::string path = WriteFile("a.oracle", bytes);
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kOracle);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->keys, ElementsAre(0xabcdef0123ull, 5, 0xabcdef0123ull));
  EXPECT_THAT(t->sizes, ElementsAre(100, 4096, 100));
}

TEST(TraceReaderTest, MalformedTextNamesFileAndLine) {
  const std::string path = WriteFile("bad.lirs", "1\n2\nthree\n4\n");
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kLirs);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(path + ":line 3"));
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("three"));
}

TEST(TraceReaderTest, MarkerIsOnlyValidInLirs) {
  const std::string path = WriteFile("marker.keys", "1\n*\n");
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kKeys);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("line 2"));
}

TEST(TraceReaderTest, MalformedLisNamesLine) {
  const std::string path = WriteFile("bad.lis", "1 2 0 0\n3 x 0 0\n");
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kLis);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("bad.lis:line 2"));
  const std::string one_field = WriteFile("short.lis", "7\n");
  EXPECT_FALSE(ReadTrace(one_field, TraceFormat::kLis).ok());
}

// Found by //tests/fuzz:trace_lis_fuzzer: one short line used to expand to
// billions of requests (gigabytes of memory). Now bounded per line.
TEST(TraceReaderTest, LisPageCountIsBounded) {
  absl::StatusOr<Trace> huge = ParseTrace("2\t2333333338  t0\n", TraceFormat::kLis, "x.lis");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(huge.status().message()),
              HasSubstr("x.lis:line 1: page count 2333333338 is implausible"));
  absl::StatusOr<Trace> largest = ParseTrace("0 65536 0 0\n", TraceFormat::kLis, "x.lis");
  ASSERT_TRUE(largest.ok()) << largest.status();
  EXPECT_EQ(largest->keys.size(), 65536u);
  EXPECT_EQ(largest->keys.back(), 65535u);
  EXPECT_FALSE(ParseTrace("0 65537 0 0\n", TraceFormat::kLis, "x.lis").ok());
}

TEST(TraceReaderTest, TruncatedBinaryNamesOffset) {
  const std::string path = WriteFile("bad.be64", BigEndian(1, 8) + "abc");
  absl::StatusOr<Trace> t = ReadTrace(path, TraceFormat::kBe64);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("offset 8"));
  const std::string oracle = WriteFile("bad.oracle", std::string(30, '\0'));
  absl::StatusOr<Trace> o = ReadTrace(oracle, TraceFormat::kOracle);
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("offset 24"));
}

TEST(TraceReaderTest, MissingFileIsNotFound) {
  absl::StatusOr<Trace> t = ReadTrace("/nonexistent/x.trace", TraceFormat::kKeys);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("/nonexistent/x.trace"));
}

TEST(TraceReaderTest, BinaryGarbageAsTextIsAnErrorNotACrash) {
  std::string garbage;
  for (int i = 0; i < 256; ++i) garbage.push_back(static_cast<char>(i));
  const std::string path = WriteFile("garbage", garbage);
  for (TraceFormat f : {TraceFormat::kLirs, TraceFormat::kLis, TraceFormat::kKeys}) {
    EXPECT_FALSE(ReadTrace(path, f).ok()) << TraceFormatName(f);
  }
  EXPECT_TRUE(ReadTrace(path, TraceFormat::kBe32).ok());  // any 4k bytes are keys
}

}  // namespace
}  // namespace adaptrt::cache_trace
