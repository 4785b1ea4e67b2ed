// serializer.h: how values (and keys) of a tiered cache become bytes for the
// persistent L3 tier, and back.
//
// A serializer for T is any type S with
//   static void Serialize(const T& value, std::string* out);   // appends
//   static absl::StatusOr<T> Deserialize(std::string_view bytes);
// `Serializer<T>` is the default. It is defined for std::string and for every
// trivially copyable type (bytes copied as they are in memory: the format is
// only readable by a build with the same type layout and endianness; the
// record's length is checked, its layout is not). For anything else,
// specialize `adaptrt::cache::Serializer<T>` or pass your own serializer type
// to TieredCache.
//
// Thread-safety: stateless; Serialize/Deserialize may run concurrently.
// Complexity:    O(size of the value).
// Ownership:     Serialize appends to a caller-owned string; Deserialize
//                returns a new value.
// Errors:        Deserialize returns absl::DataLossError when the bytes cannot
//                be a T (wrong length for a trivially copyable type, or
//                whatever a user serializer rejects). Never throws.

#ifndef ADAPTRT_CACHE_SERIALIZER_H_
#define ADAPTRT_CACHE_SERIALIZER_H_

#include <concepts>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace adaptrt::cache {

// The default serializer. Undefined (a compile error where used) for types
// that are neither std::string nor trivially copyable.
template <typename T>
struct Serializer;

template <>
struct Serializer<std::string> {
  static void Serialize(const std::string& value, std::string* out) {
    out->append(value);
  }
  static absl::StatusOr<std::string> Deserialize(std::string_view bytes) {
    return std::string(bytes);
  }
};

template <typename T>
  requires(std::is_trivially_copyable_v<T> && !std::is_pointer_v<T>)
struct Serializer<T> {
  static void Serialize(const T& value, std::string* out) {
    out->append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  static absl::StatusOr<T> Deserialize(std::string_view bytes) {
    if (bytes.size() != sizeof(T)) {
      return absl::DataLossError(
          absl::StrCat("serialized value has ", bytes.size(),
                       " bytes, expected sizeof(T) = ", sizeof(T)));
    }
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  }
};

// True when S serializes T as described at the top of this file.
template <typename S, typename T>
concept SerializerFor = requires(const T& value, std::string* out,
                                 std::string_view bytes) {
  { S::Serialize(value, out) };
  { S::Deserialize(bytes) } -> std::same_as<absl::StatusOr<T>>;
};

}  // namespace adaptrt::cache

#endif  // ADAPTRT_CACHE_SERIALIZER_H_
