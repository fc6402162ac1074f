// libFuzzer harness over the addon's size checks (binding/sizes.h, binding/mat_mul_plan.h) and
// the core entry points behind them, built with ASan/UBSan by scripts/fuzz/native.sh. Each input
// picks an entry point and its sizes (small, random, or the edge values of the reproductions:
// 65536, 2^24, 2^31 - 1, ...) and computes the element counts the binding checks the typed
// arrays against. Where those counts pass, it allocates buffers of exactly those lengths and
// runs the kernel: any read or write outside them is an ASan report. Inputs the checks refuse
// must throw (SizeError, std::invalid_argument, DataError), never crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

#include "../binding/mat_mul_plan.h"
#include "../binding/sizes.h"
#include "../core/nn/attention.h"
#include "../core/nn/composite_loss.h"
#include "../core/backtest/backtest.h"
#include "../core/nn/elementwise.h"
#include "../core/nn/gemm.h"
#include "../core/indicators/indicator_layers.h"
#include "../core/nn/layer_norm.h"
#include "../core/nn/lstm.h"
#include "../core/nn/optimizer.h"
#include "../core/indicators/plain_indicators.h"
#include "../core/backtest/sweep_plan.h"
#include "../core/backtest/sweep_run.h"
#include "../core/data/windowing.h"

namespace {

using ntp::binding::count_of;
using ntp::binding::SizeError;

// Buffers larger than this are not allocated (the checks still run): keeps execs fast.
constexpr std::size_t kMaxRunElements = std::size_t{1} << 14;
constexpr double kMaxScratchBytes = 64.0 * (1 << 20);
constexpr double kMaxRunFlops = 1 << 22;

// An exactly sized buffer (ASan flags any access past `n`); a zero count is sometimes null, as
// an empty typed array's data can be.
template <typename T>
struct Buffer {
  std::unique_ptr<T[]> data;
  std::size_t n;
  Buffer(FuzzedDataProvider& in, std::size_t count, T lo, T hi) : data(new T[count]), n(count) {
    for (std::size_t i = 0; i < n; ++i) data[i] = i < 64 ? in.ConsumeFloatingPointInRange<double>(lo, hi) : lo + (hi - lo) * ((i * 7919) % 101) / 101.0;
  }
  T* ptr(bool null_when_empty) const { return n == 0 && null_when_empty ? nullptr : data.get(); }
};

template <>
Buffer<int32_t>::Buffer(FuzzedDataProvider& in, std::size_t count, int32_t lo, int32_t hi) : data(new int32_t[count]), n(count) {
  for (std::size_t i = 0; i < n; ++i) data[i] = in.ConsumeIntegralInRange<int32_t>(lo, hi);
}
template <>
Buffer<int8_t>::Buffer(FuzzedDataProvider& in, std::size_t count, int8_t lo, int8_t hi) : data(new int8_t[count]), n(count) {
  for (std::size_t i = 0; i < n; ++i) data[i] = in.ConsumeIntegralInRange<int8_t>(lo, hi);
}

// A dimension in [lo, hi]: mostly small, sometimes an edge value of the reproductions.
int64_t dim(FuzzedDataProvider& in, int64_t lo, int64_t hi) {
  static const int64_t edges[] = {0, 1, 2, 3, 7, 64, 65536, 1 << 20, 1 << 24, (int64_t{1} << 31) - 1,
                                  int64_t{1} << 32, int64_t{1} << 40, -1, INT32_MIN};
  int64_t v;
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: v = edges[in.ConsumeIntegralInRange<std::size_t>(0, sizeof(edges) / sizeof(edges[0]) - 1)]; break;
    case 1: v = in.ConsumeIntegralInRange<int64_t>(lo, hi); break;
    default: v = in.ConsumeIntegralInRange<int64_t>(0, 9); break;
  }
  return std::min(hi, std::max(lo, v));
}

bool small(std::initializer_list<std::size_t> counts) {
  for (std::size_t c : counts)
    if (c > kMaxRunElements) return false;
  return true;
}

[[noreturn]] void invariant(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

void fuzz_mat_mul(FuzzedDataProvider& in) {
  auto shape = [&](int min_rank) {
    std::vector<int64_t> s(static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(min_rank, 5)));
    for (auto& d : s) d = dim(in, INT32_MIN, INT32_MAX);  // Int32Array values
    return s;
  };
  const auto as = shape(0), bs = shape(0);
  const bool ta = in.ConsumeBool(), tb = in.ConsumeBool(), with_bias = in.ConsumeBool();
  const auto bias_shape = shape(0);
  ntp::binding::MatMulPlan p;
  try {
    p = ntp::binding::plan_mat_mul(as, bs, ta, tb, with_bias ? &bias_shape : nullptr);
  } catch (const std::invalid_argument&) {
    return;
  } catch (const SizeError&) {
    return;
  }
  ntp::GemmArgs g = p.gemm;
  // The counts the binding checks must cover what the kernel touches.
  const ntp::GemmExtents e = ntp::gemm_extents(g);
  if (static_cast<uint64_t>(e.a) > p.a || static_cast<uint64_t>(e.b) > p.b || static_cast<uint64_t>(e.c) > p.out)
    invariant("matMul counts below the GEMM's extents");
  if (!small({p.a, p.b, p.out, p.bias}) || ntp::gemm_scratch_bytes(g) > kMaxScratchBytes ||
      static_cast<double>(p.out) * static_cast<double>(g.K) > kMaxRunFlops)
    return;
  const bool nulls = in.ConsumeBool();
  Buffer<float> a(in, p.a, -2, 2), b(in, p.b, -2, 2), c(in, p.out, 0, 0), bias(in, p.bias, -1, 1);
  g.a = a.ptr(nulls);
  g.b = b.ptr(nulls);
  g.c = c.ptr(nulls);
  if (with_bias) g.bias = bias.ptr(false);
  g.activation = static_cast<ntp::Activation>(in.ConsumeIntegralInRange<int>(0, 5));
  try {
    ntp::gemm(g);
  } catch (const std::invalid_argument&) {
  }
}

ntp::AttentionShape attention_shape(FuzzedDataProvider& in) {
  ntp::AttentionShape s;
  s.batch = dim(in, 1, 1 << 24);
  s.steps = dim(in, 1, 1 << 24);
  s.heads = dim(in, 1, 1 << 24);
  s.key_dim = dim(in, 1, 1 << 24);
  s.dropout = in.ConsumeBool() ? 0.0f : in.ConsumeFloatingPointInRange<float>(0.0f, 0.99f);
  s.seed = in.ConsumeIntegral<uint32_t>();
  return s;
}

void fuzz_attention(FuzzedDataProvider& in) {
  const ntp::AttentionShape s = attention_shape(in);
  const bool backward = in.ConsumeBool(), keep = in.ConsumeBool();
  std::size_t qkv, ctx, probs = 0;
  try {
    qkv = count_of("qkv", {s.batch, s.steps, 3, s.heads, s.key_dim});
    ctx = count_of("out", {s.batch, s.steps, s.heads, s.key_dim});
    if (backward || keep) probs = count_of("probs", {s.batch, s.heads, s.steps, s.steps});
  } catch (const SizeError&) {
    return;
  }
  const double scratch = backward ? ntp::attention_backward_scratch_bytes(s) : ntp::attention_forward_scratch_bytes(s, keep);
  if (!small({qkv, ctx, probs}) || scratch > kMaxScratchBytes ||
      static_cast<double>(s.batch * s.heads) * static_cast<double>(s.steps * s.steps) * static_cast<double>(s.key_dim) > kMaxRunFlops)
    return;
  Buffer<float> x(in, qkv, -2, 2), o(in, ctx, 0, 0), w(in, probs, 0, 0);
  ntp::attention_forward(s, x.ptr(false), backward || keep ? w.ptr(false) : nullptr, o.ptr(false));
  if (!backward) return;
  Buffer<float> dout(in, ctx, -1, 1), dqkv(in, qkv, 0, 0);
  ntp::attention_backward(s, x.ptr(false), w.ptr(false), dout.ptr(false), dqkv.ptr(false));
}

void fuzz_layer_norm(FuzzedDataProvider& in) {
  const int64_t rows = dim(in, 0, int64_t{1} << 40), d = dim(in, 1, 1 << 24);
  std::size_t n;
  try {
    n = count_of("x", {rows, d});
  } catch (const SizeError&) {
    return;
  }
  if (!small({n, static_cast<std::size_t>(d), static_cast<std::size_t>(rows)})) return;
  const std::size_t r = static_cast<std::size_t>(rows), dd = static_cast<std::size_t>(d);
  ntp::LayerNormResidual res;
  res.dropout = in.ConsumeBool() ? 0.0f : in.ConsumeFloatingPointInRange<float>(0.0f, 0.9f);
  res.seed = in.ConsumeIntegral<uint32_t>();
  Buffer<float> x(in, n, -3, 3), gamma(in, dd, -1, 1), beta(in, dd, -1, 1), y(in, n, 0, 0), mean(in, r, 0, 0),
      rstd(in, r, 0, 0), residual(in, n, -1, 1), sum(in, n, 0, 0);
  const bool with_res = in.ConsumeBool(), keep = in.ConsumeBool();
  if (with_res) res.residual = residual.ptr(false);
  try {
    ntp::layer_norm_forward(rows, d, 1e-5f, x.ptr(true), gamma.ptr(true), beta.ptr(true), y.ptr(true),
                            keep ? mean.ptr(true) : nullptr, keep ? rstd.ptr(true) : nullptr, res,
                            with_res && keep ? sum.ptr(false) : nullptr);
    if (!keep) return;
    Buffer<float> dy(in, n, -1, 1), dx(in, n, 0, 0), dg(in, dd, 0, 0), db(in, dd, 0, 0), dres(in, n, 0, 0);
    ntp::layer_norm_backward(rows, d, x.ptr(true), gamma.ptr(true), mean.ptr(true), rstd.ptr(true), dy.ptr(true),
                             dx.ptr(true), dg.ptr(true), db.ptr(true), res, with_res ? dres.ptr(false) : nullptr);
  } catch (const std::invalid_argument&) {
  }
}

// Settings anywhere near their domain (check_composite_loss refuses the rest) and batch sizes up
// to the binding's 2^40.
void fuzz_composite_loss(FuzzedDataProvider& in) {
  ntp::CompositeLoss s;
  s.batch = dim(in, 0, int64_t{1} << 40);
  s.horizons = static_cast<int32_t>(dim(in, 0, ntp::kMaxLossHorizons + 1));
  for (float& w : s.weight) w = in.ConsumeFloatingPointInRange<float>(-0.5f, 2.0f);
  for (int32_t h = 0; h < ntp::kMaxLossHorizons; ++h) {
    s.horizon_weight[h] = in.ConsumeFloatingPointInRange<float>(-0.5f, 2.0f);
    s.alpha[h] = in.ConsumeFloatingPointInRange<float>(-0.5f, 1.5f);
  }
  s.price_delta = in.ConsumeFloatingPointInRange<float>(-1.0f, 3.0f);
  s.trend_delta = in.ConsumeFloatingPointInRange<float>(-1.0f, 3.0f);
  s.gamma = in.ConsumeFloatingPointInRange<float>(-1.0f, 4.0f);
  s.tau = in.ConsumeFloatingPointInRange<float>(-0.5f, 1.0f);
  s.trend_local = in.ConsumeBool();
  s.trend_global = in.ConsumeBool();
  s.trend_agreement = in.ConsumeBool();
  std::size_t heads, targets;
  try {
    heads = count_of("heads", {s.batch, 3 * int64_t{s.horizons}});
    targets = count_of("y", {s.batch, int64_t{s.horizons}});
  } catch (const SizeError&) {
    return;
  }
  if (!small({heads})) return;
  Buffer<float> x(in, heads, -3, 3), y(in, targets, -2, 2), d(in, targets, 0, 1), total(in, 1, 0, 0), terms(in, ntp::kLossTerms, 0, 0),
      grad(in, heads, 0, 0);
  ntp::composite_loss(s, x.ptr(true), y.ptr(true), d.ptr(true), total.ptr(false), terms.ptr(false), grad.ptr(true));
}

void fuzz_lstm(FuzzedDataProvider& in) {
  ntp::LstmShape s;
  s.batch = dim(in, 1, 1 << 24);
  s.steps = dim(in, 1, 1 << 24);
  s.features = dim(in, 1, 1 << 24);
  s.units = dim(in, 1, 1 << 24);
  s.reverse = in.ConsumeBool();
  std::size_t x, k, r, b, seq, gates;
  try {
    x = count_of("x", {s.batch, s.steps, s.features});
    k = count_of("kernel", {s.features, 4, s.units});
    r = count_of("recurrentKernel", {s.units, 4, s.units});
    b = count_of("bias", {4, s.units});
    seq = count_of("h", {s.batch, s.steps, s.units});
    gates = count_of("gates", {s.batch, s.steps, 4, s.units});
  } catch (const SizeError&) {
    return;
  }
  if (!small({x, k, r, b, seq, gates}) || ntp::lstm_scratch_bytes(s, ntp::LstmPass::kBackward) > kMaxScratchBytes ||
      static_cast<double>(gates) * static_cast<double>(s.features + s.units) > kMaxRunFlops)
    return;
  Buffer<float> xb(in, x, -1, 1), kb(in, k, -0.5, 0.5), rb(in, r, -0.5, 0.5), bb(in, b, -0.1, 0.1);
  const ntp::LstmWeights w{kb.ptr(false), rb.ptr(false), bb.ptr(false)};
  const int pass = in.ConsumeIntegralInRange<int>(0, 2);
  if (pass == 0) {
    const bool last = in.ConsumeBool();
    Buffer<float> h(in, last ? static_cast<std::size_t>(s.batch * s.units) : seq, 0, 0);
    ntp::lstm_inference(s, xb.ptr(false), w, h.ptr(false), last);
    return;
  }
  Buffer<float> h(in, seq, 0, 0), g(in, gates, 0, 0), c(in, seq, 0, 0);
  ntp::lstm_forward(s, xb.ptr(false), w, {h.ptr(false), g.ptr(false), c.ptr(false)});
  if (pass == 1) return;
  Buffer<float> dh(in, seq, -1, 1), dx(in, x, 0, 0), dk(in, k, 0, 0), dr(in, r, 0, 0), dbias(in, b, 0, 0);
  ntp::lstm_backward(s, xb.ptr(false), w, h.ptr(false), g.ptr(false), c.ptr(false), dh.ptr(false),
                     {dx.ptr(false), dk.ptr(false), dr.ptr(false), dbias.ptr(false)});
}

void fuzz_indicators(FuzzedDataProvider& in) {
  ntp::IndicatorBatch b;
  b.kind = static_cast<ntp::IndicatorKind>(in.ConsumeIntegralInRange<int>(0, 4));
  b.batch = static_cast<int32_t>(dim(in, 0, 1 << 30));
  b.time = static_cast<int32_t>(dim(in, 1, 1 << 24));
  const std::size_t K = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 9));
  b.period_count = static_cast<int32_t>(K);
  std::size_t close, out;
  try {
    close = count_of("close", {b.batch, b.time});
    out = count_of("out", {b.batch, b.period_count});
  } catch (const SizeError&) {
    return;
  }
  if (!small({close, out})) return;
  Buffer<float> c(in, close, 0.5, 2), periods(in, K, -2, 40), o(in, out, 0, 0);
  if (in.ConsumeBool() && K) periods.data[0] = in.ConsumeBool() ? NAN : 1e30f;
  b.close = c.ptr(true);
  b.periods = periods.ptr(true);
  try {
    if (in.ConsumeBool()) {
      ntp::indicator_forward(b, o.ptr(true));
    } else {
      Buffer<float> go(in, out, -1, 1), gc(in, close, 0, 0), gp(in, K, 0, 0);
      ntp::indicator_backward(b, go.ptr(true), gc.ptr(true), gp.ptr(true));
    }
  } catch (const std::invalid_argument&) {
  }
}

void fuzz_plain(FuzzedDataProvider& in) {
  const std::size_t n = static_cast<std::size_t>(dim(in, 0, 4096));
  Buffer<double> x(in, n, 1, 100), hi(in, n, 100, 200), lo(in, n, 0.5, 1), o1(in, n, 0, 0), o2(in, n, 0, 0), o3(in, n, 0, 0);
  const double p = in.ConsumeBool() ? in.ConsumeFloatingPointInRange<double>(-5, 5000) : static_cast<double>(dim(in, -3, 1 << 20));
  const int ip = static_cast<int>(std::max<double>(1, std::min<double>(p, 1 << 30)));
  try {
    switch (in.ConsumeIntegralInRange<int>(0, 10)) {
      case 0: ntp::ema_series(x.ptr(true), n, p, o1.ptr(true)); break;
      case 1: ntp::sma_series(x.ptr(true), n, ip, o1.ptr(true)); break;
      case 2: ntp::rsi_series(x.ptr(true), n, p, o1.ptr(true)); break;
      case 3: ntp::wma_series(x.ptr(true), n, ip, o1.ptr(true)); break;
      case 4: ntp::macd_series(x.ptr(true), n, p, p * 2, std::max(1.0, p / 2), o1.ptr(true), o2.ptr(true), o3.ptr(true)); break;
      case 5: ntp::bollinger_series(x.ptr(true), n, ip, 2.0, o1.ptr(true), o2.ptr(true), o3.ptr(true)); break;
      case 6: ntp::atr_series(hi.ptr(true), lo.ptr(true), x.ptr(true), n, p, o1.ptr(true)); break;
      case 7: ntp::momentum_series(x.ptr(true), n, ip, o1.ptr(true)); break;
      case 8: ntp::roc_series(x.ptr(true), n, ip, o1.ptr(true)); break;
      default: ntp::stochastic_series(hi.ptr(true), lo.ptr(true), x.ptr(true), n, ip, std::max(1, ip / 3), o1.ptr(true), o2.ptr(true)); break;
    }
  } catch (const std::invalid_argument&) {
  }
}

struct RandomCandles {
  std::size_t n;
  Buffer<double> t, o, h, l, c, v;
  RandomCandles(FuzzedDataProvider& in, std::size_t len)
      : n(len), t(in, n, 0, 0), o(in, n, 90, 110), h(in, n, 110, 120), l(in, n, 80, 90), c(in, n, 90, 110), v(in, n, 0, 1e6) {
    for (std::size_t i = 0; i < n; ++i) t.data[i] = 1.6e12 + 3.6e6 * static_cast<double>(i);
    if (n && in.ConsumeBool()) c.data[in.ConsumeIntegralInRange<std::size_t>(0, n - 1)] = in.ConsumeBool() ? NAN : -1;
  }
  ntp::Candles view() const { return {t.ptr(true), o.ptr(true), h.ptr(true), l.ptr(true), c.ptr(true), v.ptr(true), n}; }
};

void fuzz_windows(FuzzedDataProvider& in) {
  const RandomCandles candles(in, static_cast<std::size_t>(dim(in, 0, 512)));
  ntp::WindowSpec spec;
  spec.lookback = static_cast<int32_t>(dim(in, 1, 1 << 20));
  const std::size_t F = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 6));
  const std::size_t H = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 3));
  const std::size_t N = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 8));
  Buffer<int32_t> features(in, F, -2, 20), horizons(in, H, -2, 600), ends(in, N, -5, 600);
  spec.features = features.ptr(true);
  spec.feature_count = static_cast<int32_t>(F);
  spec.horizons = horizons.ptr(true);
  spec.horizon_count = static_cast<int32_t>(H);
  std::size_t nf, nc, nt;
  try {
    nf = count_of("features", {static_cast<int64_t>(N), spec.lookback, static_cast<int64_t>(F)});
    nc = count_of("close", {static_cast<int64_t>(N), spec.lookback});
    nt = count_of("targets", {static_cast<int64_t>(N), static_cast<int64_t>(H)});
  } catch (const SizeError&) {
    return;
  }
  if (!small({nf, nc, nt})) return;
  Buffer<float> of(in, nf, 0, 0), oc(in, nc, 0, 0), ot(in, nt, 0, 0);
  try {
    if (in.ConsumeBool()) {
      ntp::build_windows(candles.view(), spec, ends.ptr(true), N, {of.ptr(true), in.ConsumeBool() ? oc.ptr(true) : nullptr, ot.ptr(true)});
    } else if (small({candles.n * F})) {
      Buffer<double> out(in, candles.n * F, 0, 0);
      ntp::compute_bar_features(candles.view(), features.ptr(true), static_cast<int32_t>(F), out.ptr(true));
    }
  } catch (const std::invalid_argument&) {
  } catch (const ntp::DataError&) {
  }
}

void fuzz_backtest(FuzzedDataProvider& in) {
  const std::size_t S = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(1, 2));
  std::vector<std::unique_ptr<RandomCandles>> candles;
  std::vector<ntp::BacktestSymbol> symbols;
  std::vector<std::unique_ptr<Buffer<double>>> columns;
  std::vector<std::unique_ptr<Buffer<int8_t>>> sides;
  std::vector<ntp::SignalColumns> signals;
  std::size_t longest = 0;
  for (std::size_t s = 0; s < S; ++s) {
    candles.push_back(std::make_unique<RandomCandles>(in, static_cast<std::size_t>(dim(in, 0, 300))));
    symbols.push_back({candles.back()->view(), in.ConsumeBool() ? 8760.0 : in.ConsumeFloatingPointInRange<double>(-1, 1e6)});
    const std::size_t n = candles.back()->n;
    longest = std::max(longest, n);
    ntp::SignalColumns g;
    sides.push_back(std::make_unique<Buffer<int8_t>>(in, n, -2, 2));
    g.side = sides.back()->ptr(true);
    for (int k = 0; k < 5; ++k) columns.push_back(std::make_unique<Buffer<double>>(in, n, k == 4 ? 0 : 0.1, k == 4 ? 1 : 5));
    g.stop = columns[columns.size() - 5]->ptr(true);
    for (int k = 0; k < 3; ++k) g.target[k] = columns[columns.size() - 4 + k]->ptr(true);
    g.size = columns.back()->ptr(true);
    signals.push_back(g);
  }
  const std::size_t P = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(1, 3));
  std::vector<ntp::bt::PathParams> params(P);
  for (auto& q : params) {
    q.fee = in.ConsumeFloatingPointInRange<double>(-0.01, 0.05);
    q.slip = in.ConsumeFloatingPointInRange<double>(0, 0.01);
    q.risk_fraction = in.ConsumeFloatingPointInRange<double>(-0.5, 1.5);
    for (double& f : q.frac) f = in.ConsumeFloatingPointInRange<double>(0, 1);
    q.stop_override = in.ConsumeBool() ? NAN : in.ConsumeFloatingPointInRange<double>(-1, 10);
    for (double& t : q.target_override) t = in.ConsumeBool() ? NAN : in.ConsumeFloatingPointInRange<double>(0, 10);
    q.initial_equity = in.ConsumeFloatingPointInRange<double>(-1, 1e6);
    q.max_hold = in.ConsumeIntegralInRange<int32_t>(-1, 50);
    q.flags = in.ConsumeIntegralInRange<int32_t>(0, 31);
  }
  const bool rules = in.ConsumeBool();
  std::vector<ntp::RuleSpec> specs(static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(1, 3)));
  for (auto& r : specs) {
    r.kind = in.ConsumeIntegralInRange<int32_t>(-1, ntp::RuleStrategies::kCount);
    for (double& v : r.params) v = in.ConsumeBool() ? in.ConsumeIntegralInRange<int32_t>(-1, 80) : in.ConsumeFloatingPointInRange<double>(-10, 110);
  }
  const std::size_t paths = S * P * (rules ? specs.size() : 1);
  std::vector<double> metrics(paths * ntp::bt::kMetricCount);
  const std::size_t k = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 2));
  const std::size_t stride = longest + static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 2));
  Buffer<int32_t> trace_paths(in, k, -1, static_cast<int32_t>(paths));
  Buffer<double> trades(in, k * stride * ntp::bt::kTradeFields, 0, 0), equity(in, k * stride, 0, 0);
  Buffer<int32_t> counts(in, k, 0, 0);
  Buffer<int8_t> traced_signals(in, k * stride, 0, 0);
  ntp::TraceRequest trace{trace_paths.ptr(true), k, stride, trades.ptr(true), counts.ptr(true), equity.ptr(true), traced_signals.ptr(true)};
  try {
    if (rules)
      ntp::backtest_rules(symbols.data(), S, specs.data(), specs.size(), params.data(), P, metrics.data(), k ? &trace : nullptr);
    else
      ntp::backtest_signals(symbols.data(), signals.data(), S, params.data(), P, metrics.data(), k ? &trace : nullptr);
  } catch (const std::invalid_argument&) {
  } catch (const ntp::DataError&) {
  }
}

// Sweep plans over random shapes, limits and windows (bad ones must throw): each window path in
// exactly one slot, and the CPU run of a small plan writing only inside the window's metrics.
void fuzz_sweep(FuzzedDataProvider& in) {
  ntp::sweep::Shape shape;
  for (int s = 0, S = in.ConsumeIntegralInRange<int>(0, 3); s < S; ++s) shape.bars.push_back(static_cast<std::size_t>(dim(in, 1, 200)));
  shape.rules = static_cast<std::size_t>(dim(in, 0, 1 << 20));
  shape.params = static_cast<std::size_t>(dim(in, 0, 1 << 20));
  const ntp::sweep::Limits limits{static_cast<std::size_t>(dim(in, 0, 1 << 20)), static_cast<std::size_t>(dim(in, 0, 64)),
                                  static_cast<std::size_t>(dim(in, 0, 4))};
  const uint64_t begin = static_cast<uint64_t>(dim(in, 0, int64_t{1} << 40)), end = begin + static_cast<uint64_t>(dim(in, 0, 1 << 12));
  const ntp::sweep::Plan plan = ntp::sweep::plan_sweep(shape, limits, begin, end);
  std::vector<char> hit(end - begin, 0);
  for (const auto& l : plan.launches)
    for (uint64_t slot = 0; slot < l.slots; ++slot) {
      const auto t = ntp::sweep::locate_slot(plan.units.data() + l.unit_begin, l.unit_end - l.unit_begin, slot,
                                             shape.params, plan.limits.lane_group);
      if (!t.used) continue;
      if (t.path < l.path_begin || t.path >= l.path_end || hit[t.path - begin]++) invariant("sweep plan: a path outside its launch or twice");
    }
  for (const char h : hit)
    if (!h) invariant("sweep plan: a path of the window in no slot");
  if (shape.rules > 3 || shape.params > 3) return;
  std::vector<std::unique_ptr<RandomCandles>> candles;
  std::vector<ntp::BacktestSymbol> symbols;
  for (const std::size_t n : shape.bars) {
    candles.push_back(std::make_unique<RandomCandles>(in, n));
    symbols.push_back({candles.back()->view(), 8760});
  }
  const ntp::RuleSpec rules[3] = {{ntp::rule_kind<ntp::EmaCross>(), {2, 5}}, {ntp::rule_kind<ntp::RsiReversal>(), {3, 30, 70}},
                                  {ntp::rule_kind<ntp::MacdCross>(), {2, 4, 2}}};
  const ntp::bt::PathParams params[3] = {};
  ntp::SweepInputs sweep_in;
  sweep_in.symbols = symbols.data();
  sweep_in.S = symbols.size();
  sweep_in.rules = rules;
  sweep_in.R = shape.rules;
  sweep_in.params = params;
  sweep_in.P = shape.params;
  ntp::check_backtest_common(symbols.data(), symbols.size(), params, shape.params);
  Buffer<double> metrics(in, (end - begin) * ntp::bt::kMetricCount, 0, 0);
  ntp::run_sweep(sweep_in, plan, metrics.ptr(false));
}

void fuzz_small_ops(FuzzedDataProvider& in) {
  // binaryOp: the binding accepts sizes where each of na, nb divides max(na, nb).
  const std::size_t na = static_cast<std::size_t>(dim(in, 0, 64)), nb = static_cast<std::size_t>(dim(in, 0, 64));
  const std::size_t n = std::max(na, nb);
  if ((na == 0 || n % na == 0) && (nb == 0 || n % nb == 0)) {
    Buffer<float> a(in, na, -1, 1), b(in, nb, -1, 1), o(in, n, 0, 0);
    ntp::binary_broadcast(static_cast<ntp::BinaryOp>(in.ConsumeIntegralInRange<int>(0, 4)), a.ptr(true), na, b.ptr(true), nb, o.ptr(true));
  }
  const std::size_t count = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 3));
  std::vector<std::unique_ptr<Buffer<float>>> keep;
  std::vector<ntp::AdamTensor> tensors;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t len = static_cast<std::size_t>(dim(in, 0, 512));
    for (int j = 0; j < 4; ++j) keep.push_back(std::make_unique<Buffer<float>>(in, len, j == 3 ? 0 : -1, 1));
    auto& b = keep;
    tensors.push_back({b[b.size() - 4]->ptr(true), b[b.size() - 3]->ptr(true), b[b.size() - 2]->ptr(true), b[b.size() - 1]->ptr(true), len,
                       in.ConsumeFloatingPointInRange<float>(0, 1)});
  }
  ntp::AdamStep s;
  s.step = in.ConsumeIntegralInRange<int64_t>(1, 1000);
  s.clip_norm = in.ConsumeFloatingPointInRange<double>(-1, 5);
  ntp::adam_step(tensors.data(), tensors.size(), s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  // Refusals are fine (the binding turns them into RangeErrors); anything else escaping, or any
  // ASan/UBSan report, is a crash.
  try {
    switch (in.ConsumeIntegralInRange<int>(0, 11)) {
      case 0: case 1: fuzz_mat_mul(in); break;
      case 2: fuzz_attention(in); break;
      case 3: fuzz_layer_norm(in); break;
      case 4: fuzz_lstm(in); break;
      case 5: fuzz_indicators(in); break;
      case 6: fuzz_plain(in); break;
      case 7: fuzz_windows(in); break;
      case 8: fuzz_backtest(in); break;
      case 9: fuzz_sweep(in); break;
      case 10: fuzz_composite_loss(in); break;
      default: fuzz_small_ops(in); break;
    }
  } catch (const std::invalid_argument&) {
  } catch (const ntp::DataError&) {
  }
  return 0;
}
