// preloaded_results.cc: see preloaded_results.h.

#include "runtime/internal/preloaded_results.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>

namespace adaptrt::runtime_internal {

namespace {

constexpr std::size_t kMaxReservedSlots = std::size_t{1} << 16;

bool FitsU32(std::int64_t n) {
  return n >= 0 && n <= std::numeric_limits<std::uint32_t>::max();
}

}  // namespace

PreloadedResults::PreloadedResults(std::size_t max_entries, std::size_t max_key_bytes)
    : max_entries_(max_entries),
      arena_bytes_(max_key_bytes),
      // Default-initialized: no page is touched until a key is appended.
      arena_(max_key_bytes > 0 ? new (std::nothrow) char[max_key_bytes] : nullptr) {
  map_.reserve(std::min(max_entries, kMaxReservedSlots));
}

bool PreloadedResults::Add(std::string_view key, const analyze::FileResult& result) {
  if (map_.contains(key)) return true;  // the first result stays
  if (arena_ == nullptr || map_.size() >= max_entries_ ||
      key.size() > arena_bytes_ - arena_used_) {
    return false;
  }
  if (result.error != 0 || !FitsU32(result.counts.blank) || !FitsU32(result.counts.comment) ||
      !FitsU32(result.counts.code)) {
    return false;
  }
  char* stored = arena_.get() + arena_used_;
  if (!key.empty()) std::memcpy(stored, key.data(), key.size());
  const Compact value{result.language,
                      result.bytes,
                      static_cast<std::uint32_t>(result.counts.blank),
                      static_cast<std::uint32_t>(result.counts.comment),
                      static_cast<std::uint32_t>(result.counts.code),
                      static_cast<std::uint8_t>(result.kind),
                      static_cast<std::uint8_t>(result.skip_reason)};
  map_.emplace(std::string_view(stored, key.size()), value);
  arena_used_ += key.size();
  return true;
}

std::optional<analyze::FileResult> PreloadedResults::Find(std::string_view key) const {
  const auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  const Compact& c = it->second;
  analyze::FileResult r;
  r.kind = static_cast<analyze::FileKind>(c.kind);
  r.skip_reason = static_cast<analyze::SkipReason>(c.skip_reason);
  r.language = c.language;
  r.counts.blank = c.blank;
  r.counts.comment = c.comment;
  r.counts.code = c.code;
  r.bytes = c.bytes;
  return r;
}

}  // namespace adaptrt::runtime_internal
