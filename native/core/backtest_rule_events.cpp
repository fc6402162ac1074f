// Rule strategies' decided signals (compute_rule_events): for every (symbol, rule), the sorted
// list of bars where the rule decides a side, shared by all parameter sets of the pair.
//
// Work is split into tasks of one symbol and a block of its rules (one block per symbol when
// there are at least as many symbols as threads). A task walks its symbol's bars in chunks of
// kChunkBars: it advances every indicator series its rules use by one chunk (the streams of
// indicator_streams.h, so the values are those of compute_rule_series bit for bit), then runs
// each rule over the chunk 64 bars at a time (SIMD compares into bitsets) and appends the
// events to the rule's list. The series never leave the cache, and each list has one writer.
#include "no_fp_contract.h"  // the streams must round as in plain_indicators.cpp

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <vector>

#include "backtest_rules.h"
#include "backtest_sources.h"
#include "indicator_streams.h"
#include "thread_pool.h"

namespace ntp {
namespace {

constexpr long kChunkBars = 1024;  // a multiple of 64 (bitset words) and of 4 (EMA blocks)

// Bits k of `pos` / `neg`: fast[k] - slow[k] > 0 / < 0, for count <= 64 bars. The SIMD compares
// give exactly the scalar answers (a subtraction and a compare, NaN false).
void sign_bits(const double* fast, const double* slow, int count, uint64_t& pos, uint64_t& neg) {
  pos = neg = 0;
  int k = 0;
#if defined(__AVX512BW__)
  if (count == 64) {  // a whole word: the eight 8-bar masks are joined in mask registers
    const __m512d zero = _mm512_setzero_pd();
    __mmask16 p16[4], n16[4];
    for (int g = 0; g < 4; ++g) {
      const double *f = fast + 16 * g, *s = slow + 16 * g;
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
    const __m512d d = _mm512_sub_pd(_mm512_loadu_pd(fast + k), _mm512_loadu_pd(slow + k));
    pos |= static_cast<uint64_t>(_mm512_cmp_pd_mask(d, zero, _CMP_GT_OQ)) << k;
    neg |= static_cast<uint64_t>(_mm512_cmp_pd_mask(d, zero, _CMP_LT_OQ)) << k;
  }
#elif defined(__AVX2__)
  const __m256d zero = _mm256_setzero_pd();
  for (; k + 4 <= count; k += 4) {
    const __m256d d = _mm256_sub_pd(_mm256_loadu_pd(fast + k), _mm256_loadu_pd(slow + k));
    pos |= static_cast<uint64_t>(_mm256_movemask_pd(_mm256_cmp_pd(d, zero, _CMP_GT_OQ))) << k;
    neg |= static_cast<uint64_t>(_mm256_movemask_pd(_mm256_cmp_pd(d, zero, _CMP_LT_OQ))) << k;
  }
#endif
  for (; k < count; ++k) {
    const double d = fast[k] - slow[k];
    pos |= static_cast<uint64_t>(d > 0) << k;
    neg |= static_cast<uint64_t>(d < 0) << k;
  }
}

// Keeps only the bits of bars >= warmup in a word starting at bar `base`.
uint64_t from_warmup(long base, long warmup) {
  if (base >= warmup) return ~uint64_t{0};
  const long below = warmup - base;
  return below >= 64 ? 0 : ~uint64_t{0} << below;
}

// A cross's decided sides for the `count` bars from bar `base` as bitsets: +1 where fast - slow
// turns > 0 from <= 0 (a positive bar whose previous bar was not), -1 where it turns < 0 from
// >= 0; the same decisions as bt::CrossSource. fast/slow point at bar `base`; [-1] is read
// when base > 0.
void cross_word(const double* fast, const double* slow, long base, int count, long warmup, uint64_t& up,
                uint64_t& down) {
  uint64_t pos, neg;
  sign_bits(fast, slow, count, pos, neg);
  uint64_t prev_pos = 0, prev_neg = 0;  // the bar before this word
  if (base > 0) {
    const double d = fast[-1] - slow[-1];
    prev_pos = d > 0;
    prev_neg = d < 0;
  }
  const uint64_t keep = from_warmup(base, warmup);  // no decision before the slow average exists
  up = pos & ~((pos << 1) | prev_pos) & keep;
  down = neg & ~((neg << 1) | prev_neg) & keep;
}

// The same for an RSI reversal (bt::RsiSource's decisions); rsi points at bar `base`.
void rsi_word(const double* rsi, long base, int count, const RuleSpec& rule, uint64_t& up, uint64_t& down) {
  up = down = 0;
  const long warmup = rule_warmup(rule);
  for (int k = base < warmup ? static_cast<int>(std::min<long>(warmup - base, count)) : 0; k < count; ++k) {
    const int32_t side = bt::RsiSource::decide(rsi[k - 1], rsi[k], rule.lower, rule.upper);
    up |= static_cast<uint64_t>(side > 0) << k;
    down |= static_cast<uint64_t>(side < 0) << k;
  }
}

void append_events(long base, uint64_t up, uint64_t down, std::vector<int32_t>& out) {
  for (uint64_t bits = up | down; bits != 0; bits &= bits - 1) {
    const int k = __builtin_ctzll(bits);
    out.push_back(bt::encode_event(base + k, ((down >> k) & 1) != 0 ? -1 : 1));
  }
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
      const auto [kind, period] = plan.list[id];
      if (kind == kRuleEmaCross) emas.push_back(id);
      else if (kind == kRuleSmaCross) smas_.push_back({SmaStream(period), row_of_[id]});
      else rsis_.push_back({RsiStream(period), row_of_[id]});
    }
    // EMAs four at a time (their recurrences overlap), the rest one by one.
    std::size_t i = 0;
    for (; i + 4 <= emas.size(); i += 4) {
      F64x4 a;
      for (int l = 0; l < 4; ++l) a[l] = recurrence_coefficient(RecurrenceKind::kEma, plan.list[emas[i + l]].second);
      quads_.push_back({EmaStream<F64x4>(a), {row_of_[emas[i]], row_of_[emas[i + 1]], row_of_[emas[i + 2]], row_of_[emas[i + 3]]}});
    }
    for (; i < emas.size(); ++i)
      emas_.push_back({EmaStream<double>(recurrence_coefficient(RecurrenceKind::kEma, plan.list[emas[i]].second)), row_of_[emas[i]]});
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
    for (auto& e : emas_) e.stream.run(close, ut0, ut1, store(e.row, ut0));
    for (auto& e : smas_) e.stream.run(close, ut0, ut1, store(e.row, ut0));
    for (auto& e : rsis_) e.stream.run(close, ut0, ut1, store(e.row, ut0));
    last_ = static_cast<std::size_t>(t1 - t0);
  }

  // Series `id` at the chunk's first bar ([-1]: the bar before).
  const double* at(int32_t id) const { return values_.data() + static_cast<std::size_t>(row_of_[id]) * kRow + 1; }

 private:
  static constexpr std::size_t kRow = 1 + static_cast<std::size_t>(kChunkBars);
  template <class Stream>
  struct One {
    Stream stream;
    int32_t row;
  };
  struct EmaQuad {
    EmaStream<F64x4> stream;
    int32_t rows[4];
  };
  struct RowStore {  // a stream's output into a row: bar t of the chunk starting at t0
    double* row;
    std::size_t t0;
    void operator()(std::size_t t, double y) const { row[t - t0] = y; }
  };
  RowStore store(int32_t row, std::size_t t0) { return {values_.data() + static_cast<std::size_t>(row) * kRow + 1, t0}; }

  std::vector<int32_t> row_of_;  // series id -> row, -1 when this task does not use it
  std::vector<int32_t> rows_;    // row -> series id
  std::vector<EmaQuad> quads_;
  std::vector<One<EmaStream<double>>> emas_;
  std::vector<One<SmaStream>> smas_;
  std::vector<One<RsiStream>> rsis_;
  std::vector<double> values_;
  std::size_t last_ = 0;  // bars in the chunk just computed
};

// Rules [r0, r1) of one symbol: its events appended to lists[r0 .. r1).
void symbol_events(const BacktestSymbol& symbol, const RuleSeries& plan, const RuleSpec* rules, std::size_t r0,
                   std::size_t r1, std::vector<int32_t>* lists) {
  std::vector<int32_t> ids;
  for (std::size_t r = r0; r < r1; ++r) {
    ids.push_back(plan.first[r]);
    if (plan.second[r] >= 0) ids.push_back(plan.second[r]);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ChunkSeries series(plan, ids);
  const long n = static_cast<long>(symbol.candles.length);
  for (long t0 = 0; t0 < n; t0 += kChunkBars) {
    const long t1 = std::min(n, t0 + kChunkBars);
    series.advance(symbol.candles.close, t0, t1);
    for (std::size_t r = r0; r < r1; ++r) {
      const RuleSpec& rule = rules[r];
      const double* first = series.at(plan.first[r]);
      const double* second = rule.kind == kRuleRsi ? nullptr : series.at(plan.second[r]);
      for (long base = t0; base < t1; base += 64) {
        const int count = static_cast<int>(std::min<long>(64, t1 - base));
        const long k = base - t0;
        uint64_t up, down;
        if (rule.kind == kRuleRsi) rsi_word(first + k, base, count, rule, up, down);
        else cross_word(first + k, second + k, base, count, rule_warmup(rule), up, down);
        append_events(base, up, down, lists[r]);
      }
    }
  }
}

}  // namespace

RuleEvents compute_rule_events(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R) {
  const RuleSeries plan = plan_rule_series(rules, R);
  RuleEvents ev;
  ev.lists.resize(S * R);
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
