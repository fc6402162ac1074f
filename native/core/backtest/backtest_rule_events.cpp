// Rule strategies' decided signals (compute_rule_events): for every (symbol, rule), the sorted
// list of bars where the rule decides a side, shared by all parameter sets of the pair.
//
// Work is split into tasks of one symbol and a block of its rules (one block per symbol when
// there are at least as many symbols as threads). A task walks its symbol's bars in chunks of
// kChunkBars: it advances every indicator series its rules use by one chunk (the streams of
// backtest_series.h, so the values are those of fill_series bit for bit), then runs
// each rule's conditions (backtest_strategies.h) over the chunk 64 bars at a time (SIMD
// compares into bitsets, decided as rule_words.h says) and appends the events to the rule's
// list. The series never leave the cache, and each list has one writer.
#include "../no_fp_contract.h"  // the streams must round as in plain_indicators.cpp

#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backtest_rules.h"
#include "backtest_series.h"
#include "rule_words.h"
#include "../thread_pool.h"

namespace ntp {
namespace {

constexpr long kChunkBars = 1024;  // a multiple of kWordBars and of 4 (EMA blocks)

// SIMD lanes for the conditions: a strategy's `up`/`down` on a vector of consecutive bars gives a
// lane mask, turned into bits here. Plain doubles where the CPU has no AVX.
#if defined(__AVX512F__)
typedef double RuleLanes __attribute__((vector_size(64)));
constexpr int kLanes = 8;
template <class Mask>
uint64_t lane_bits(Mask m) {
  return _mm512_test_epi64_mask((__m512i)m, (__m512i)m);
}
#elif defined(__AVX__)
typedef double RuleLanes __attribute__((vector_size(32)));
constexpr int kLanes = 4;
template <class Mask>
uint64_t lane_bits(Mask m) {
  return static_cast<uint64_t>(_mm256_movemask_pd((__m256d)m));
}
#endif

// Bits k of `up` / `down`: the strategy's conditions at bar k of `count` <= 64 bars, reading
// series i at at[i][k]. The vector lanes give exactly the scalar answers (the same operations
// on each lane, ordered compares: NaN false).
template <class S>
void condition_bits(const double* const* at, const double* p, int count, uint64_t& up, uint64_t& down) {
  up = down = 0;
  int k = 0;
#if defined(__AVX512F__) || defined(__AVX__)
  for (; k + kLanes <= count; k += kLanes) {
    RuleLanes v[S::kSeries];
    for (int i = 0; i < S::kSeries; ++i) std::memcpy(&v[i], at[i] + k, sizeof(RuleLanes));
    up |= lane_bits(S::up(v, p)) << k;
    down |= lane_bits(S::down(v, p)) << k;
  }
#endif
  condition_word<S>(at, p, k, count, up, down);
}

// A rule's decided sides for the `count` bars from bar `base` as bitsets (rule_words.h). at[i]
// points at bar `base` of series i; at[i][-1] is read when base > 0.
template <class S>
void rule_word(const double* const* at, const double* p, long base, int count, long warmup, uint64_t& up,
               uint64_t& down) {
  uint64_t u, d;
  condition_bits<S>(at, p, count, u, d);
  decide_word<S>(at, p, base, warmup, u, d, up, down);
}

// The indicator series one task needs, a chunk of bars at a time. Each series has a row of
// 1 + kChunkBars values: the bar before the chunk, then the chunk's bars.
class ChunkSeries {
 public:
  ChunkSeries(const RuleSeries& plan, const std::vector<int32_t>& ids) : row_of_(plan.unique, -1) {
    std::vector<int32_t> emas;
    for (const int32_t id : ids) {
      row_of_[id] = static_cast<int32_t>(rows_.size());
      rows_.push_back(id);
      if (plan.list[id].kind == SeriesKind::kEma) emas.push_back(id);
      else streams_.push_back({SeriesStream(plan.list[id]), row_of_[id]});
    }
    // EMAs four at a time (their recurrences overlap), the rest one by one.
    std::size_t i = 0;
    for (; i + 4 <= emas.size(); i += 4) {
      F64x4 a;
      for (int l = 0; l < 4; ++l) a[l] = recurrence_coefficient(RecurrenceKind::kEma, plan.list[emas[i + l]].a);
      quads_.push_back({EmaStream<F64x4>(a), {row_of_[emas[i]], row_of_[emas[i + 1]], row_of_[emas[i + 2]], row_of_[emas[i + 3]]}});
    }
    for (; i < emas.size(); ++i) streams_.push_back({SeriesStream(plan.list[emas[i]]), row_of_[emas[i]]});
    values_.assign(rows_.size() * kRow, 0.0);
  }

  // Computes bars [t0, t1) (the next chunk) of every series.
  void advance(const double* close, long t0, long t1) {
    for (std::size_t r = 0; r < rows_.size() && t0 > 0; ++r) values_[r * kRow] = values_[r * kRow + last_];
    const auto ut0 = static_cast<std::size_t>(t0), ut1 = static_cast<std::size_t>(t1);
    for (EmaQuad& q : quads_)
      q.stream.run(close, ut0, ut1, [&](std::size_t t, const F64x4& y) {
        for (int l = 0; l < 4; ++l) values_[q.rows[l] * kRow + 1 + (t - ut0)] = y[l];
      });
    for (auto& e : streams_) {
      double* row = values_.data() + static_cast<std::size_t>(e.row) * kRow + 1;
      e.stream.run(close, ut0, ut1, [row, ut0](std::size_t t, double y) { row[t - ut0] = y; });
    }
    last_ = static_cast<std::size_t>(t1 - t0);
  }

  // Series `id` at the chunk's first bar ([-1]: the bar before).
  const double* at(int32_t id) const { return values_.data() + static_cast<std::size_t>(row_of_[id]) * kRow + 1; }

 private:
  static constexpr std::size_t kRow = 1 + static_cast<std::size_t>(kChunkBars);
  struct One {
    SeriesStream stream;
    int32_t row;
  };
  struct EmaQuad {
    EmaStream<F64x4> stream;
    int32_t rows[4];
  };

  std::vector<int32_t> row_of_;  // series id -> row, -1 when this task does not use it
  std::vector<int32_t> rows_;    // row -> series id
  std::vector<EmaQuad> quads_;
  std::vector<One> streams_;
  std::vector<double> values_;
  std::size_t last_ = 0;  // bars in the chunk just computed
};

// Rules [r0, r1) of one symbol: its events appended to lists[r0 .. r1).
void symbol_events(const BacktestSymbol& symbol, const RuleSeries& plan, const RuleSpec* rules, std::size_t r0,
                   std::size_t r1, std::vector<int32_t>* lists) {
  ChunkSeries series(plan, series_read(plan, r0, r1));
  const long n = static_cast<long>(symbol.candles.length);
  for (long t0 = 0; t0 < n; t0 += kChunkBars) {
    const long t1 = std::min(n, t0 + kChunkBars);
    series.advance(symbol.candles.close, t0, t1);
    for (std::size_t r = r0; r < r1; ++r) {
      visit_strategy(rules[r].kind, [&](auto s) {
        using S = decltype(s);
        const double* at[kMaxRuleSeries];
        for (int i = 0; i < S::kSeries; ++i) at[i] = series.at(plan.ids[r][i]);
        for (long base = t0; base < t1; base += kWordBars) {
          const int count = static_cast<int>(std::min<long>(kWordBars, t1 - base));
          const double* word[kMaxRuleSeries];
          for (int i = 0; i < S::kSeries; ++i) word[i] = at[i] + (base - t0);
          uint64_t up, down;
          rule_word<S>(word, rules[r].params, base, count, plan.warmup[r], up, down);
          word_events(base, up, down, [&](int32_t e) { lists[r].push_back(e); });
        }
      });
    }
  }
}

}  // namespace

RuleEvents compute_rule_events(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R) {
  const RuleSeries plan = plan_rule_series(rules, R);
  RuleEvents ev;
  ev.lists.resize(S * R);
  if (S == 0) return ev;  // (no rules: plan_rule_series refused them)
  // Enough tasks to keep every thread busy; rules are split only when symbols are too few
  // (each block computes the series it uses itself).
  const std::size_t blocks = std::min(R, std::max<std::size_t>(1, (thread_count() + S - 1) / S));
  const std::size_t per_block = (R + blocks - 1) / blocks;
  parallel_for(S * blocks, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t task = begin; task < end; ++task) {
      const std::size_t s = task / blocks, r0 = (task % blocks) * per_block, r1 = std::min(R, r0 + per_block);
      if (r0 < r1) symbol_events(symbols[s], plan, rules, r0, r1, ev.lists.data() + s * R);
    }
  }, S * blocks);
  return ev;
}

}  // namespace ntp
