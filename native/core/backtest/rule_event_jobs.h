// A rule sweep's event lists as independent jobs, the way the CUDA sweep computes them on the
// device (cuda/sweep_events.cu): a job per (symbol, indicator series) computes that series whole
// (fill_series), then a job per (symbol, rule) scans its bars a word at a time (scan_rule), once
// to count its events and once more to write them at their offset. Each job is one GPU thread;
// the tests run the same jobs on the host and compare them with the CPU engine's lists
// (rule_events_of), which they equal bit for bit: the series are the same streams and the words
// the same decisions, only computed whole instead of a chunk at a time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "backtest_rules.h"
#include "backtest_series.h"
#include "rule_words.h"
#include "sweep_run.h"
#include "../hd.h"

namespace ntp {

// One symbol of a job group as its jobs read it (host or device memory).
struct JobSymbol {
  const double* close;
  long n;
};

struct SeriesJob {
  uint32_t symbol;  // in the group
  SeriesKey key;
  uint64_t out;     // its first value in the group's series scratch (doubles)
};

struct RuleJob {
  uint32_t symbol;  // in the group
  int32_t kind;
  long warmup;
  uint64_t series[kMaxRuleSeries];  // the series it reads, in the scratch
  double params[kMaxRuleParams];
};

NTP_HD void run_series_job(const SeriesJob& j, const JobSymbol* symbols, double* scratch) {
  const JobSymbol& s = symbols[j.symbol];
  fill_series(j.key, s.close, static_cast<std::size_t>(s.n), scratch + j.out);
}

// Calls put(event) for each event of the rule job, in bar order.
template <class Put>
NTP_HD void rule_job_events(const RuleJob& j, const JobSymbol* symbols, const double* scratch, Put&& put) {
  const double* series[kMaxRuleSeries];
  for (int i = 0; i < kMaxRuleSeries; ++i) series[i] = scratch + j.series[i];
  scan_rule(j.kind, series, j.params, symbols[j.symbol].n, j.warmup,
            [&](long base, uint64_t up, uint64_t down) { word_events(base, up, down, put); });
}

NTP_HD uint64_t count_rule_job(const RuleJob& j, const JobSymbol* symbols, const double* scratch) {
  uint64_t count = 0;
  rule_job_events(j, symbols, scratch, [&](int32_t) { ++count; });
  return count;
}

NTP_HD void write_rule_job(const RuleJob& j, const JobSymbol* symbols, const double* scratch, int32_t* out) {
  rule_job_events(j, symbols, scratch, [&](int32_t e) { *out++ = e; });
}

// The jobs of a group of symbols: each symbol's series, then its rules in order (symbol k's
// rule jobs are [first_rule_job[k], first_rule_job[k + 1]), for rules rule_lo[k] on).
struct EventJobs {
  std::vector<uint32_t> symbols;  // the sweep's indices
  std::vector<uint32_t> rule_lo;
  std::vector<std::size_t> first_rule_job;  // one per symbol, and the end
  std::vector<SeriesJob> series;
  std::vector<RuleJob> rules;
  uint64_t scratch = 0;  // doubles: every series of the group, each n of its symbol long
};

// The jobs of `symbols`, each for its rules ranges[symbol] (plan_rule_ranges), in groups whose
// scratch holds at most max_scratch doubles (a symbol that needs more alone is a group of its
// own). `series` is plan_rule_series of all the sweep's rules.
std::vector<EventJobs> plan_event_jobs(const SweepInputs& in, const RuleSeries& series, const std::vector<uint32_t>& symbols,
                                       const std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint64_t max_scratch);

// Symbol k's list offsets (SymbolEvents::offsets) from the counts of the group's rule jobs.
std::vector<uint64_t> event_offsets(const EventJobs& jobs, std::size_t k, const uint64_t* counts);

}  // namespace ntp
