#include "cache/policy/policy.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cache/policy/arc.h"
#include "cache/policy/lfu.h"
#include "cache/policy/lru.h"

namespace adaptrt::cache {

std::string_view PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kLru:
      return "lru";
    case PolicyKind::kLfu:
      return "lfu";
    case PolicyKind::kArc:
      return "arc";
  }
  return "unknown";
}

absl::StatusOr<PolicyKind> ParsePolicyKind(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "lru") return PolicyKind::kLru;
  if (lower == "lfu") return PolicyKind::kLfu;
  if (lower == "arc") return PolicyKind::kArc;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown eviction policy \"", std::string(text), "\" (expected lru, lfu or arc)"));
}

std::unique_ptr<EvictionPolicy> NewPolicy(PolicyKind kind,
                                          std::uint64_t capacity) {
  switch (kind) {
    case PolicyKind::kLru:
      return std::make_unique<LruPolicy>(capacity);
    case PolicyKind::kLfu:
      return std::make_unique<LfuPolicy>(capacity);
    case PolicyKind::kArc:
      return std::make_unique<ArcPolicy>(capacity);
  }
  return nullptr;
}

}  // namespace adaptrt::cache
