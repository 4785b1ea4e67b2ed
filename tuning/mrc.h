// mrc.h: miss-ratio curves. Exact LRU curves from reuse (stack) distances,
// SHARDS estimates from a spatially hashed sample (Waldspurger et al.,
// FAST'15; fixed rate and fixed size, with the SHARDS_adj correction), and
// mini-simulations of any policy behind PolicySimulator (ATC'17).
//
// A curve maps a capacity in entries (unit-size objects) to the fraction of
// requests that miss in a cold-started cache of that capacity.
//
// Thread-safety: not thread-safe; each object has one owner. The free
//                functions are pure.
// Complexity:    ReuseDistanceTracker::Access O(log n) amortized (Fenwick
//                tree over last-access times, compacted when full);
//                Shards::Access O(1) for unsampled keys, O(log s) for
//                sampled ones; Curve() O(distinct distances).
// Ownership:     values only.
// Errors:        none (capacities and rates are clamped; see each function).

#ifndef ADAPTRT_TUNING_MRC_H_
#define ADAPTRT_TUNING_MRC_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace adaptrt::tuning {

// A non-increasing step function of capacity. points()[i] says: at capacity
// >= points()[i].capacity (and below the next point), the miss ratio is
// points()[i].miss_ratio. Below the first point the miss ratio is 1.
class MissRatioCurve {
 public:
  struct Point {
    double capacity = 0;
    double miss_ratio = 1;
  };

  MissRatioCurve() = default;
  // `hits_by_threshold`: weight of requests that hit once the capacity reaches
  // the key (a reuse distance + 1); `total`: weight of all requests (cold
  // misses included). Weights below zero are treated as zero.
  static MissRatioCurve FromHits(std::vector<std::pair<double, double>> hits_by_threshold,
                                 double total);
  // From explicit points (sorted by capacity; made non-increasing).
  static MissRatioCurve FromPoints(std::vector<Point> points, bool interpolate);

  double MissRatio(double capacity) const;
  double HitRatio(double capacity) const { return 1.0 - MissRatio(capacity); }
  // The smallest capacity whose miss ratio is at most `miss_ratio`, or
  // nullopt when the curve never gets that low.
  std::optional<double> CapacityFor(double miss_ratio) const;
  // The lower convex hull (Talus, HPCA'15): what partitioning can reach; a
  // piecewise-linear curve through the hull's vertices, starting at (0, 1).
  MissRatioCurve ConvexHull() const;
  // The same curve with every capacity multiplied by `factor` (e.g. 1 / R
  // for a curve measured on a spatial sample of rate R).
  MissRatioCurve Scaled(double factor) const;
  absl::Span<const Point> points() const { return points_; }
  bool empty() const { return points_.empty(); }

 private:
  std::vector<Point> points_;
  bool interpolate_ = false;  // linear between points (hulls) or steps
};

// Mean absolute difference of two curves at `capacities`.
double MeanAbsoluteError(const MissRatioCurve& a, const MissRatioCurve& b,
                         absl::Span<const double> capacities);

// `count` capacities evenly spaced over (0, max_capacity].
std::vector<double> EvenCapacities(double max_capacity, int count);

// Exact reuse distances: for each access, the number of distinct other keys
// accessed since the previous access of the same key.
class ReuseDistanceTracker {
 public:
  ReuseDistanceTracker();
  // nullopt for a first access (a cold miss).
  std::optional<uint64_t> Access(uint64_t key);
  // Forgets `key` (its next access is a first access). No-op when absent.
  void Erase(uint64_t key);
  size_t size() const { return slot_of_.size(); }

 private:
  void Add(size_t slot, int delta);
  int64_t Prefix(size_t slot) const;  // live slots in [0, slot]
  void Rebuild(size_t capacity);      // compacts live keys into a fresh tree

  std::vector<int32_t> tree_;      // Fenwick tree, 1-based
  std::vector<uint64_t> key_at_;   // key at each slot, or kEmpty
  std::vector<bool> live_;         // slot holds a key's last access
  absl::flat_hash_map<uint64_t, size_t> slot_of_;
  size_t next_slot_ = 0;
};

// The exact LRU miss-ratio curve of a trace.
MissRatioCurve ExactLruCurve(absl::Span<const uint64_t> trace);

// Fixed at construction.
struct ShardsOptions {
  // Sampling rate R in (0, 1]; the initial rate in fixed-size mode.
  double rate = 0.01;
  // Fixed-size mode: track at most this many sampled keys, lowering the rate
  // as needed. 0: fixed-rate mode.
  size_t max_keys = 0;
  // SHARDS_adj: move the difference between expected (N x R) and actual
  // sample counts into the first bucket.
  bool adjust = true;
  // Hash seed (spatial sampling must be consistent per key).
  uint64_t seed = 0x5eed;
};

class Shards {
 public:
  explicit Shards(const ShardsOptions& options = {});

  // `key` is any 64-bit identity; it is hashed with the seed.
  void Access(uint64_t key);
  MissRatioCurve Curve() const;

  // Multiplies all accumulated weights by `factor` in (0, 1] (aging for
  // online use: old phases fade, tracked keys stay).
  void Decay(double factor);

  double rate() const { return static_cast<double>(threshold_) / kModulus; }
  uint64_t requests() const { return requests_; }
  double sampled_weight() const { return sampled_weight_ * scale_; }
  size_t sampled_keys() const { return tracker_.size(); }
  // Whether `key` passes the sampling filter now.
  bool Sampled(uint64_t key) const;

  static constexpr uint64_t kModulus = uint64_t{1} << 24;

 private:
  uint64_t HashOf(uint64_t key) const;
  void Rescale(uint64_t new_threshold);
  void ScaleWeights(double factor);
  static uint64_t Bucket(double scaled_distance);

  ShardsOptions options_;
  uint64_t threshold_;  // sampled iff hash mod kModulus < threshold_
  ReuseDistanceTracker tracker_;
  std::set<std::pair<uint64_t, uint64_t>> by_hash_;  // (hash mod P, key); fixed-size
  // Threshold (round(distance / R) + 1, kept to ~0.2% relative precision
  // above 1024) -> raw weight. A hash map: inserts are O(1); Curve() sorts.
  // Real weights are raw x scale_: rescaling and decay are O(1).
  absl::flat_hash_map<uint64_t, double> hits_;
  double sampled_weight_ = 0;  // raw; every sampled reference, cold included
  double scale_ = 1.0;
  double request_weight_ = 0;  // every reference (decays with the histogram)
  uint64_t requests_ = 0;
};

// A policy simulation for mini-simulations: a cache of `capacity` unit-size
// entries under some replacement policy. Implementations may wrap
// cache/policy code; LruSimulator is the exact LRU reference.
class PolicySimulator {
 public:
  virtual ~PolicySimulator() = default;
  // Returns true on a hit; inserts on a miss (evicting as the policy says).
  virtual bool Access(uint64_t key) = 0;
};

using PolicySimulatorFactory =
    std::function<std::unique_ptr<PolicySimulator>(uint64_t capacity)>;

class LruSimulator : public PolicySimulator {
 public:
  explicit LruSimulator(uint64_t capacity);
  bool Access(uint64_t key) override;

 private:
  struct Node {
    uint64_t key;
    uint32_t prev, next;
  };
  void Unlink(uint32_t i);
  void PushFront(uint32_t i);
  uint64_t capacity_;
  std::vector<Node> nodes_;  // nodes_[0] is the list head sentinel
  absl::flat_hash_map<uint64_t, uint32_t> index_;
};

PolicySimulatorFactory LruFactory();

// Mini-simulation: for each capacity C, a simulator of capacity
// max(1, round(C x rate)) replays the keys that pass a SHARDS filter of
// `rate`; its miss count over N x rate (the SHARDS_adj correction) estimates
// the full cache's miss ratio. The first `warmup` requests of `trace` (before
// sampling) only warm the simulators: their misses are not counted and N
// excludes them (for a window cut from a longer stream, where a cold start
// would count the resident set's first accesses as misses).
MissRatioCurve MiniSimulationCurve(absl::Span<const uint64_t> trace,
                                   const PolicySimulatorFactory& factory,
                                   absl::Span<const double> capacities, double rate,
                                   uint64_t seed = 0x5eed, size_t warmup = 0);

}  // namespace adaptrt::tuning

#endif  // ADAPTRT_TUNING_MRC_H_
