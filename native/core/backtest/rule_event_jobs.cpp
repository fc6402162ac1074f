// Planning of the event jobs (rule_event_jobs.h): which series each symbol's rules read, where
// each series goes in the group's scratch, and the groups that keep the scratch bounded.
#include "../no_fp_contract.h"  // the series streams round as everywhere else (indicator_streams.h)

#include "rule_event_jobs.h"

#include <algorithm>
#include <stdexcept>

namespace ntp {

std::vector<EventJobs> plan_event_jobs(const SweepInputs& in, const RuleSeries& series, const std::vector<uint32_t>& symbols,
                                       const std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint64_t max_scratch) {
  if (!in.rules || series.ids.size() != in.R) throw std::invalid_argument("plan_event_jobs: a rule sweep's series plan is needed");
  std::vector<EventJobs> groups;
  std::vector<uint64_t> at(series.unique);  // series id -> its offset in the current symbol's part
  for (const uint32_t s : symbols) {
    const auto [lo, hi] = ranges[s];
    const std::vector<int32_t> ids = series_read(series, lo, hi);
    const uint64_t n = in.symbols[s].candles.length, need = ids.size() * n;
    if (groups.empty() || groups.back().scratch + need > max_scratch) {
      groups.emplace_back();
      groups.back().first_rule_job.push_back(0);
    }
    EventJobs& g = groups.back();
    const auto k = static_cast<uint32_t>(g.symbols.size());
    g.symbols.push_back(s);
    g.rule_lo.push_back(lo);
    for (const int32_t id : ids) {
      at[id] = g.scratch;
      g.series.push_back({k, series.list[id], g.scratch});
      g.scratch += n;
    }
    for (uint32_t r = lo; r < hi; ++r) {
      RuleJob j{k, in.rules[r].kind, series.warmup[r], {}, {}};
      for (int i = 0; i < kMaxRuleSeries; ++i)
        if (series.ids[r][i] >= 0) j.series[i] = at[series.ids[r][i]];
      std::copy(in.rules[r].params, in.rules[r].params + kMaxRuleParams, j.params);
      g.rules.push_back(j);
    }
    g.first_rule_job.push_back(g.rules.size());
  }
  return groups;
}

std::vector<uint64_t> event_offsets(const EventJobs& jobs, std::size_t k, const uint64_t* counts) {
  std::vector<uint64_t> offsets;
  offsets.reserve(jobs.first_rule_job[k + 1] - jobs.first_rule_job[k] + 1);
  offsets.push_back(0);
  for (std::size_t j = jobs.first_rule_job[k]; j < jobs.first_rule_job[k + 1]; ++j) offsets.push_back(offsets.back() + counts[j]);
  return offsets;
}

}  // namespace ntp
