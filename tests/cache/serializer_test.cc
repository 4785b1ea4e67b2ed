#include "cache/serializer.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace adaptrt::cache {
namespace {

struct Point {
  std::int32_t x;
  double y;
};

TEST(SerializerTest, StringRoundTrip) {
  std::string bytes;
  Serializer<std::string>::Serialize(std::string("a\0b", 3), &bytes);
  EXPECT_EQ(bytes.size(), 3u);
  auto back = Serializer<std::string>::Deserialize(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::string("a\0b", 3));
}

TEST(SerializerTest, TriviallyCopyableRoundTrip) {
  std::string bytes;
  Serializer<Point>::Serialize(Point{-7, 2.5}, &bytes);
  EXPECT_EQ(bytes.size(), sizeof(Point));
  auto back = Serializer<Point>::Deserialize(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->x, -7);
  EXPECT_EQ(back->y, 2.5);
}

TEST(SerializerTest, WrongLengthIsDataLoss) {
  auto back = Serializer<std::uint64_t>::Deserialize("abc");
  EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(back.status().message()).find("expected sizeof(T) = 8"), std::string::npos);
}

static_assert(SerializerFor<Serializer<std::string>, std::string>);
static_assert(SerializerFor<Serializer<int>, int>);
static_assert(!SerializerFor<Serializer<int>, std::string>);

}  // namespace
}  // namespace adaptrt::cache
