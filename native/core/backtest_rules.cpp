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

#include "backtest_path.h"
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
  // Jobs: EMAs in groups (ema_series_many overlaps their recurrences), other series one each.
  constexpr std::size_t kEmaGroup = 4;
  std::vector<std::vector<std::size_t>> jobs;
  std::vector<std::size_t> emas;
  for (std::size_t u = 0; u < plan.unique; ++u) {
    if (plan.list[u].first == kRuleEmaCross) emas.push_back(u);
    else jobs.push_back({u});
  }
  for (std::size_t i = 0; i < emas.size(); i += kEmaGroup)
    jobs.emplace_back(emas.begin() + static_cast<long>(i), emas.begin() + static_cast<long>(std::min(emas.size(), i + kEmaGroup)));
  parallel_for(jobs.size(), 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t j = begin; j < end; ++j) {
      const std::vector<std::size_t>& ids = jobs[j];
      const auto [ind, period] = plan.list[ids[0]];
      if (ind == kRuleEmaCross) {
        double periods[kEmaGroup];
        double* outs[kEmaGroup];
        for (std::size_t k = 0; k < ids.size(); ++k) {
          periods[k] = plan.list[ids[k]].second;
          outs[k] = out + ids[k] * n;
        }
        ema_series_many(x, n, periods, ids.size(), outs);
      } else if (ind == kRuleSmaCross) {
        sma_series(x, n, period, out + ids[0] * n);
      } else {
        rsi_series(x, n, period, out + ids[0] * n);
      }
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
#if defined(__AVX512BW__)
  if (count == 64) {  // a whole word: the eight 8-bar masks are joined in mask registers
    const __m512d zero = _mm512_setzero_pd();
    __mmask16 p16[4], n16[4];
    for (int g = 0; g < 4; ++g) {
      const double *f = fast + base + 16 * g, *s = slow + base + 16 * g;
      const __m512d d0 = _mm512_sub_pd(_mm512_loadu_pd(f), _mm512_loadu_pd(s));
      const __m512d d1 = _mm512_sub_pd(_mm512_loadu_pd(f + 8), _mm512_loadu_pd(s + 8));
      p16[g] = _mm512_kunpackb(_mm512_cmp_pd_mask(d1, zero, _CMP_GT_OQ), _mm512_cmp_pd_mask(d0, zero, _CMP_GT_OQ));
      n16[g] = _mm512_kunpackb(_mm512_cmp_pd_mask(d1, zero, _CMP_LT_OQ), _mm512_cmp_pd_mask(d0, zero, _CMP_LT_OQ));
    }
    pos = _cvtmask64_u64(_mm512_kunpackd(_mm512_kunpackw(p16[3], p16[2]), _mm512_kunpackw(p16[1], p16[0])));
    neg = _cvtmask64_u64(_mm512_kunpackd(_mm512_kunpackw(n16[3], n16[2]), _mm512_kunpackw(n16[1], n16[0])));
    return;
  }
#endif
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

// Word w (bars 64w .. 64w+63) of a cross's decided sides as bitsets: +1 where fast - slow
// turns > 0 from <= 0 (a positive bar whose previous bar was not), -1 where it turns < 0 from
// >= 0; the same decisions as bt::CrossSource. Words are independent, so any range can be built.
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

// Writes the events of word w (bitsets up/down) in bar order at `out` (room for one more than
// the word holds); returns the end. Most words hold no event or one, in no predictable order,
// so the first is written unconditionally and only a second one takes a branch.
int32_t* write_events(long w, uint64_t up, uint64_t down, int32_t* out) {
  uint64_t bits = up | down;
  int k = __builtin_ctzll(bits | (uint64_t{1} << 63));
  *out = bt::encode_event((w << 6) + k, ((down >> k) & 1) != 0 ? -1 : 1);
  out += bits != 0;
  for (bits &= bits - 1; bits != 0; bits &= bits - 1) {
    k = __builtin_ctzll(bits);
    *out++ = bt::encode_event((w << 6) + k, ((down >> k) & 1) != 0 ? -1 : 1);
  }
  return out;
}

}  // namespace

RuleEvents compute_rule_events(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R) {
  RuleEvents ev;
  ev.lists.resize(S * R);
  // One symbol at a time, through buffers reused for the next: its series, then every rule's
  // decided sides as bitsets, built in parallel over ranges of bars. Each range walks its bars
  // in chunks of 1024 and runs every rule on a chunk while the chunk's slice of each series
  // is in cache (a series slice is shared by many rules). Then each rule's bitsets become its
  // event list (in parallel over rules: one writer per list).
  RuleSeries rs = plan_rule_series(rules, R);
  std::size_t longest = 0;
  for (std::size_t s = 0; s < S; ++s) longest = std::max(longest, symbols[s].candles.length);
  rs.symbol_offset.assign(1, 0);
  rs.data.resize(rs.unique * longest);
  const std::size_t max_words = (longest + 63) / 64;
  std::vector<uint64_t> up(R * max_words), down(R * max_words);
  constexpr std::size_t kChunkWords = 16;
  for (std::size_t s = 0; s < S; ++s) {
    fill_rule_series(symbols[s], rs, rs.data.data());
    const long n = static_cast<long>(symbols[s].candles.length);
    const std::size_t words = static_cast<std::size_t>((n + 63) >> 6);
    const std::size_t chunks = (words + kChunkWords - 1) / kChunkWords;
    parallel_for(chunks, 1, [&](std::size_t c0, std::size_t c1) {
      for (std::size_t c = c0; c < c1; ++c) {
        const std::size_t w0 = c * kChunkWords, w1 = std::min(words, w0 + kChunkWords);
        for (std::size_t r = 0; r < R; ++r) {
          const RuleSpec& rule = rules[r];
          const double* first = rs.series(0, rs.first[r], static_cast<std::size_t>(n));
          for (std::size_t w = w0; w < w1; ++w) {
            uint64_t& u = up[r * max_words + w];
            uint64_t& d = down[r * max_words + w];
            if (rule.kind == kRuleRsi) {
              source_word(bt::RsiSource{first, rule_warmup(rule), rule.lower, rule.upper}, n, static_cast<long>(w), u, d);
            } else {
              cross_word(first, rs.series(0, rs.second[r], static_cast<std::size_t>(n)), n, rule_warmup(rule),
                         static_cast<long>(w), u, d);
            }
          }
        }
      }
    });
    parallel_for(R, 1, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r) {
        std::vector<int32_t>& out = ev.lists[s * R + r];
        std::size_t count = 0;
        for (std::size_t w = 0; w < words; ++w)
          count += static_cast<std::size_t>(__builtin_popcountll(up[r * max_words + w] | down[r * max_words + w]));
        out.resize(count + 1);  // + 1: write_events may write one slot past the last event
        int32_t* at = out.data();
        for (std::size_t w = 0; w < words; ++w)
          at = write_events(static_cast<long>(w), up[r * max_words + w], down[r * max_words + w], at);
        out.resize(count);
      }
    });
  }
  return ev;
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
