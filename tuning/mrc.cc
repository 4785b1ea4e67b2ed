// mrc.cc: reuse distances, exact LRU curves, SHARDS, mini-simulations.
//
// ReuseDistanceTracker invariants: every tracked key owns exactly one live
// slot (its last access time); slots are handed out in increasing order, so
// the live slots after a key's slot are exactly the distinct keys accessed
// since; tree_ is a Fenwick tree over live_ (1 per live slot). When the slots
// run out, live keys are renumbered densely in access order (Rebuild), and
// the array doubles when more than half of it is live: O(log n) amortized.
//
// Shards invariants: a key is tracked iff its hash (mod P) is below
// threshold_; in fixed-size mode by_hash_ holds exactly the tracked keys and
// lowering the threshold evicts them from the tracker and rescales all
// weights by new_rate / old_rate, so the histogram always describes a
// sample of the whole stream at the current rate. Distances are scaled by
// 1 / R at the time of the reference. Weights are stored raw and multiplied
// by scale_, so a rescale or a decay costs O(1) however large the histogram.
// Not thread-safe; no atomics.

#include "tuning/mrc.h"

#include <algorithm>
#include <bit>
#include <cmath>


namespace adaptrt::tuning {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t SampleHash(uint64_t key, uint64_t seed) {
  return Mix(key ^ Mix(seed)) & (Shards::kModulus - 1);
}

double Cross(const MissRatioCurve::Point& o, const MissRatioCurve::Point& a,
             const MissRatioCurve::Point& b) {
  return (a.capacity - o.capacity) * (b.miss_ratio - o.miss_ratio) -
         (a.miss_ratio - o.miss_ratio) * (b.capacity - o.capacity);
}

}  // namespace

// ---------------------------------------------------------------------------
// MissRatioCurve

MissRatioCurve MissRatioCurve::FromHits(std::vector<std::pair<double, double>> hits_by_threshold,
                                        double total) {
  MissRatioCurve curve;
  if (!(total > 0)) return curve;
  std::sort(hits_by_threshold.begin(), hits_by_threshold.end());
  double hits = 0;
  for (const auto& [threshold, weight] : hits_by_threshold) {
    hits += std::max(weight, 0.0);
    const double miss = std::clamp(1.0 - hits / total, 0.0, 1.0);
    if (!curve.points_.empty() && curve.points_.back().capacity == threshold) {
      curve.points_.back().miss_ratio = miss;  // merge equal thresholds
    } else {
      curve.points_.push_back({threshold, miss});
    }
  }
  return curve;
}

MissRatioCurve MissRatioCurve::FromPoints(std::vector<Point> points, bool interpolate) {
  MissRatioCurve curve;
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.capacity < b.capacity; });
  double lowest = 1.0;
  for (Point& p : points) {
    lowest = std::min(lowest, std::clamp(p.miss_ratio, 0.0, 1.0));
    p.miss_ratio = lowest;
  }
  curve.points_ = std::move(points);
  curve.interpolate_ = interpolate;
  return curve;
}

double MissRatioCurve::MissRatio(double capacity) const {
  if (points_.empty()) return 1.0;
  auto it = std::upper_bound(points_.begin(), points_.end(), capacity,
                             [](double c, const Point& p) { return c < p.capacity; });
  if (!interpolate_) return it == points_.begin() ? 1.0 : std::prev(it)->miss_ratio;
  if (it == points_.end()) return points_.back().miss_ratio;
  const Point lo = it == points_.begin() ? Point{0, 1} : *std::prev(it);
  const Point& hi = *it;
  if (hi.capacity <= lo.capacity) return hi.miss_ratio;
  const double f = (capacity - lo.capacity) / (hi.capacity - lo.capacity);
  return lo.miss_ratio + f * (hi.miss_ratio - lo.miss_ratio);
}

std::optional<double> MissRatioCurve::CapacityFor(double miss_ratio) const {
  if (miss_ratio >= 1.0) return 0.0;
  Point previous{0, 1};
  for (const Point& p : points_) {
    if (p.miss_ratio <= miss_ratio) {
      if (!interpolate_ || p.miss_ratio >= previous.miss_ratio) return p.capacity;
      const double f = (previous.miss_ratio - miss_ratio) / (previous.miss_ratio - p.miss_ratio);
      return previous.capacity + f * (p.capacity - previous.capacity);
    }
    previous = p;
  }
  return std::nullopt;
}

MissRatioCurve MissRatioCurve::ConvexHull() const {
  std::vector<Point> hull = {{0, 1}};
  for (const Point& p : points_) {
    // Pop strictly non-convex vertices; collinear ones stay (they are real
    // points of the curve, useful to the decisions).
    while (hull.size() >= 2 && Cross(hull[hull.size() - 2], hull.back(), p) < -1e-12) {
      hull.pop_back();
    }
    hull.push_back(p);
  }
  // Past the last point the curve is flat: keep only the descending part.
  while (hull.size() >= 2 && hull.back().miss_ratio >= hull[hull.size() - 2].miss_ratio) {
    hull.pop_back();
  }
  MissRatioCurve curve;
  curve.points_ = std::move(hull);
  curve.interpolate_ = true;
  return curve;
}

MissRatioCurve MissRatioCurve::Scaled(double factor) const {
  MissRatioCurve curve = *this;
  for (Point& p : curve.points_) p.capacity *= factor;
  return curve;
}

double MeanAbsoluteError(const MissRatioCurve& a, const MissRatioCurve& b,
                         absl::Span<const double> capacities) {
  if (capacities.empty()) return 0;
  double sum = 0;
  for (double c : capacities) sum += std::abs(a.MissRatio(c) - b.MissRatio(c));
  return sum / static_cast<double>(capacities.size());
}

std::vector<double> EvenCapacities(double max_capacity, int count) {
  std::vector<double> capacities;
  for (int i = 1; i <= count; ++i) capacities.push_back(max_capacity * i / count);
  return capacities;
}

// ---------------------------------------------------------------------------
// ReuseDistanceTracker

namespace {
constexpr size_t kInitialSlots = 1024;
}  // namespace

ReuseDistanceTracker::ReuseDistanceTracker() { Rebuild(kInitialSlots); }

void ReuseDistanceTracker::Add(size_t slot, int delta) {
  for (size_t i = slot + 1; i < tree_.size(); i += i & (~i + 1)) tree_[i] += delta;
}

int64_t ReuseDistanceTracker::Prefix(size_t slot) const {
  int64_t sum = 0;
  for (size_t i = slot + 1; i > 0; i -= i & (~i + 1)) sum += tree_[i];
  return sum;
}

void ReuseDistanceTracker::Rebuild(size_t capacity) {
  std::vector<uint64_t> keys;
  keys.reserve(slot_of_.size());
  for (size_t s = 0; s < next_slot_; ++s) {
    if (live_[s]) keys.push_back(key_at_[s]);
  }
  capacity = std::max(capacity, keys.size() + 1);
  tree_.assign(capacity + 1, 0);
  key_at_.assign(capacity, 0);
  live_.assign(capacity, false);
  for (size_t s = 0; s < keys.size(); ++s) {
    key_at_[s] = keys[s];
    live_[s] = true;
    slot_of_[keys[s]] = s;
    tree_[s + 1] = 1;
  }
  // Linear-time Fenwick construction.
  for (size_t i = 1; i <= capacity; ++i) {
    const size_t parent = i + (i & (~i + 1));
    if (parent <= capacity) tree_[parent] += tree_[i];
  }
  next_slot_ = keys.size();
}

std::optional<uint64_t> ReuseDistanceTracker::Access(uint64_t key) {
  std::optional<uint64_t> distance;
  if (auto it = slot_of_.find(key); it != slot_of_.end()) {
    const size_t slot = it->second;
    distance = static_cast<uint64_t>(static_cast<int64_t>(slot_of_.size()) - Prefix(slot));
    Add(slot, -1);
    live_[slot] = false;
    slot_of_.erase(it);
  }
  if (next_slot_ == live_.size()) {
    const size_t capacity = live_.size();
    Rebuild(slot_of_.size() * 2 > capacity ? capacity * 2 : capacity);
  }
  const size_t slot = next_slot_++;
  live_[slot] = true;
  key_at_[slot] = key;
  Add(slot, 1);
  slot_of_[key] = slot;
  return distance;
}

void ReuseDistanceTracker::Erase(uint64_t key) {
  auto it = slot_of_.find(key);
  if (it == slot_of_.end()) return;
  Add(it->second, -1);
  live_[it->second] = false;
  slot_of_.erase(it);
}

MissRatioCurve ExactLruCurve(absl::Span<const uint64_t> trace) {
  ReuseDistanceTracker tracker;
  absl::flat_hash_map<uint64_t, double> by_distance;
  for (uint64_t key : trace) {
    if (std::optional<uint64_t> d = tracker.Access(key)) by_distance[*d] += 1;
  }
  std::vector<std::pair<double, double>> hits;
  hits.reserve(by_distance.size());
  for (const auto& [d, weight] : by_distance) hits.emplace_back(static_cast<double>(d) + 1, weight);
  return MissRatioCurve::FromHits(std::move(hits), static_cast<double>(trace.size()));
}

// ---------------------------------------------------------------------------
// Shards

Shards::Shards(const ShardsOptions& options)
    : options_(options),
      threshold_(std::clamp<uint64_t>(
          static_cast<uint64_t>(std::llround(std::clamp(options.rate, 0.0, 1.0) * kModulus)),
          1, kModulus)) {}

uint64_t Shards::HashOf(uint64_t key) const { return SampleHash(key, options_.seed); }

bool Shards::Sampled(uint64_t key) const { return HashOf(key) < threshold_; }

void Shards::Rescale(uint64_t new_threshold) {
  const double factor = static_cast<double>(new_threshold) / static_cast<double>(threshold_);
  threshold_ = new_threshold;
  ScaleWeights(factor);
}

void Shards::ScaleWeights(double factor) {
  scale_ *= factor;
  if (scale_ < 1e-100) {  // fold the scale into the raw weights before underflow
    for (auto& [threshold, weight] : hits_) weight *= scale_;
    sampled_weight_ *= scale_;
    scale_ = 1.0;
  }
}

uint64_t Shards::Bucket(double scaled_distance) {
  uint64_t v = static_cast<uint64_t>(std::llround(scaled_distance));
  if (v > 1024) {
    const int shift = std::bit_width(v) - 11;  // keep 10-11 significant bits
    v = ((v >> shift) << shift) + (uint64_t{1} << shift) / 2;
  }
  return v + 1;
}

void Shards::Access(uint64_t key) {
  ++requests_;
  request_weight_ += 1;
  const uint64_t hash = HashOf(key);
  if (hash >= threshold_) return;
  const double rate = this->rate();
  const double weight = 1.0 / scale_;
  sampled_weight_ += weight;
  if (std::optional<uint64_t> d = tracker_.Access(key)) {
    hits_[Bucket(static_cast<double>(*d) / rate)] += weight;
  } else if (options_.max_keys > 0) {
    by_hash_.emplace(hash, key);
  }
  if (options_.max_keys > 0 && tracker_.size() > options_.max_keys) {
    // Lower the threshold to the largest tracked hash: every key at or above
    // it leaves the sample.
    const uint64_t new_threshold = by_hash_.rbegin()->first;
    while (!by_hash_.empty() && by_hash_.rbegin()->first >= new_threshold) {
      tracker_.Erase(by_hash_.rbegin()->second);
      by_hash_.erase(std::prev(by_hash_.end()));
    }
    Rescale(std::max<uint64_t>(new_threshold, 1));
  }
}

MissRatioCurve Shards::Curve() const {
  std::vector<std::pair<double, double>> hits;
  hits.reserve(hits_.size());
  for (const auto& [threshold, weight] : hits_) {
    hits.emplace_back(static_cast<double>(threshold), weight * scale_);
  }
  const double sampled = sampled_weight_ * scale_;
  if (!options_.adjust) return MissRatioCurve::FromHits(std::move(hits), sampled);
  // SHARDS_adj: the first bucket absorbs expected minus actual samples. A
  // deficit (a hot key in the sample: more samples than expected) can exceed
  // the first bucket; it is then drained from the following buckets in order,
  // which keeps every cumulative hit count at max(0, raw - deficit), as one
  // negative first bucket would, without negative weights.
  const double expected = request_weight_ * rate();
  std::sort(hits.begin(), hits.end());
  double adjustment = expected - sampled;
  if (!hits.empty() && adjustment >= 0) hits.front().second += adjustment;
  for (auto& [threshold, weight] : hits) {
    if (adjustment >= 0) break;
    const double take = std::min(weight, -adjustment);
    weight -= take;
    adjustment += take;
  }
  return MissRatioCurve::FromHits(std::move(hits), expected);
}

void Shards::Decay(double factor) {
  factor = std::clamp(factor, 1e-9, 1.0);
  ScaleWeights(factor);
  request_weight_ *= factor;
}

// ---------------------------------------------------------------------------
// Mini-simulations

LruSimulator::LruSimulator(uint64_t capacity) : capacity_(std::max<uint64_t>(capacity, 1)) {
  nodes_.push_back({0, 0, 0});
}

void LruSimulator::Unlink(uint32_t i) {
  nodes_[nodes_[i].prev].next = nodes_[i].next;
  nodes_[nodes_[i].next].prev = nodes_[i].prev;
}

void LruSimulator::PushFront(uint32_t i) {
  nodes_[i].prev = 0;
  nodes_[i].next = nodes_[0].next;
  nodes_[nodes_[0].next].prev = i;
  nodes_[0].next = i;
}

bool LruSimulator::Access(uint64_t key) {
  if (auto it = index_.find(key); it != index_.end()) {
    Unlink(it->second);
    PushFront(it->second);
    return true;
  }
  uint32_t slot;
  if (index_.size() >= capacity_) {
    slot = nodes_[0].prev;  // the least recently used
    Unlink(slot);
    index_.erase(nodes_[slot].key);
  } else {
    slot = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back({});
  }
  nodes_[slot].key = key;
  PushFront(slot);
  index_[key] = slot;
  return false;
}

PolicySimulatorFactory LruFactory() {
  return [](uint64_t capacity) { return std::make_unique<LruSimulator>(capacity); };
}

MissRatioCurve MiniSimulationCurve(absl::Span<const uint64_t> trace,
                                   const PolicySimulatorFactory& factory,
                                   absl::Span<const double> capacities, double rate,
                                   uint64_t seed, size_t warmup) {
  const uint64_t threshold = std::clamp<uint64_t>(
      static_cast<uint64_t>(std::llround(std::clamp(rate, 0.0, 1.0) * Shards::kModulus)), 1,
      Shards::kModulus);
  const double effective_rate = static_cast<double>(threshold) / Shards::kModulus;
  warmup = std::min(warmup, trace.size());
  std::vector<uint64_t> sample;
  size_t sampled_warmup = 0;  // sampled references among the first `warmup`
  for (size_t i = 0; i < trace.size(); ++i) {
    if (SampleHash(trace[i], seed) < threshold) {
      sample.push_back(trace[i]);
      if (i < warmup) ++sampled_warmup;
    }
  }
  std::vector<MissRatioCurve::Point> points;
  if (sample.size() == sampled_warmup) return MissRatioCurve::FromPoints({}, false);
  // SHARDS_adj applied to the simulation: the gap between the expected
  // (N x R) and actual sample sizes comes from the hottest keys being in or
  // out of the sample; it counts as hits, so misses are divided by N x R.
  const double expected = static_cast<double>(trace.size() - warmup) * effective_rate;
  for (double capacity : capacities) {
    const uint64_t scaled =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(capacity * effective_rate)));
    std::unique_ptr<PolicySimulator> sim = factory(scaled);
    uint64_t misses = 0;
    for (size_t i = 0; i < sample.size(); ++i) {
      const bool hit = sim->Access(sample[i]);
      if (i >= sampled_warmup && !hit) ++misses;
    }
    points.push_back({capacity, static_cast<double>(misses) / expected});
  }
  return MissRatioCurve::FromPoints(std::move(points), false);
}

}  // namespace adaptrt::tuning
