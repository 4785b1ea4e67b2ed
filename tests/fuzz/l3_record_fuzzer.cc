// l3_record_fuzzer.cc: cache_internal::DecodeL3Record (L3 records as read
// back from RocksDB) on arbitrary bytes.
//
// Input layout: byte 0 gives the key length k (modulo the bytes left), the
// next k bytes are the key, the rest is the record stored under it.
//
// Properties, beyond "no crash":
// - an error is DataLoss with a non-empty message;
// - a record that decodes re-encodes to the same bytes
//   (encode(decode(x)) == x): nothing in a record escapes the checksum;
// - the same bytes read as (key, payload, expiry) encode to a record that
//   decodes to them (decode(encode(v)) == v), and that record, with any one
//   bit flipped (position chosen by the input) or read under another key,
//   fails to decode: a damaged record never yields a value.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cache/internal/l3_record.h"
#include "tests/fuzz/fuzz_check.h"

namespace adaptrt::fuzz {
namespace {

using cache_internal::DecodeL3Record;
using cache_internal::EncodeL3Record;
using cache_internal::L3Record;

void CheckError(const absl::Status& s) {
  FUZZ_CHECK(s.code() == absl::StatusCode::kDataLoss, s.ToString());
  FUZZ_CHECK(!s.message().empty(), s.ToString());
}

void Check(std::string_view data) {
  if (data.empty()) return;
  const std::size_t key_size = static_cast<unsigned char>(data[0]) % data.size();
  const std::string_view key = data.substr(1, key_size);
  const std::string_view record = data.substr(1 + key.size());

  // Decoding what storage returned.
  const absl::StatusOr<L3Record> decoded = DecodeL3Record(key, record);
  if (decoded.ok()) {
    std::string again;
    EncodeL3Record(key, decoded->payload, decoded->expiry_micros, &again);
    FUZZ_CHECK(again == record, "record ", Show(record), " decoded, re-encoded as ",
               Show(again));
  } else {
    CheckError(decoded.status());
  }

  // Encoding a value, then damaging it.
  std::uint64_t expiry = 0;
  for (std::size_t i = 0; i < 8 && i < record.size(); ++i) {
    expiry = (expiry << 8) | static_cast<unsigned char>(record[i]);
  }
  std::string encoded;
  EncodeL3Record(key, record, expiry, &encoded);
  const absl::StatusOr<L3Record> round = DecodeL3Record(key, encoded);
  FUZZ_CHECK(round.ok(), round.status().ToString());
  FUZZ_CHECK(round->payload == record && round->expiry_micros == expiry,
             "payload ", Show(round->payload), " expiry ", round->expiry_micros);

  const std::size_t bit = (expiry ^ (expiry >> 32)) % (encoded.size() * 8);
  std::string flipped = encoded;
  flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
  const absl::StatusOr<L3Record> damaged = DecodeL3Record(key, flipped);
  FUZZ_CHECK(!damaged.ok(), "bit ", bit, " flipped, still decodes");
  CheckError(damaged.status());

  std::string other_key(key);
  other_key.push_back('\0');
  const absl::StatusOr<L3Record> moved = DecodeL3Record(other_key, encoded);
  FUZZ_CHECK(!moved.ok(), "record decodes under another key");
  CheckError(moved.status());
}

}  // namespace
}  // namespace adaptrt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  adaptrt::fuzz::Check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
