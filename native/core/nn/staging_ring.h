// Space for uploads in a ring of page-locked host memory (cuda/tensor_ops.cu's `upload`): a write
// copies its source into the ring and queues the device copy from there, so it returns without
// waiting for the device (a synchronous upload would drain the tensor stream, and a training step
// writes ~80 small tensors: scalars of its losses, ones of Sum/Mean gradients). A region of the
// ring is reused only after the copy that reads it is done: each queued region carries a fence
// (a CUDA event there, anything in the tests), and a claim waits for the newest fence among the
// regions it overlaps, which covers every older one (one stream, in order). At most
// `max_regions` are tracked: past that a claim waits for the oldest, which bounds both the scan
// and the fences when the device lags far behind many tiny writes.
//
// No CUDA here, so the host build runs and tests the bookkeeping the GPU relies on.
#pragma once
#include <cstddef>
#include <deque>
#include <stdexcept>
#include <utility>

namespace ntp {

template <class Fence>
class StagingRing {
 public:
  // Regions start on this boundary (a cache line).
  static constexpr std::size_t kAlign = 64;

  explicit StagingRing(std::size_t capacity, std::size_t max_regions = 4096)
      : capacity_(capacity / kAlign * kAlign), max_regions_(max_regions) {
    if (capacity_ == 0) throw std::invalid_argument("staging ring: capacity below one region");
    if (max_regions_ == 0) throw std::invalid_argument("staging ring: max_regions must be >= 1");
  }

  std::size_t capacity() const { return capacity_; }
  std::size_t in_flight() const { return regions_.size(); }

  // The offset of `bytes` (1..capacity) of the ring, free to overwrite. Regions whose fence is
  // `done` are dropped first (each through `recycle`); if the claim still overlaps a queued one,
  // `wait` is called on the newest such fence and it and every older region are dropped.
  template <class Done, class Wait, class Recycle>
  std::size_t claim(std::size_t bytes, Done&& done, Wait&& wait, Recycle&& recycle) {
    if (bytes == 0 || bytes > capacity_) throw std::invalid_argument("staging ring: a claim must be 1..capacity bytes");
    while (!regions_.empty() && done(regions_.front().fence)) drop_front(recycle);
    while (regions_.size() >= max_regions_) {
      wait(regions_.front().fence);
      drop_front(recycle);
    }
    const std::size_t size = (bytes + kAlign - 1) / kAlign * kAlign;
    std::size_t begin = head_;
    if (begin + size > capacity_) begin = 0;  // the tail too short: wrap (that gap stays unused)
    const std::size_t end = begin + size;
    std::size_t newest = regions_.size();
    for (std::size_t i = 0; i < regions_.size(); ++i)
      if (regions_[i].begin < end && begin < regions_[i].end) newest = i;
    if (newest < regions_.size()) {
      wait(regions_[newest].fence);
      for (std::size_t i = 0; i <= newest; ++i) drop_front(recycle);
    }
    head_ = end;
    pending_ = {begin, end};
    return begin;
  }

  // The copy out of the last claim is queued; `fence` completes when it is done.
  void queued(Fence fence) { regions_.push_back({pending_.first, pending_.second, std::move(fence)}); }

  // Waits for every queued copy and drops its region.
  template <class Wait, class Recycle>
  void drain(Wait&& wait, Recycle&& recycle) {
    if (!regions_.empty()) wait(regions_.back().fence);
    while (!regions_.empty()) drop_front(recycle);
  }

 private:
  struct Region {
    std::size_t begin, end;
    Fence fence;
  };

  template <class Recycle>
  void drop_front(Recycle& recycle) {
    recycle(std::move(regions_.front().fence));
    regions_.pop_front();
  }

  std::size_t capacity_;
  std::size_t max_regions_;
  std::size_t head_ = 0;
  std::pair<std::size_t, std::size_t> pending_{0, 0};
  std::deque<Region> regions_;
};

}  // namespace ntp
