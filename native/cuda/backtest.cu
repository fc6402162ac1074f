// CUDA twin of core/backtest.cpp and core/backtest_rules.cpp: one thread per path running
// the same run_path (backtest_path.h). Consecutive threads are parameter sets of one symbol,
// so a warp reads the same bars together (the candles are shared across parameter sets).
// Rule indicators are computed once on the host (compute_rule_series) and uploaded; each rule
// decides through its strategy's entry in the table (core/backtest_strategies.h).
#include <vector>

#include "../core/backtest/backtest_path.h"
#include "../core/backtest/backtest_rules.h"
#include "../core/backtest/backtest_sources.h"
#include "cuda_api.h"
#include "device_buffer.cuh"

namespace ntp::cuda {
namespace {

struct DevSymbol {
  const double *open, *high, *low, *close;
  const int8_t* side;
  const double *stop, *t0, *t1, *t2, *size;
  const double* series;  // rule mode: this symbol's U indicator series, each n long
  long n;
  double bars_per_year;
};

struct DevRule {
  RuleSpec spec;
  int32_t ids[kMaxRuleSeries];  // its series in the symbol's list (RuleSeries::ids)
  long warmup;
};

__device__ bt::Bars bars_of(const DevSymbol& s) { return bt::Bars{s.open, s.high, s.low, s.close, s.n}; }

__global__ void signals_kernel(const DevSymbol* syms, std::size_t S, const bt::PathParams* params, std::size_t P,
                               double* metrics) {
  const std::size_t path = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (path >= S * P) return;
  const DevSymbol sy = syms[path / P];
  const bt::SignalSource src{sy.side, sy.stop, sy.t0, sy.t1, sy.t2, sy.size};
  bt::NoTrace none;
  bt::run_path(bars_of(sy), src, params[path % P], sy.bars_per_year, metrics + path * bt::kMetricCount, none);
}

__global__ void rules_kernel(const DevSymbol* syms, std::size_t S, const DevRule* rules, std::size_t R,
                             const bt::PathParams* params, std::size_t P, double* metrics) {
  const std::size_t path = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (path >= S * R * P) return;
  const DevSymbol sy = syms[path / (R * P)];
  const DevRule rule = rules[(path / P) % R];
  const bt::PathParams& pp = params[path % P];
  double* m = metrics + path * bt::kMetricCount;
  bt::NoTrace none;
  // The rule's strategy from the table: its RuleSource reads the rule's series (the same
  // decisions as the CPU engine's event lists).
  visit_strategy(rule.spec.kind, [&](auto strategy) {
    using Strategy = decltype(strategy);
    bt::RuleSource<Strategy> src{};
    for (int i = 0; i < Strategy::kSeries; ++i) src.series[i] = sy.series + static_cast<std::size_t>(rule.ids[i]) * sy.n;
    for (int i = 0; i < kMaxRuleParams; ++i) src.params[i] = rule.spec.params[i];
    src.warmup = rule.warmup;
    bt::run_path(bars_of(sy), src, pp, sy.bars_per_year, m, none);
  });
}

// All symbols' columns concatenated on the device; pointers into them per symbol.
struct Uploaded {
  DeviceBuffer<double> ohlc;
  DeviceBuffer<int8_t> side;
  DeviceBuffer<double> levels;
  DeviceBuffer<double> series;
  std::vector<DevSymbol> syms;
  Uploaded(const BacktestSymbol* symbols, std::size_t S, const SignalColumns* signals, const RuleSeries* rs)
      : ohlc(4 * total(symbols, S)), side(signals ? total(symbols, S) : 0),
        levels(signals ? 5 * total(symbols, S) : 0), series(rs ? rs->data.size() : 0), syms(S) {
    const std::size_t N = total(symbols, S);
    std::size_t off = 0;
    for (std::size_t s = 0; s < S; ++s) {
      const Candles& c = symbols[s].candles;
      const std::size_t n = c.length;
      DevSymbol& d = syms[s];
      d = DevSymbol{};
      const double* cols[4] = {c.open, c.high, c.low, c.close};
      const double** dst[4] = {&d.open, &d.high, &d.low, &d.close};
      for (int k = 0; k < 4; ++k) {
        double* at = ohlc.get() + k * N + off;
        check(cudaMemcpy(at, cols[k], n * sizeof(double), cudaMemcpyHostToDevice), "upload candles");
        *dst[k] = at;
      }
      if (signals) {
        const SignalColumns& g = signals[s];
        check(cudaMemcpy(side.get() + off, g.side, n, cudaMemcpyHostToDevice), "upload side");
        d.side = side.get() + off;
        const double* lv[5] = {g.stop, g.target[0], g.target[1], g.target[2], g.size};
        const double** ldst[5] = {&d.stop, &d.t0, &d.t1, &d.t2, &d.size};
        for (int k = 0; k < 5; ++k) {
          double* at = levels.get() + k * N + off;
          check(cudaMemcpy(at, lv[k], n * sizeof(double), cudaMemcpyHostToDevice), "upload signals");
          *ldst[k] = at;
        }
      }
      if (rs) d.series = series.get() + rs->symbol_offset[s];
      d.n = static_cast<long>(n);
      d.bars_per_year = symbols[s].bars_per_year;
      off += n;
    }
    if (rs) series.upload(rs->data.data());
  }
  static std::size_t total(const BacktestSymbol* symbols, std::size_t S) {
    std::size_t n = 0;
    for (std::size_t s = 0; s < S; ++s) n += symbols[s].candles.length;
    return n;
  }
};

// Few registers-heavy threads per block keep occupancy reasonable for this long loop.
constexpr unsigned kThreads = 128;

}  // namespace

void backtest_signals(const BacktestSymbol* symbols, const SignalColumns* signals, std::size_t S,
                      const bt::PathParams* params, std::size_t P, double* metrics, InputCheck input_check) {
  if (input_check == InputCheck::kRun) {
    check_backtest_common(symbols, S, params, P);
    check_signal_columns(signals, symbols, S);
  }
  Uploaded up(symbols, S, signals, nullptr);
  DeviceBuffer<DevSymbol> d_syms(up.syms.data(), S);
  DeviceBuffer<bt::PathParams> d_params(params, P);
  DeviceBuffer<double> d_metrics(S * P * bt::kMetricCount);
  signals_kernel<<<blocks_for(S * P, kThreads), kThreads>>>(d_syms.get(), S, d_params.get(), P, d_metrics.get());
  check(cudaGetLastError(), "backtest signals_kernel launch");
  check(cudaDeviceSynchronize(), "backtest signals_kernel");
  d_metrics.download(metrics);
}

void backtest_rules(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R,
                    const bt::PathParams* params, std::size_t P, double* metrics, InputCheck input_check) {
  if (input_check == InputCheck::kRun) check_backtest_common(symbols, S, params, P);
  const RuleSeries rs = compute_rule_series(symbols, S, rules, R);
  std::vector<DevRule> dr(R);
  for (std::size_t r = 0; r < R; ++r) {
    dr[r].spec = rules[r];
    for (int i = 0; i < kMaxRuleSeries; ++i) dr[r].ids[i] = rs.ids[r][i];
    dr[r].warmup = rs.warmup[r];
  }
  Uploaded up(symbols, S, nullptr, &rs);
  DeviceBuffer<DevSymbol> d_syms(up.syms.data(), S);
  DeviceBuffer<DevRule> d_rules(dr.data(), R);
  DeviceBuffer<bt::PathParams> d_params(params, P);
  DeviceBuffer<double> d_metrics(S * R * P * bt::kMetricCount);
  rules_kernel<<<blocks_for(S * R * P, kThreads), kThreads>>>(d_syms.get(), S, d_rules.get(), R, d_params.get(), P,
                                                              d_metrics.get());
  check(cudaGetLastError(), "backtest rules_kernel launch");
  check(cudaDeviceSynchronize(), "backtest rules_kernel");
  d_metrics.download(metrics);
}

}  // namespace ntp::cuda
