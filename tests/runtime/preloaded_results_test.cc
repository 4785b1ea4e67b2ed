// preloaded_results_test: the analyze job's compact map of bulk-read results.

#include "runtime/internal/preloaded_results.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "runtime/analyze/language.h"

namespace adaptrt::runtime_internal {
namespace {

analyze::FileResult Counted(std::int64_t code, std::uint64_t bytes) {
  analyze::FileResult r;
  r.kind = analyze::FileKind::kCounted;
  r.language = analyze::FindLanguage("C++");
  r.counts.blank = 1;
  r.counts.comment = 2;
  r.counts.code = code;
  r.bytes = bytes;
  return r;
}

TEST(PreloadedResultsTest, FindsWhatWasAddedWithEveryField) {
  PreloadedResults p(/*max_entries=*/10, /*max_key_bytes=*/1000);
  ASSERT_NE(analyze::FindLanguage("C++"), nullptr);
  const std::string key = std::string("/src/a.cc") + '\0' + "12:34:56:7";
  ASSERT_TRUE(p.Add(key, Counted(40, std::uint64_t{1} << 40)));
  analyze::FileResult binary;
  binary.kind = analyze::FileKind::kBinary;
  binary.skip_reason = analyze::SkipReason::kUnknown;
  binary.bytes = 99;
  ASSERT_TRUE(p.Add("/src/b.bin", binary));
  EXPECT_EQ(p.size(), 2u);

  const auto a = p.Find(key);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->kind, analyze::FileKind::kCounted);
  EXPECT_EQ(a->language, analyze::FindLanguage("C++"));
  EXPECT_EQ(a->counts.blank, 1);
  EXPECT_EQ(a->counts.comment, 2);
  EXPECT_EQ(a->counts.code, 40);
  EXPECT_EQ(a->bytes, std::uint64_t{1} << 40);
  const auto b = p.Find("/src/b.bin");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->kind, analyze::FileKind::kBinary);
  EXPECT_EQ(b->skip_reason, analyze::SkipReason::kUnknown);
  EXPECT_EQ(b->language, nullptr);
  EXPECT_EQ(b->bytes, 99u);

  EXPECT_FALSE(p.Find("/src/a.cc").has_value());  // a prefix of a key
  EXPECT_FALSE(p.Find(key + "0").has_value());
}

TEST(PreloadedResultsTest, KeysWithTheSameBytesUpToADifferentSuffixAreDistinct) {
  PreloadedResults p(10, 1000);
  ASSERT_TRUE(p.Add(std::string("/a") + '\0' + "1:1:1:1", Counted(1, 10)));
  ASSERT_TRUE(p.Add(std::string("/a") + '\0' + "2:1:1:1", Counted(2, 20)));
  EXPECT_EQ(p.Find(std::string("/a") + '\0' + "1:1:1:1")->counts.code, 1);
  EXPECT_EQ(p.Find(std::string("/a") + '\0' + "2:1:1:1")->counts.code, 2);
}

TEST(PreloadedResultsTest, ASecondAddOfAKeyKeepsTheFirstResult) {
  PreloadedResults p(/*max_entries=*/1, /*max_key_bytes=*/2);
  ASSERT_TRUE(p.Add("/k", Counted(1, 10)));
  ASSERT_TRUE(p.Add("/k", Counted(2, 20)));  // at both limits: still true
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.Find("/k")->counts.code, 1);
}

TEST(PreloadedResultsTest, RefusesResultsWithAnErrno) {
  PreloadedResults p(10, 1000);
  analyze::FileResult unreadable;
  unreadable.kind = analyze::FileKind::kUnreadable;
  unreadable.error = 13;
  EXPECT_FALSE(p.Add("/u", unreadable));
  EXPECT_FALSE(p.Find("/u").has_value());
}

TEST(PreloadedResultsTest, RefusesBeyondItsLimitsAndKeepsWhatItHas) {
  PreloadedResults by_entries(/*max_entries=*/2, /*max_key_bytes=*/1000);
  EXPECT_TRUE(by_entries.Add("/1", Counted(1, 1)));
  EXPECT_TRUE(by_entries.Add("/2", Counted(2, 2)));
  EXPECT_FALSE(by_entries.Add("/3", Counted(3, 3)));
  EXPECT_FALSE(by_entries.Find("/3").has_value());
  EXPECT_EQ(by_entries.Find("/2")->counts.code, 2);

  PreloadedResults by_bytes(/*max_entries=*/10, /*max_key_bytes=*/5);
  EXPECT_TRUE(by_bytes.Add("/abc", Counted(1, 1)));  // 4 bytes
  EXPECT_FALSE(by_bytes.Add("/de", Counted(2, 2)));  // 3 more: 7 > 5
  EXPECT_TRUE(by_bytes.Add("/", Counted(3, 3)));     // exactly 5
  EXPECT_EQ(by_bytes.size(), 2u);
  EXPECT_EQ(by_bytes.Find("/abc")->counts.code, 1);
  EXPECT_EQ(by_bytes.Find("/")->counts.code, 3);

  PreloadedResults nothing(10, 0);
  EXPECT_FALSE(nothing.Add("/x", Counted(1, 1)));
}

TEST(PreloadedResultsTest, RefusesCountsBeyond32Bits) {
  PreloadedResults p(10, 1000);
  EXPECT_FALSE(p.Add("/big", Counted(std::int64_t{1} << 32, 1)));
  EXPECT_TRUE(p.Add("/max", Counted(0xffffffffLL, 1)));
  EXPECT_EQ(p.Find("/max")->counts.code, 0xffffffffLL);
  EXPECT_FALSE(p.Add("/negative", Counted(-1, 1)));
  EXPECT_FALSE(p.Find("/big").has_value());
}

}  // namespace
}  // namespace adaptrt::runtime_internal
