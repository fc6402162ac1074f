// The launch plan of a sweep (S symbols x R rules x P risk sets, paths numbered
// (s * R + r) * P + p): a window of paths cut into launches of at most `launch_slots` threads,
// each launch packing units (one symbol, a block of rules, a block of risk sets), with the
// symbols each device must upload before a launch and may free after it. Plain C++ shared by
// the CPU engine (sweep_run.cpp) and the CUDA one (cuda/sweep.cu), so the host tests check the
// very plan the GPU runs. A unit's slots are laid out rule by rule, each rule's risk sets
// padded to a multiple of `lane_group` (a warp on CUDA) where that idles at most 1/8 of the
// slots: one group of slots then never mixes two (symbol, rule) pairs, so its threads read the
// same signals (otherwise the plan's lane_group is 1 and a group may span two rules).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../hd.h"

namespace ntp::sweep {

struct Shape {
  std::vector<std::size_t> bars;  // bars of each symbol (S = bars.size())
  std::size_t rules = 1;          // R (1 for signal arrays)
  std::size_t params = 1;         // P
  std::size_t paths() const { return bars.size() * rules * params; }
};

struct Limits {
  std::size_t launch_slots = std::size_t{1} << 18;  // threads per launch, padding included
  std::size_t lane_group = 1;  // risk sets of one (symbol, rule) padded to groups of this many slots (where worth it)
  std::size_t devices = 1;     // launches go round-robin to this many devices
};

// Symbol `symbol`, rules [rule_begin, rule_begin + rule_count) x risk sets [param_begin,
// param_begin + param_count): contiguous paths (a unit with several rules has every risk set).
struct Unit {
  uint32_t symbol;
  uint32_t rule_begin, rule_count;
  uint32_t param_begin, param_count;
  uint64_t path_begin;  // path of (symbol, rule_begin, param_begin)
  uint64_t slot_begin;  // first slot in its launch
};

struct Launch {
  uint32_t device;
  uint64_t path_begin, path_end;  // its paths, contiguous
  std::size_t unit_begin, unit_end;  // its units in Plan::units
  uint64_t slots;                 // threads it launches (>= paths: padding)
  double bar_combos;              // bars x paths
  std::vector<uint32_t> upload;   // symbols its device has not used yet in this plan
  std::vector<uint32_t> release;  // symbols its device does not use after it
};

struct Plan {
  Shape shape;
  Limits limits;  // as asked, but lane_group 1 where padding would idle more than 1/8 of the slots
  uint64_t path_begin = 0, path_end = 0;  // the window planned
  std::vector<Unit> units;
  std::vector<Launch> launches;  // in path order
};

// CUDA launches (threads, padding included): up to kCudaMaxLaunch (1e5-1e6 paths fill a GPU,
// SPEC §9), but small enough that a window gives each of its GPUs a launch in every stage of
// its ring (kCudaRing: one uploading, one running, one downloading), down to kCudaMinLaunch,
// about one full wave of an H100 (132 SMs x 16 resident warps of these kernels); whole warps.
inline constexpr std::size_t kCudaMaxLaunch = std::size_t{1} << 18, kCudaMinLaunch = std::size_t{1} << 16;
inline constexpr std::size_t kCudaRing = 3, kWarp = 32;
std::size_t cuda_launch_slots(uint64_t window_paths, std::size_t devices);

// Plans paths [begin, end) of `shape`. Throws std::invalid_argument naming the bad value (empty
// shape, a window outside it, launch_slots < lane_group, a zero limit, counts beyond uint32).
Plan plan_sweep(const Shape& shape, const Limits& limits, uint64_t begin, uint64_t end);

// Where a launch's slot goes: the path (or none, for padding) and its coordinates.
struct SlotTarget {
  bool used;
  uint64_t path;
  uint32_t symbol, rule, param;
};

// The slot's unit by binary search over the launch's units (sorted by slot_begin), then its
// rule row and lane; `params` is the grid's P.
NTP_HD SlotTarget locate_slot(const Unit* units, std::size_t unit_count, uint64_t slot, uint64_t params,
                              uint64_t lane_group) {
  std::size_t lo = 0, hi = unit_count;  // the last unit with slot_begin <= slot
  while (hi - lo > 1) {
    const std::size_t mid = (lo + hi) / 2;
    if (units[mid].slot_begin <= slot) lo = mid;
    else hi = mid;
  }
  const Unit& u = units[lo];
  const uint64_t row = (u.param_count + lane_group - 1) / lane_group * lane_group;  // slots per rule
  const uint64_t local = slot - u.slot_begin, rule = local / row, lane = local % row;
  SlotTarget t{false, 0, u.symbol, 0, 0};
  if (rule >= u.rule_count || lane >= u.param_count) return t;
  t.used = true;
  t.path = u.path_begin + rule * params + lane;
  t.rule = u.rule_begin + static_cast<uint32_t>(rule);
  t.param = u.param_begin + static_cast<uint32_t>(lane);
  return t;
}

}  // namespace ntp::sweep
