// stored_key.h: StoredKey<K>, the form in which a cache entry keeps its key.
// For most K it is the K itself. For std::string it keeps keys of up to 31
// bytes inline in its 32 bytes (libstdc++'s std::string, also 32 bytes, keeps
// only 15 inline), so that a lookup compares a short key without another
// cache miss; longer keys go to one heap buffer.
//
// Thread-safety: immutable after construction; const methods may run
//                concurrently.
// Complexity:    construction and Equals O(key size).
// Ownership:     owns its bytes (the heap buffer of a long string key).
// Errors:        allocation failure throws std::bad_alloc (like std::string).

#ifndef ADAPTRT_CACHE_INTERNAL_STORED_KEY_H_
#define ADAPTRT_CACHE_INTERNAL_STORED_KEY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace adaptrt::cache_internal {

template <typename K>
class StoredKey {
 public:
  explicit StoredKey(const K& key) : key_(key) {}
  StoredKey(const StoredKey&) = delete;
  StoredKey& operator=(const StoredKey&) = delete;

  bool Equals(const K& key) const { return key_ == key; }
  // The key (a reference to the stored one).
  const K& Get() const { return key_; }
  // Bytes owned outside the object.
  static constexpr std::size_t HeapBytes() { return 0; }

 private:
  const K key_;
};

template <>
class StoredKey<std::string> {
 public:
  // Keys up to this many bytes live inside the object.
  static constexpr std::size_t kInlineBytes = 31;

  explicit StoredKey(std::string_view key) {
    if (key.size() <= kInlineBytes) {
      std::memcpy(bytes_, key.data(), key.size());
      std::memset(bytes_ + key.size(), 0, kInlineBytes - key.size());
      bytes_[kInlineBytes] = static_cast<char>(key.size());
    } else {
      char* heap = new char[key.size()];
      std::memcpy(heap, key.data(), key.size());
      const std::uint64_t size = key.size();
      std::memcpy(bytes_, &heap, sizeof heap);
      std::memcpy(bytes_ + 8, &size, sizeof size);
      std::memset(bytes_ + 16, 0, kInlineBytes - 16);
      bytes_[kInlineBytes] = static_cast<char>(kHeap);
    }
  }
  ~StoredKey() {
    if (on_heap()) delete[] HeapData();
  }
  StoredKey(const StoredKey&) = delete;
  StoredKey& operator=(const StoredKey&) = delete;

  bool Equals(std::string_view key) const {
    const auto mark = static_cast<unsigned char>(bytes_[kInlineBytes]);
    if (mark != kHeap) {
      return key.size() == mark && std::memcmp(bytes_, key.data(), mark) == 0;
    }
    return key.size() == HeapSize() &&
           std::memcmp(HeapData(), key.data(), key.size()) == 0;
  }
  std::string_view view() const {
    if (on_heap()) return std::string_view(HeapData(), HeapSize());
    return std::string_view(bytes_,
                            static_cast<unsigned char>(bytes_[kInlineBytes]));
  }
  // The key (a copy: what eviction listeners are given).
  std::string Get() const { return std::string(view()); }
  // Bytes owned outside the object.
  std::size_t HeapBytes() const { return on_heap() ? HeapSize() : 0; }

 private:
  static constexpr unsigned char kHeap = 0xFF;

  bool on_heap() const {
    return static_cast<unsigned char>(bytes_[kInlineBytes]) == kHeap;
  }
  char* HeapData() const {
    char* data;
    std::memcpy(&data, bytes_, sizeof data);
    return data;
  }
  std::size_t HeapSize() const {
    std::uint64_t size;
    std::memcpy(&size, bytes_ + 8, sizeof size);
    return static_cast<std::size_t>(size);
  }

  // Inline: the key's bytes, zero padding, then its size in the last byte.
  // Heap: the buffer's address (bytes 0-7), the size (8-15), kHeap last.
  alignas(8) char bytes_[kInlineBytes + 1];
};

static_assert(sizeof(StoredKey<std::string>) == 32);

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_STORED_KEY_H_
