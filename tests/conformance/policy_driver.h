// policy_driver.h: a minimal owner for an EvictionPolicy in tests: it owns
// hooks keyed by integer, follows the protocol of cache/policy/policy.h, and
// enforces a capacity in charge units. Not thread-safe.

#ifndef ADAPTRT_TESTS_CONFORMANCE_POLICY_DRIVER_H_
#define ADAPTRT_TESTS_CONFORMANCE_POLICY_DRIVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "cache/policy/policy.h"
#include "gtest/gtest.h"

namespace adaptrt::cache_testing {

struct TestEntry : cache::PolicyHook {
  std::uint64_t key = 0;
};

class PolicyDriver {
 public:
  explicit PolicyDriver(std::unique_ptr<cache::EvictionPolicy> policy,
                        std::uint64_t capacity)
      : policy_(std::move(policy)), capacity_(capacity) {}

  // A request: hit -> OnAccess; miss -> insert with `charge`, evicting by
  // policy until it fits. Returns whether it was a hit.
  bool Request(std::uint64_t key, std::uint64_t charge = 1) {
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      policy_->OnAccess(it->second.get());
      return true;
    }
    Insert(key, charge);
    return false;
  }

  void Insert(std::uint64_t key, std::uint64_t charge = 1) {
    auto entry = std::make_unique<TestEntry>();
    entry->key = key;
    entry->hash = key;  // identity: ghosts are then readable in tests
    entry->charge = charge;
    policy_->PrepareInsert(entry.get());
    EvictUntil(charge);
    policy_->OnInsert(entry.get());
    usage_ += charge;
    entries_[key] = std::move(entry);
  }

  bool Erase(std::uint64_t key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    policy_->OnErase(it->second.get());
    usage_ -= it->second->charge;
    entries_.erase(it);
    return true;
  }

  void SetCapacity(std::uint64_t capacity) {
    capacity_ = capacity;
    policy_->SetCapacity(capacity);
    EvictUntil(0);
  }

  // The key of the current victim, or -1 when empty.
  std::int64_t VictimKey() {
    cache::PolicyHook* h = policy_->Victim();
    return h == nullptr ? -1
                        : static_cast<std::int64_t>(
                              static_cast<TestEntry*>(h)->key);
  }

  bool Contains(std::uint64_t key) const { return entries_.count(key) > 0; }
  cache::PolicyHook* HookOf(std::uint64_t key) {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second.get();
  }
  const std::vector<std::uint64_t>& evicted() const { return evicted_; }
  std::uint64_t usage() const { return usage_; }
  std::size_t size() const { return entries_.size(); }
  cache::EvictionPolicy& policy() { return *policy_; }

 private:
  void EvictUntil(std::uint64_t incoming) {
    while (usage_ + incoming > capacity_) {
      cache::PolicyHook* victim = policy_->Victim();
      ASSERT_NE(victim, nullptr) << "usage " << usage_ << " but no victim";
      const std::uint64_t key = static_cast<TestEntry*>(victim)->key;
      ASSERT_EQ(entries_.count(key), 1u) << "victim " << key << " not owned";
      policy_->OnEvict(victim);
      usage_ -= victim->charge;
      evicted_.push_back(key);
      entries_.erase(key);
    }
  }

  std::unique_ptr<cache::EvictionPolicy> policy_;
  std::uint64_t capacity_;
  std::uint64_t usage_ = 0;
  std::map<std::uint64_t, std::unique_ptr<TestEntry>> entries_;
  std::vector<std::uint64_t> evicted_;
};

}  // namespace adaptrt::cache_testing

#endif  // ADAPTRT_TESTS_CONFORMANCE_POLICY_DRIVER_H_
