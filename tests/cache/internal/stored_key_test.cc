// Tests of StoredKey (cache/internal/stored_key.h): std::string keys inline
// up to 31 bytes, on the heap beyond, equality at every boundary.

#include "cache/internal/stored_key.h"

#include <array>
#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace adaptrt::cache_internal {
namespace {

TEST(StoredKeyTest, StringKeysRoundTripAtEverySize) {
  for (std::size_t n = 0; n <= 70; ++n) {
    std::string key(n, 'a');
    for (std::size_t i = 0; i < n; ++i) key[i] = static_cast<char>('a' + i % 26);
    StoredKey<std::string> stored(key);
    EXPECT_EQ(stored.Get(), key) << n;
    EXPECT_EQ(stored.view(), key) << n;
    EXPECT_TRUE(stored.Equals(key)) << n;
    EXPECT_EQ(stored.HeapBytes(),
              n <= StoredKey<std::string>::kInlineBytes ? 0u : n)
        << n;
  }
}

TEST(StoredKeyTest, StringEqualityComparesSizeAndEveryByte) {
  const std::string base16 = "0123456789abcdef";  // 16: heap in std::string
  const std::string base40(40, 'x');
  for (const std::string& base : {base16, base40, std::string("k")}) {
    StoredKey<std::string> stored(base);
    EXPECT_FALSE(stored.Equals(base + "!"));
    EXPECT_FALSE(stored.Equals(base.substr(0, base.size() - 1)));
    for (std::size_t i = 0; i < base.size(); ++i) {
      std::string other = base;
      other[i] ^= 1;
      EXPECT_FALSE(stored.Equals(other)) << base.size() << " " << i;
    }
  }
  // Embedded zeros and the padding: "a" is not "a\0".
  StoredKey<std::string> a(std::string("a"));
  EXPECT_FALSE(a.Equals(std::string("a\0", 2)));
  StoredKey<std::string> a0(std::string("a\0", 2));
  EXPECT_TRUE(a0.Equals(std::string("a\0", 2)));
  EXPECT_FALSE(a0.Equals("a"));
  StoredKey<std::string> empty((std::string()));
  EXPECT_TRUE(empty.Equals(""));
  EXPECT_FALSE(empty.Equals(std::string(1, '\0')));
}

TEST(StoredKeyTest, InlineHeapBoundary) {
  const std::string inline_max(StoredKey<std::string>::kInlineBytes, 'q');
  const std::string heap_min = inline_max + "q";
  StoredKey<std::string> small(inline_max), big(heap_min);
  EXPECT_EQ(small.HeapBytes(), 0u);
  EXPECT_EQ(big.HeapBytes(), heap_min.size());
  EXPECT_TRUE(small.Equals(inline_max));
  EXPECT_FALSE(small.Equals(heap_min));
  EXPECT_TRUE(big.Equals(heap_min));
  EXPECT_FALSE(big.Equals(inline_max));
  EXPECT_EQ(sizeof(StoredKey<std::string>), sizeof(std::string));
}

TEST(StoredKeyTest, OtherKeysAreStoredAsThemselves) {
  StoredKey<std::uint64_t> n(42);
  EXPECT_TRUE(n.Equals(42));
  EXPECT_FALSE(n.Equals(43));
  EXPECT_EQ(&n.Get(), &n.Get());  // a reference, not a copy
  std::array<char, 16> k{};
  k[15] = 'z';
  StoredKey<std::array<char, 16>> a(k);
  EXPECT_TRUE(a.Equals(k));
  k[0] = 'y';
  EXPECT_FALSE(a.Equals(k));
  EXPECT_EQ(sizeof(a), 16u);
}

}  // namespace
}  // namespace adaptrt::cache_internal
