// l3_record.cc: encoding and verification of L3 records (format in the
// header). Little-endian fields are written byte by byte so the format does
// not depend on the host's endianness. CRC-32C uses the SSE4.2 crc32
// instruction (8 bytes per instruction) where the CPU has it, chosen once at
// run time, and otherwise a table-driven software loop (one table of 256
// entries, built at compile time). The table loop cost ~25% of the CPU of
// opening and scanning an L3 of 9k small records (every record is verified
// at open and at each read); the instruction makes it a few percent.

#include "cache/internal/l3_record.h"

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace adaptrt::cache_internal {
namespace {

constexpr char kMagic[4] = {'a', 'R', 'T', '3'};

constexpr std::array<std::uint32_t, 256> MakeCrcTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = MakeCrcTable();

void PutFixed32(std::uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void PutFixed64(std::uint64_t v, char* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint32_t GetFixed32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}
std::uint64_t GetFixed64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

std::uint32_t RecordCrc(std::string_view header20, std::string_view key,
                        std::string_view payload) {
  std::uint32_t crc = Crc32c(0, header20);
  crc = Crc32c(crc, key);
  return Crc32c(crc, payload);
}

}  // namespace

std::uint32_t Crc32cPortable(std::uint32_t crc, std::string_view data) noexcept {
  crc = ~crc;
  for (unsigned char b : data) crc = kCrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__)
namespace {

__attribute__((target("sse4.2"))) std::uint32_t Crc32cSse42(std::uint32_t crc,
                                                            std::string_view data) noexcept {
  const char* p = data.data();
  std::size_t n = data.size();
  std::uint64_t c = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);  // x86 is little-endian: the byte order crc32 expects
    c = __builtin_ia32_crc32di(c, word);
  }
  std::uint32_t c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(*p));
  return ~c32;
}

bool HasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}

}  // namespace

bool Crc32cUsesHardware() noexcept { return HasSse42(); }

std::uint32_t Crc32c(std::uint32_t crc, std::string_view data) noexcept {
  return HasSse42() ? Crc32cSse42(crc, data) : Crc32cPortable(crc, data);
}
#else
bool Crc32cUsesHardware() noexcept { return false; }

std::uint32_t Crc32c(std::uint32_t crc, std::string_view data) noexcept {
  return Crc32cPortable(crc, data);
}
#endif

void EncodeL3Record(std::string_view key, std::string_view payload,
                    std::uint64_t expiry_micros, std::string* out) {
  char header[kL3RecordHeaderBytes] = {};
  for (int i = 0; i < 4; ++i) header[i] = kMagic[i];
  header[4] = static_cast<char>(kL3RecordVersion);
  PutFixed64(expiry_micros, header + 8);
  PutFixed32(static_cast<std::uint32_t>(payload.size()), header + 16);
  PutFixed32(RecordCrc(std::string_view(header, 20), key, payload), header + 20);
  out->append(header, kL3RecordHeaderBytes);
  out->append(payload);
}

absl::StatusOr<L3Record> DecodeL3Record(std::string_view key,
                                        std::string_view record) {
  if (record.size() < kL3RecordHeaderBytes) {
    return absl::DataLossError(absl::StrCat("L3 record of ", record.size(),
                                            " bytes is shorter than its ",
                                            kL3RecordHeaderBytes, "-byte header"));
  }
  const char* p = record.data();
  if (std::string_view(p, 4) != std::string_view(kMagic, 4)) {
    return absl::DataLossError("L3 record has a bad magic (not written by adaptrt)");
  }
  const auto version = static_cast<std::uint8_t>(p[4]);
  if (version != kL3RecordVersion) {
    return absl::DataLossError(absl::StrCat("L3 record has format version ",
                                            version, ", this build reads ",
                                            kL3RecordVersion));
  }
  const std::uint32_t length = GetFixed32(p + 16);
  if (length != record.size() - kL3RecordHeaderBytes) {
    return absl::DataLossError(absl::StrCat(
        "L3 record header says ", length, " payload bytes, record holds ",
        record.size() - kL3RecordHeaderBytes));
  }
  L3Record out;
  out.expiry_micros = GetFixed64(p + 8);
  out.payload = record.substr(kL3RecordHeaderBytes);
  if (GetFixed32(p + 20) != RecordCrc(std::string_view(p, 20), key, out.payload)) {
    return absl::DataLossError("L3 record checksum mismatch");
  }
  // Checked after the CRC, which covers them: non-zero reserved bytes under
  // a valid checksum were written on purpose, by a format this build does
  // not know (a damaged byte fails the CRC above). Reading on would ignore
  // whatever they mean, and would break encode(decode(x)) == x.
  if (p[5] != 0 || p[6] != 0 || p[7] != 0) {
    return absl::DataLossError(absl::StrFormat(
        "L3 record has reserved header bytes 5..7 = %02x %02x %02x, expected 00 00 00 "
        "(format version %d as this build writes it); a newer revision of the format? "
        "record not read",
        unsigned{static_cast<unsigned char>(p[5])}, unsigned{static_cast<unsigned char>(p[6])},
        unsigned{static_cast<unsigned char>(p[7])}, int{kL3RecordVersion}));
  }
  return out;
}

}  // namespace adaptrt::cache_internal
