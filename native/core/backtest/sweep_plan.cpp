// plan_sweep: walks the window in path order, filling each launch with the largest units that
// fit (whole rules of a symbol while they do, then part of one rule's risk sets), and derives
// each device's uploads and releases from the symbols its launches use.
#include "sweep_plan.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace ntp::sweep {
namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("sweep plan: " + what); }

void check(const Shape& shape, const Limits& limits, uint64_t begin, uint64_t end) {
  constexpr std::size_t kMax32 = std::numeric_limits<uint32_t>::max();
  if (shape.bars.empty() || shape.rules == 0 || shape.params == 0)
    bad("the grid is empty (" + std::to_string(shape.bars.size()) + " symbols x " + std::to_string(shape.rules) +
        " rules x " + std::to_string(shape.params) + " risk sets)");
  if (shape.bars.size() > kMax32 || shape.rules > kMax32 || shape.params > kMax32)
    bad("symbols, rules and risk sets must each be at most " + std::to_string(kMax32));
  if (shape.bars.size() * shape.rules > std::numeric_limits<uint64_t>::max() / shape.params)
    bad("the number of paths overflows 64 bits");
  if (!(begin < end && end <= shape.paths()))
    bad("window [" + std::to_string(begin) + ", " + std::to_string(end) + ") must be non-empty and within the " +
        std::to_string(shape.paths()) + " paths");
  if (limits.lane_group == 0 || limits.devices == 0) bad("lane_group and devices must be >= 1");
  if (limits.launch_slots < limits.lane_group)
    bad("launch_slots = " + std::to_string(limits.launch_slots) + " must be >= lane_group = " + std::to_string(limits.lane_group));
}

// Uploads before a device's first launch using a symbol; releases after its last.
void assign_symbols(Plan& plan) {
  const std::size_t D = plan.limits.devices, S = plan.shape.bars.size();
  std::vector<std::vector<uint32_t>> used(plan.launches.size());
  for (std::size_t i = 0; i < plan.launches.size(); ++i) {
    const Launch& l = plan.launches[i];
    for (std::size_t u = l.unit_begin; u < l.unit_end; ++u)
      if (used[i].empty() || used[i].back() != plan.units[u].symbol) used[i].push_back(plan.units[u].symbol);
  }
  // Launches are in path order, so a device's launches use each symbol in one unbroken run.
  std::vector<char> seen(D * S, 0);
  for (std::size_t i = 0; i < plan.launches.size(); ++i)
    for (const uint32_t s : used[i])
      if (char& was = seen[plan.launches[i].device * S + s]; !was) {
        was = 1;
        plan.launches[i].upload.push_back(s);
      }
  std::fill(seen.begin(), seen.end(), 0);
  for (std::size_t i = plan.launches.size(); i-- > 0;)
    for (const uint32_t s : used[i])
      if (char& was = seen[plan.launches[i].device * S + s]; !was) {
        was = 1;
        plan.launches[i].release.push_back(s);
      }
}

}  // namespace

std::size_t cuda_launch_slots(uint64_t window_paths, std::size_t devices) {
  const uint64_t launches = kCudaRing * static_cast<uint64_t>(devices > 0 ? devices : 1);
  const uint64_t each = (window_paths + launches - 1) / launches;
  const uint64_t warps = (each + kWarp - 1) / kWarp * kWarp;
  return static_cast<std::size_t>(std::min<uint64_t>(kCudaMaxLaunch, std::max<uint64_t>(kCudaMinLaunch, warps)));
}

Plan plan_sweep(const Shape& shape, const Limits& limits, uint64_t begin, uint64_t end) {
  check(shape, limits, begin, end);
  Plan plan;
  plan.shape = shape;
  plan.limits = limits;
  // Padding a rule's risk sets to whole lane groups pays only where it idles few slots; else a
  // group may hold the end of one rule and the start of the next.
  const uint64_t padded = (shape.params + limits.lane_group - 1) / limits.lane_group * limits.lane_group;
  if (padded * 8 > shape.params * 9) plan.limits.lane_group = 1;
  plan.path_begin = begin;
  plan.path_end = end;
  const uint64_t R = shape.rules, P = shape.params, G = plan.limits.lane_group, L = limits.launch_slots;
  const auto row = [G](uint64_t count) { return (count + G - 1) / G * G; };  // slots of one rule's risk sets
  uint64_t cur = begin;
  while (cur < end) {
    Launch l{};
    l.device = static_cast<uint32_t>(plan.launches.size() % limits.devices);
    l.path_begin = cur;
    l.unit_begin = plan.units.size();
    uint64_t slots = 0;
    while (cur < end) {
      const uint64_t cap = L - slots;
      const uint64_t s = cur / (R * P), r = cur / P % R, p = cur % P;
      Unit u{static_cast<uint32_t>(s), static_cast<uint32_t>(r), 1, static_cast<uint32_t>(p), 0, cur, slots};
      const uint64_t whole = p == 0 ? std::min({R - r, (end - cur) / P, cap / row(P)}) : 0;
      if (whole > 0) {  // whole rules with every risk set
        u.rule_count = static_cast<uint32_t>(whole);
        u.param_count = static_cast<uint32_t>(P);
        cur += whole * P;
        slots += whole * row(P);
      } else {  // part of one rule's risk sets
        const uint64_t m = std::min({P - p, end - cur, cap / G * G});
        if (m == 0) break;  // the launch is full
        u.param_count = static_cast<uint32_t>(m);
        cur += m;
        slots += row(m);
      }
      l.bar_combos += static_cast<double>(shape.bars[s]) * u.rule_count * u.param_count;
      plan.units.push_back(u);
    }
    l.path_end = cur;
    l.unit_end = plan.units.size();
    l.slots = slots;
    plan.launches.push_back(std::move(l));
  }
  assign_symbols(plan);
  return plan;
}

}  // namespace ntp::sweep
