// Rule strategies on the CPU: rule checks (the table's parameter ranges), the plan of indicator
// series (each key once), and every (symbol, rule, params) path through run_path on its pair's
// precomputed events (backtest_rule_events.cpp).
#include "../no_fp_contract.h"  // round as the TypeScript reference (see backtest.cpp)

#include "backtest_rules.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>

#include "backtest_path.h"
#include "backtest_series.h"
#include "backtest_sources.h"
#include "backtest_trace.h"
#include "../thread_pool.h"

namespace ntp {

namespace {

std::string number(double v) {
  std::ostringstream o;
  o << std::setprecision(15) << v;
  return o.str();
}

// The table's kinds for messages: "0 (ema_cross), 1 (sma_cross), ...".
std::string kind_list() {
  std::string out;
  for (int32_t k = 0; k < RuleStrategies::kCount; ++k)
    visit_strategy(k, [&](auto s) { out += (k > 0 ? ", " : "") + std::to_string(k) + " (" + decltype(s)::kName + ")"; });
  return out;
}

}  // namespace

void check_rules(const RuleSpec* rules, std::size_t R) {
  if (R == 0) throw std::invalid_argument("rules must hold at least one rule (the grid is empty)");
  for (std::size_t i = 0; i < R; ++i) {
    const RuleSpec& r = rules[i];
    const std::string at = "rules[" + std::to_string(i) + "]";
    if (r.kind < 0 || r.kind >= RuleStrategies::kCount)
      throw std::invalid_argument(at + ".kind = " + std::to_string(r.kind) + " must be one of " + kind_list());
    visit_strategy(r.kind, [&](auto s) {
      using S = decltype(s);
      for (std::size_t j = 0; j < S::kParams.size(); ++j) {
        const ParamSpec& q = S::kParams[j];
        const double v = r.params[j];
        if (!(v >= q.min && v <= q.max) || (q.integer && v != std::floor(v)))
          throw std::invalid_argument(at + "." + q.name + " = " + number(v) + " must be " + (q.integer ? "an integer" : "a number") +
                                      " in [" + number(q.min) + ", " + number(q.max) + "] (" + S::kName + ")");
      }
      for (const ParamOrder& o : S::kOrder) {
        if (!(r.params[o.below] < r.params[o.above]))
          throw std::invalid_argument(at + ": " + S::kParams[o.below].name + " = " + number(r.params[o.below]) + " must be < " +
                                      S::kParams[o.above].name + " = " + number(r.params[o.above]) + " (" + S::kName + ")");
      }
    });
  }
}

long rule_warmup(const RuleSpec& r) {
  long w = 1;
  visit_strategy(r.kind, [&](auto s) { w = std::max(w, decltype(s)::warmup(r.params)); });
  return w;
}

RuleSeries plan_rule_series(const RuleSpec* rules, std::size_t R) {
  check_rules(rules, R);
  std::map<SeriesKey, int32_t> ids;  // distinct keys
  RuleSeries rs;
  rs.ids.resize(R);
  rs.warmup.resize(R);
  for (std::size_t i = 0; i < R; ++i) {
    rs.ids[i].fill(-1);
    rs.warmup[i] = rule_warmup(rules[i]);
    visit_strategy(rules[i].kind, [&](auto s) {
      using S = decltype(s);
      SeriesKey keys[kMaxRuleSeries];
      S::series(rules[i].params, keys);
      for (int k = 0; k < S::kSeries; ++k) {
        auto [it, inserted] = ids.emplace(keys[k], static_cast<int32_t>(rs.list.size()));
        if (inserted) rs.list.push_back(keys[k]);
        rs.ids[i][k] = it->second;
      }
    });
  }
  rs.unique = rs.list.size();
  return rs;
}

std::vector<int32_t> series_read(const RuleSeries& plan, std::size_t lo, std::size_t hi) {
  std::vector<int32_t> ids;
  for (std::size_t r = lo; r < hi; ++r)
    for (const int32_t id : plan.ids[r])
      if (id >= 0) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

namespace {

// Runs path (s, r, p) on the pair's precomputed decided signals.
template <class Sink>
void run_rule_path(const BacktestSymbol& sym, const std::vector<int32_t>& events, const bt::PathParams& params,
                   double* metrics, Sink& sink, int8_t* signals) {
  const Candles& c = sym.candles;
  const long n = static_cast<long>(c.length);
  const bt::EventListSource src{events.data(), events.data() + events.size()};
  bt::run_path(bt::Bars{c.open, c.high, c.low, c.close, n}, src, params, sym.bars_per_year, metrics, sink);
  if (signals) {
    std::fill(signals, signals + n, int8_t{0});
    for (const int32_t e : events) signals[bt::event_bar(e)] = static_cast<int8_t>(bt::event_side(e));
  }
}

}  // namespace

void backtest_rules(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R,
                    const bt::PathParams* params, std::size_t P, double* metrics, const TraceRequest* trace,
                    InputCheck input_check) {
  if (input_check == InputCheck::kRun) {
    check_backtest_common(symbols, S, params, P);
    check_trace(trace, S * R * P, symbols, S);
  }
  const RuleEvents ev = compute_rule_events(symbols, S, rules, R);
  const auto split = [R, P](std::size_t path) { return std::make_tuple(path / (R * P), path / P, path % P); };
  if (metrics) {
    parallel_for(S * R * P, 4, [&](std::size_t begin, std::size_t end) {
      for (std::size_t path = begin; path < end; ++path) {
        const auto [s, pair, p] = split(path);
        bt::NoTrace none;
        run_rule_path(symbols[s], ev.lists[pair], params[p], metrics + path * bt::kMetricCount, none, nullptr);
      }
    }, kPathChunksPerThread);
  }
  if (trace && trace->count > 0) {
    parallel_for(trace->count, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const auto [s, pair, p] = split(static_cast<std::size_t>(trace->paths[i]));
        bt::TraceSink sink{trace->trades + i * trace->stride * bt::kTradeFields, trace->stride, 0,
                           trace->equity ? trace->equity + i * trace->stride : nullptr};
        double m[bt::kMetricCount];
        run_rule_path(symbols[s], ev.lists[pair], params[p], m, sink, trace->signals ? trace->signals + i * trace->stride : nullptr);
        trace->trade_counts[i] = sink.count;
      }
    });
  }
}

}  // namespace ntp
