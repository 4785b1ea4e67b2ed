// l3_record.h: the byte format of one record in the persistent L3 store.
//
// A record is the RocksDB value stored under the serialized key:
//
//   offset size  field
//   0      4     magic "aRT3" (0x61 0x52 0x54 0x33)
//   4      1     format version (kL3RecordVersion = 1)
//   5      3     reserved, zero (a reader rejects a record whose reserved
//                bytes are not zero: a future format, not misread)
//   8      8     expiry, microseconds since the Unix epoch, little-endian;
//                0 = never expires
//   16     4     payload length in bytes, little-endian
//   20     4     CRC-32C (Castagnoli) over bytes [0, 20), the key, and the
//                payload, little-endian
//   24     n     payload (the serialized value)
//
// The checksum covers the key, so a record copied under another key (or a
// foreign value written by another program) is detected as well as a torn or
// bit-flipped one.
//
// Thread-safety: pure functions, thread-safe.
// Complexity:    O(key + payload).
// Ownership:     DecodeL3Record's payload view points into `record`.
// Errors:        DecodeL3Record returns absl::DataLossError naming the cause
//                (short record, bad magic, unknown version, length mismatch,
//                checksum mismatch, non-zero reserved bytes under a valid
//                checksum).

#ifndef ADAPTRT_CACHE_INTERNAL_L3_RECORD_H_
#define ADAPTRT_CACHE_INTERNAL_L3_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace adaptrt::cache_internal {

inline constexpr std::size_t kL3RecordHeaderBytes = 24;
inline constexpr std::uint8_t kL3RecordVersion = 1;

struct L3Record {
  std::uint64_t expiry_micros = 0;  // 0 = never expires.
  std::string_view payload;
};

// CRC-32C of `data`, continuing from `crc` (0 to start). Uses the SSE4.2
// crc32 instruction when the CPU has it (Crc32cUsesHardware()), else
// Crc32cPortable; both return the same value for every input.
std::uint32_t Crc32c(std::uint32_t crc, std::string_view data) noexcept;
std::uint32_t Crc32cPortable(std::uint32_t crc, std::string_view data) noexcept;
bool Crc32cUsesHardware() noexcept;

// Appends the record for (key, payload, expiry) to `out`.
// REQUIRES: payload.size() < 2^32.
void EncodeL3Record(std::string_view key, std::string_view payload,
                    std::uint64_t expiry_micros, std::string* out);

// Parses and verifies `record` stored under `key`.
absl::StatusOr<L3Record> DecodeL3Record(std::string_view key,
                                        std::string_view record);

}  // namespace adaptrt::cache_internal

#endif  // ADAPTRT_CACHE_INTERNAL_L3_RECORD_H_
