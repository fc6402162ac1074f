// Rule strategies on the CPU: indicator series once per (symbol, indicator, period), then
// every (symbol, rule, params) path through run_path with a CrossSource or RsiSource.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")  // same rounding as the TypeScript reference (see backtest.cpp)
#endif

#include "backtest_rules.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "backtest_sources.h"
#include "backtest_trace.h"
#include "plain_indicators.h"
#include "thread_pool.h"

namespace ntp {

void check_rules(const RuleSpec* rules, std::size_t R) {
  if (R == 0) throw std::invalid_argument("rules must hold at least one rule (the grid is empty)");
  constexpr int32_t kMaxPeriod = 1 << 20;
  for (std::size_t i = 0; i < R; ++i) {
    const RuleSpec& r = rules[i];
    const std::string at = "rules[" + std::to_string(i) + "]";
    if (r.kind < 0 || r.kind >= kRuleKindCount)
      throw std::invalid_argument(at + ".kind = " + std::to_string(r.kind) + " must be 0 (emaCross), 1 (smaCross) or 2 (rsi)");
    if (r.fast < 1 || r.fast > kMaxPeriod)
      throw std::invalid_argument(at + (r.kind == kRuleRsi ? ".period" : ".fast") + " = " + std::to_string(r.fast) +
                                  " must be an integer in [1, " + std::to_string(kMaxPeriod) + "]");
    if (r.kind != kRuleRsi && (r.slow <= r.fast || r.slow > kMaxPeriod))
      throw std::invalid_argument(at + ".slow = " + std::to_string(r.slow) + " must be an integer in (fast = " +
                                  std::to_string(r.fast) + ", " + std::to_string(kMaxPeriod) + "]");
    if (r.kind == kRuleRsi && !(r.lower >= 0 && r.lower < r.upper && r.upper <= 100))
      throw std::invalid_argument(at + ".lower/upper = " + std::to_string(r.lower) + "/" + std::to_string(r.upper) +
                                  " must satisfy 0 <= lower < upper <= 100");
  }
}

RuleSeries plan_rule_series(const RuleSpec* rules, std::size_t R) {
  check_rules(rules, R);
  // Distinct (indicator, period) pairs; indicator: 0 EMA, 1 SMA, 2 RSI (= the rule kind).
  std::map<std::pair<int32_t, int32_t>, int32_t> ids;
  RuleSeries rs;
  const auto id_of = [&](int32_t ind, int32_t period) {
    auto [it, inserted] = ids.emplace(std::make_pair(ind, period), static_cast<int32_t>(rs.list.size()));
    if (inserted) rs.list.emplace_back(ind, period);
    return it->second;
  };
  rs.first.resize(R);
  rs.second.resize(R);
  for (std::size_t i = 0; i < R; ++i) {
    rs.first[i] = id_of(rules[i].kind, rules[i].fast);
    rs.second[i] = rules[i].kind == kRuleRsi ? -1 : id_of(rules[i].kind, rules[i].slow);
  }
  rs.unique = rs.list.size();
  return rs;
}

void fill_rule_series(const BacktestSymbol& symbol, const RuleSeries& plan, double* out) {
  const std::size_t n = symbol.candles.length;
  const double* x = symbol.candles.close;
  parallel_for(plan.unique, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t u = begin; u < end; ++u) {
      const auto [ind, period] = plan.list[u];
      double* y = out + u * n;
      if (ind == kRuleEmaCross) ema_series(x, n, period, y);
      else if (ind == kRuleSmaCross) sma_series(x, n, period, y);
      else rsi_series(x, n, period, y);
    }
  });
}

RuleSeries compute_rule_series(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R) {
  RuleSeries rs = plan_rule_series(rules, R);
  rs.symbol_offset.resize(S);
  std::size_t total = 0;
  for (std::size_t s = 0; s < S; ++s) {
    rs.symbol_offset[s] = total;
    total += rs.unique * symbols[s].candles.length;
  }
  rs.data.resize(total);
  for (std::size_t s = 0; s < S; ++s) fill_rule_series(symbols[s], rs, rs.data.data() + rs.symbol_offset[s]);
  return rs;
}

namespace {

// Bits k of `pos` / `neg`: fast - slow > 0 / < 0 at bar base + k, for count <= 64 bars. The
// SIMD compares give exactly the scalar answers (a subtraction and a compare, NaN false).
void sign_bits(const double* fast, const double* slow, long base, int count, uint64_t& pos, uint64_t& neg) {
  pos = neg = 0;
  int k = 0;
#if defined(__AVX512F__)
  const __m512d zero = _mm512_setzero_pd();
  for (; k + 8 <= count; k += 8) {
    const __m512d d = _mm512_sub_pd(_mm512_loadu_pd(fast + base + k), _mm512_loadu_pd(slow + base + k));
    pos |= static_cast<uint64_t>(_mm512_cmp_pd_mask(d, zero, _CMP_GT_OQ)) << k;
    neg |= static_cast<uint64_t>(_mm512_cmp_pd_mask(d, zero, _CMP_LT_OQ)) << k;
  }
#elif defined(__AVX2__)
  const __m256d zero = _mm256_setzero_pd();
  for (; k + 4 <= count; k += 4) {
    const __m256d d = _mm256_sub_pd(_mm256_loadu_pd(fast + base + k), _mm256_loadu_pd(slow + base + k));
    pos |= static_cast<uint64_t>(_mm256_movemask_pd(_mm256_cmp_pd(d, zero, _CMP_GT_OQ))) << k;
    neg |= static_cast<uint64_t>(_mm256_movemask_pd(_mm256_cmp_pd(d, zero, _CMP_LT_OQ))) << k;
  }
#endif
  for (; k < count; ++k) {
    const double d = fast[base + k] - slow[base + k];
    pos |= static_cast<uint64_t>(d > 0) << k;
    neg |= static_cast<uint64_t>(d < 0) << k;
  }
}

// Word w (bars 64w .. 64w+63) of a cross's event bitsets: +1 where fast - slow turns > 0
// from <= 0 (a positive bar whose previous bar was not), -1 where it turns < 0 from >= 0;
// the same decisions as bt::CrossSource. Words are independent, so any range can be built.
void cross_word(const double* fast, const double* slow, long n, long warmup, long w, uint64_t& up, uint64_t& down) {
  const long base = w << 6;
  const int count = static_cast<int>(n - base < 64 ? n - base : 64);
  uint64_t pos, neg;
  sign_bits(fast, slow, base, count, pos, neg);
  uint64_t prev_pos = 0, prev_neg = 0;  // the bar before this word
  if (base > 0) {
    const double d = fast[base - 1] - slow[base - 1];
    prev_pos = d > 0;
    prev_neg = d < 0;
  }
  up = pos & ~((pos << 1) | prev_pos);
  down = neg & ~((neg << 1) | prev_neg);
  if (base < warmup) {  // no decision before the warm-up (the slow average is not yet defined)
    const long below = warmup - base;
    const uint64_t keep = below >= 64 ? 0 : ~uint64_t{0} << below;
    up &= keep;
    down &= keep;
  }
}

template <class Src>
void source_word(const Src& src, long n, long w, uint64_t& up, uint64_t& down) {
  up = down = 0;
  for (long t = w << 6, end = (w + 1) << 6 < n ? (w + 1) << 6 : n; t < end; ++t) {
    const int32_t side = src.side(t);
    up |= static_cast<uint64_t>(side > 0) << (t & 63);
    down |= static_cast<uint64_t>(side < 0) << (t & 63);
  }
}

}  // namespace

RuleEvents compute_rule_events(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R) {
  RuleEvents ev;
  ev.offset.resize(S * R);
  std::size_t total = 0;
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t r = 0; r < R; ++r) {
      ev.offset[s * R + r] = total;
      total += (symbols[s].candles.length + 63) / 64;
    }
  ev.up.assign(total, 0);
  ev.down.assign(total, 0);
  // One symbol at a time, so its series stay in cache; words in chunks of 1024 bars, each
  // chunk running every rule over the same few kilobytes of every series.
  RuleSeries rs = plan_rule_series(rules, R);
  std::size_t longest = 0;
  for (std::size_t s = 0; s < S; ++s) longest = std::max(longest, symbols[s].candles.length);
  rs.symbol_offset.assign(1, 0);
  rs.data.resize(rs.unique * longest);  // one symbol's series at a time, the buffer reused
  for (std::size_t s = 0; s < S; ++s) {
    fill_rule_series(symbols[s], rs, rs.data.data());
    const long n = static_cast<long>(symbols[s].candles.length);
    const long words = (n + 63) >> 6;
    parallel_for(static_cast<std::size_t>(words), 16, [&](std::size_t w0, std::size_t w1) {
      for (std::size_t r = 0; r < R; ++r) {
        const RuleSpec& rule = rules[r];
        const std::size_t at = ev.offset[s * R + r];
        const double* first = rs.series(0, rs.first[r], static_cast<std::size_t>(n));
        for (std::size_t w = w0; w < w1; ++w) {
          if (rule.kind == kRuleRsi) {
            source_word(bt::RsiSource{first, rule_warmup(rule), rule.lower, rule.upper}, n, static_cast<long>(w),
                        ev.up[at + w], ev.down[at + w]);
          } else {
            cross_word(first, rs.series(0, rs.second[r], static_cast<std::size_t>(n)), n, rule_warmup(rule),
                       static_cast<long>(w), ev.up[at + w], ev.down[at + w]);
          }
        }
      }
    });
  }
  return ev;
}

namespace {

// Runs path (s, r, p) on the pair's precomputed decided sides.
template <class Sink>
void run_rule_path(const BacktestSymbol& sym, const RuleEvents& ev, std::size_t pair, const bt::PathParams& params,
                   double* metrics, Sink& sink, int8_t* signals) {
  const Candles& c = sym.candles;
  const long n = static_cast<long>(c.length);
  const bt::MaskSource src{ev.up.data() + ev.offset[pair], ev.down.data() + ev.offset[pair]};
  bt::run_path(bt::Bars{c.open, c.high, c.low, c.close, n}, src, params, sym.bars_per_year, metrics, sink);
  if (signals)
    for (long t = 0; t < n; ++t) signals[t] = static_cast<int8_t>(src.side(t));
}

}  // namespace

void backtest_rules(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R,
                    const bt::PathParams* params, std::size_t P, double* metrics, const TraceRequest* trace) {
  check_backtest_common(symbols, S, params, P);
  check_trace(trace, S * R * P, symbols, S);
  const RuleEvents ev = compute_rule_events(symbols, S, rules, R);
  const auto split = [R, P](std::size_t path) { return std::make_tuple(path / (R * P), path / P, path % P); };
  if (metrics) {
    parallel_for(S * R * P, 4, [&](std::size_t begin, std::size_t end) {
      for (std::size_t path = begin; path < end; ++path) {
        const auto [s, pair, p] = split(path);
        bt::NoTrace none;
        run_rule_path(symbols[s], ev, pair, params[p], metrics + path * bt::kMetricCount, none, nullptr);
      }
    });
  }
  if (trace && trace->count > 0) {
    parallel_for(trace->count, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const auto [s, pair, p] = split(static_cast<std::size_t>(trace->paths[i]));
        bt::TraceSink sink{trace->trades + i * trace->stride * bt::kTradeFields, trace->stride, 0,
                           trace->equity ? trace->equity + i * trace->stride : nullptr};
        double m[bt::kMetricCount];
        run_rule_path(symbols[s], ev, pair, params[p], m, sink, trace->signals ? trace->signals + i * trace->stride : nullptr);
        trace->trade_counts[i] = sink.count;
      }
    });
  }
}

}  // namespace ntp
