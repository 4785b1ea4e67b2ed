#include "cache/options.h"

#include <chrono>

namespace adaptrt::cache {
namespace {

class SteadyClock final : public Clock {
 public:
  std::int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const Clock* Clock::Steady() {
  static const SteadyClock* const clock = new SteadyClock();
  return clock;
}

}  // namespace adaptrt::cache
