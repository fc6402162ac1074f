// Learnable-indicator kernels (core/indicator_layers) and the plain indicator library
// (core/plain_indicators), every typed array borrowed zero-copy.
//
// indicatorForward({kind: 'ma'|'macd'|'rsi'|'bollinger'|'momentum', close: Float32Array [B*T],
//   batch, time, periods: Float32Array [K], out: Float32Array [B*K], device?}) -> 'cpu' | 'cuda'
// indicatorBackward({kind, close, batch, time, periods, gradOut: Float32Array [B*K],
//   gradClose: Float32Array [B*T], gradPeriods: Float32Array [K], device?}) -> 'cpu' | 'cuda'
// plainSeries({kind: 'ema'|'sma'|'rsi'|'wma'|'momentum'|'roc', x: Float64Array [n],
//   periods: Float64Array [P], out: Float64Array [P*n]})          one row per period
// macdSeries({x, periods: Float64Array [3P] (fast, slow, signal), macd, signal, hist: [P*n]})
// bollingerSeries({x, periods: Float64Array [P], k?: number = 2, mid, upper, lower: [P*n]})
// atrSeries({high, low, close: Float64Array [n], periods: Float64Array [P], out: [P*n]})
// stochasticSeries({high, low, close, periods: Float64Array [2P] (period, smooth), k, d: [P*n]})
// Each also exists as `nameAsync` (Promise). Periods that count bars must be integers.
#include <napi.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "../core/indicators/indicator_layers.h"
#include "../core/indicators/plain_indicators.h"
#include "../core/thread_pool.h"
#include "../cuda/cuda_api.h"
#include "args.h"
#include "device_choice.h"
#include "indicator_args.h"
#include "jobs.h"
#include "registry.h"
#include "sizes.h"

namespace {

using namespace ntp::binding;

ntp::IndicatorBatch batch_arg(const Args& a) {
  ntp::IndicatorBatch b;
  b.kind = indicator_kind_arg(a);
  b.batch = static_cast<int32_t>(a.integer("batch", 0, 1 << 30));
  b.time = static_cast<int32_t>(a.integer("time", 1, 1 << 24));
  std::size_t K = 0;
  b.periods = a.array<float>("periods", kAnyLength, &K);
  b.period_count = as_int32(a.field("periods"), K);
  b.close = a.array<float>("close", count_of(a.field("close"), {b.batch, b.time}));
  return b;
}

// Each pool thread's transposed [T] blocks of kLanes doubles (`per_thread` of them).
double lane_rows_bytes(const ntp::IndicatorBatch& b, int per_thread) {
  return static_cast<double>(ntp::thread_count()) * per_thread * b.time * 4 * sizeof(double);
}

Job prepare_forward(const Args& a) {
  Job job;
  const ntp::IndicatorBatch b = batch_arg(a);
  float* out = a.output<float>("out", count_of(a.field("out"), {b.batch, b.period_count}));
  a.need_memory(lane_rows_bytes(b, 1));
  const bool cuda = use_cuda(a);
  job.work = [=] {
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::indicator_forward(b, out);
#endif
    ntp::indicator_forward(b, out);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

Job prepare_backward(const Args& a) {
  Job job;
  const ntp::IndicatorBatch b = batch_arg(a);
  const float* go = a.array<float>("gradOut", count_of(a.field("gradOut"), {b.batch, b.period_count}));
  float* gc = a.output<float>("gradClose", count_of(a.field("gradClose"), {b.batch, b.time}));
  float* gp = a.output<float>("gradPeriods", static_cast<std::size_t>(b.period_count));
  // Per-row period gradients in double, reduced over rows.
  a.need_memory(lane_rows_bytes(b, 3) + 8.0 * b.batch * b.period_count);
  const bool cuda = use_cuda(a);
  job.work = [=] {
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::indicator_backward(b, go, gc, gp);
#endif
    ntp::indicator_backward(b, go, gc, gp);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

// ---- plain indicators: one output row of n values per period, periods in parallel ----

int bar_count(double p, const std::string& field) {
  if (!(p >= 1 && p == std::floor(p) && p <= 1e9))
    throw std::invalid_argument(field + " = " + std::to_string(p) + " must be an integer >= 1");
  return static_cast<int>(p);
}

std::string at(const char* where, std::size_t i) { return std::string(where) + "[" + std::to_string(i) + "]"; }

// Elements of `P` output rows of `n` values.
std::size_t rows_of(const Args& a, const char* key, std::size_t P, std::size_t n) {
  return count_of(a.field(key), {static_cast<int64_t>(P), static_cast<int64_t>(n)});
}

// Runs body(i) for each of `count` periods on the pool (each period is a full pass over x).
template <typename F>
void per_period(std::size_t count, F body) {
  ntp::parallel_for(count, 1, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) body(i);
  });
}

Job prepare_plain(const Args& a) {
  Job job;
  const std::string kind = a.string("kind", "");
  static const char* kKinds[] = {"ema", "sma", "rsi", "wma", "momentum", "roc"};
  int which = -1;
  for (int i = 0; i < 6; ++i) if (kind == kKinds[i]) which = i;
  if (which < 0)
    throw Napi::RangeError::New(a.env(), a.field("kind") + " must be one of ema, sma, rsi, wma, momentum, roc (got \"" + kind + "\")");
  std::size_t n = 0, P = 0;
  const double* x = a.array<double>("x", kAnyLength, &n);
  const double* periods = a.array<double>("periods", kAnyLength, &P);
  double* out = a.output<double>("out", rows_of(a, "out", P, n));
  const std::string where = "options.periods";
  job.work = [=] {
    per_period(P, [&](std::size_t i) {
      const double p = periods[i];
      double* o = out + i * n;
      const std::string f = at(where.c_str(), i);
      switch (which) {
        case 0: if (!(p >= 1)) throw std::invalid_argument(f + " must be >= 1"); ntp::ema_series(x, n, p, o); break;
        case 1: ntp::sma_series(x, n, bar_count(p, f), o); break;
        case 2: if (!(p >= 1)) throw std::invalid_argument(f + " must be >= 1"); ntp::rsi_series(x, n, p, o); break;
        case 3: ntp::wma_series(x, n, bar_count(p, f), o); break;
        case 4: ntp::momentum_series(x, n, bar_count(p, f), o); break;
        default: ntp::roc_series(x, n, bar_count(p, f), o); break;
      }
    });
  };
  return job;
}

Job prepare_macd(const Args& a) {
  Job job;
  std::size_t n = 0, P3 = 0;
  const double* x = a.array<double>("x", kAnyLength, &n);
  const double* periods = a.array<double>("periods", kAnyLength, &P3);
  if (P3 % 3 != 0)
    throw Napi::RangeError::New(a.env(), a.field("periods") + " must hold (fast, slow, signal) triples (length " + std::to_string(P3) + ")");
  const std::size_t P = P3 / 3;
  double* m = a.output<double>("macd", rows_of(a, "macd", P, n));
  double* s = a.output<double>("signal", rows_of(a, "signal", P, n));
  double* h = a.output<double>("hist", rows_of(a, "hist", P, n));
  job.work = [=] {
    per_period(P, [&](std::size_t i) {
      ntp::macd_series(x, n, periods[3 * i], periods[3 * i + 1], periods[3 * i + 2], m + i * n, s + i * n, h + i * n);
    });
  };
  return job;
}

Job prepare_bollinger(const Args& a) {
  Job job;
  std::size_t n = 0, P = 0;
  const double* x = a.array<double>("x", kAnyLength, &n);
  const double* periods = a.array<double>("periods", kAnyLength, &P);
  const double k = a.number("k", 2.0);
  double* mid = a.output<double>("mid", rows_of(a, "mid", P, n));
  double* up = a.output<double>("upper", rows_of(a, "upper", P, n));
  double* lo = a.output<double>("lower", rows_of(a, "lower", P, n));
  const std::string where = "options.periods";
  job.work = [=] {
    per_period(P, [&](std::size_t i) {
      ntp::bollinger_series(x, n, bar_count(periods[i], at(where.c_str(), i)), k, mid + i * n, up + i * n, lo + i * n);
    });
  };
  return job;
}

Job prepare_atr(const Args& a) {
  Job job;
  std::size_t n = 0, P = 0;
  const double* close = a.array<double>("close", kAnyLength, &n);
  const double* high = a.array<double>("high", n);
  const double* low = a.array<double>("low", n);
  const double* periods = a.array<double>("periods", kAnyLength, &P);
  double* out = a.output<double>("out", rows_of(a, "out", P, n));
  job.work = [=] {
    per_period(P, [&](std::size_t i) { ntp::atr_series(high, low, close, n, periods[i], out + i * n); });
  };
  return job;
}

Job prepare_stochastic(const Args& a) {
  Job job;
  std::size_t n = 0, P2 = 0;
  const double* close = a.array<double>("close", kAnyLength, &n);
  const double* high = a.array<double>("high", n);
  const double* low = a.array<double>("low", n);
  const double* periods = a.array<double>("periods", kAnyLength, &P2);
  if (P2 % 2 != 0)
    throw Napi::RangeError::New(a.env(), a.field("periods") + " must hold (period, smooth) pairs (length " + std::to_string(P2) + ")");
  const std::size_t P = P2 / 2;
  double* k = a.output<double>("k", rows_of(a, "k", P, n));
  double* d = a.output<double>("d", rows_of(a, "d", P, n));
  const std::string where = "options.periods";
  job.work = [=] {
    per_period(P, [&](std::size_t i) {
      ntp::stochastic_series(high, low, close, n, bar_count(periods[2 * i], at(where.c_str(), 2 * i)),
                             bar_count(periods[2 * i + 1], at(where.c_str(), 2 * i + 1)), k + i * n, d + i * n);
    });
  };
  return job;
}

}  // namespace

NTP_BINDING(indicators) {
  export_job(env, exports, "indicatorForward", prepare_forward);
  export_job(env, exports, "indicatorBackward", prepare_backward);
  export_job(env, exports, "plainSeries", prepare_plain);
  export_job(env, exports, "macdSeries", prepare_macd);
  export_job(env, exports, "bollingerSeries", prepare_bollinger);
  export_job(env, exports, "atrSeries", prepare_atr);
  export_job(env, exports, "stochasticSeries", prepare_stochastic);
}
