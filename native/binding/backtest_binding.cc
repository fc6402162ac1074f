// backtestSignals / backtestRules (+ Async) over core/backtest and its CUDA twin.
//
// Common options: {symbols: [{candles, barsPerYear, signals?}], params: {feeBps, slippageBps,
//   riskFraction, fraction1, fraction2, fraction3, stopDistance, target1, target2, target3,
//   initialCapital: Float64Array [P], maxHoldBars, flags: Int32Array [P]},
//   out: {metrics: Float64Array [paths * METRICS]},
//   trace?: {paths: Int32Array [k], stride, trades: Float64Array [k * stride * TRADE_FIELDS],
//            tradeCounts: Int32Array [k], equity?: Float64Array [k * stride],
//            signals?: Int8Array [k * stride]}, device?}
// backtestSignals: each symbol has signals {side: Int8Array, stopDistance, size: Float64Array,
//   targetDistance: [Float64Array x3]}, all of the candles' length; paths = S * P.
// backtestRules: rules {kind, fast, slow: Int32Array [R], lower, upper: Float64Array [R]};
//   paths = S * R * P.
// Returns "cpu" | "cuda" (the engine that computed the metrics; traces always run on the CPU).
// Every argument is checked here, before a job is queued: TypeError for a wrong type,
// RangeError naming the field, the bad value and what is allowed.
#include <napi.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/backtest.h"
#include "../cuda/cuda_api.h"
#include "candles_arg.h"
#include "device_choice.h"
#include "jobs.h"
#include "registry.h"

namespace ntp::binding {
// Signal sides are Int8Array (src/signals/types.ts); only this binding reads them.
template <> struct TypedArrayKind<int8_t> {
  static constexpr napi_typedarray_type type = napi_int8_array;
  static constexpr const char* name = "Int8Array";
};
}  // namespace ntp::binding

namespace {

using namespace ntp::binding;
namespace bt = ntp::bt;

constexpr int32_t kKnownFlags = bt::kOptimistic | bt::kBreakeven | bt::kAllowReverse | bt::kAllowLong | bt::kAllowShort;

// Everything a job needs, owned so the async worker can outlive the JS call's locals.
struct Inputs {
  std::vector<ntp::BacktestSymbol> symbols;
  std::vector<ntp::SignalColumns> signals;
  std::vector<bt::PathParams> params;
  std::vector<ntp::RuleSpec> rules;
  double* metrics = nullptr;
  bool has_trace = false;
  ntp::TraceRequest trace;
};

Napi::Array array_arg(const Args& a, const char* key) {
  Napi::Value v = a.value(key);
  if (!v.IsArray()) throw Napi::TypeError::New(a.env(), a.field(key) + " must be an Array (got " + Args::describe(v) + ")");
  return v.As<Napi::Array>();
}

void read_symbols(const Args& a, bool with_signals, Inputs& in, Job& job) {
  Napi::Array list = array_arg(a, "symbols");
  job.keep_alive.push_back(list);
  if (list.Length() == 0) throw Napi::RangeError::New(a.env(), a.field("symbols") + " must not be empty");
  for (uint32_t s = 0; s < list.Length(); ++s) {
    Args sym(a.env(), list.Get(s), a.field("symbols") + "[" + std::to_string(s) + "]");
    ntp::BacktestSymbol bs;
    bs.candles = candles_arg(sym, nullptr);
    bs.bars_per_year = sym.number("barsPerYear");
    const std::size_t n = bs.candles.length;
    in.symbols.push_back(bs);
    if (!with_signals) continue;
    Args sig(a.env(), sym.value("signals"), sym.field("signals"));
    ntp::SignalColumns g;
    g.side = sig.array<int8_t>("side", n);
    g.stop = sig.array<double>("stopDistance", n);
    g.size = sig.array<double>("size", n);
    Napi::Array targets = array_arg(sig, "targetDistance");
    if (targets.Length() != 3)
      throw Napi::RangeError::New(a.env(), sig.field("targetDistance") + " must hold 3 Float64Arrays (got " +
                                               std::to_string(targets.Length()) + ")");
    for (uint32_t k = 0; k < 3; ++k) {
      Napi::Value v = targets.Get(k);
      const std::string f = sig.field("targetDistance") + "[" + std::to_string(k) + "]";
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
        throw Napi::TypeError::New(a.env(), f + " must be a Float64Array (got " + Args::describe(v) + ")");
      auto arr = v.As<Napi::Float64Array>();
      if (arr.ElementLength() != n)
        throw Napi::RangeError::New(a.env(), f + " has length " + std::to_string(arr.ElementLength()) +
                                                 ", expected " + std::to_string(n));
      g.target[k] = arr.Data();
    }
    in.signals.push_back(g);
  }
}

void read_params(const Args& a, Inputs& in, Job& job) {
  Args p(a.env(), a.value("params"), a.field("params"));
  job.keep_alive.push_back(a.value("params"));
  std::size_t P = 0;
  const double* fee = p.array<double>("feeBps", kAnyLength, &P);
  if (P == 0) throw Napi::RangeError::New(a.env(), p.field("feeBps") + " is empty: at least one parameter set is required");
  const double* slip = p.array<double>("slippageBps", P);
  const double* risk = p.array<double>("riskFraction", P);
  const double* f1 = p.array<double>("fraction1", P);
  const double* f2 = p.array<double>("fraction2", P);
  const double* f3 = p.array<double>("fraction3", P);
  const double* stop = p.array<double>("stopDistance", P);
  const double* t1 = p.array<double>("target1", P);
  const double* t2 = p.array<double>("target2", P);
  const double* t3 = p.array<double>("target3", P);
  const double* cap = p.array<double>("initialCapital", P);
  const int32_t* hold = p.array<int32_t>("maxHoldBars", P);
  const int32_t* flags = p.array<int32_t>("flags", P);
  in.params.resize(P);
  for (std::size_t i = 0; i < P; ++i) {
    if ((flags[i] & ~kKnownFlags) != 0)
      throw Napi::RangeError::New(a.env(), p.field("flags") + "[" + std::to_string(i) + "] = " +
                                               std::to_string(flags[i]) + " has bits outside " + std::to_string(kKnownFlags));
    bt::PathParams& q = in.params[i];
    // Same divisions as the TypeScript reference (bps / 1e4), so both round identically.
    q.fee = fee[i] / 1e4;
    q.slip = slip[i] / 1e4;
    q.risk_fraction = risk[i];
    q.frac[0] = f1[i];
    q.frac[1] = f2[i];
    q.frac[2] = f3[i];
    q.stop_override = stop[i];
    q.target_override[0] = t1[i];
    q.target_override[1] = t2[i];
    q.target_override[2] = t3[i];
    q.initial_capital = cap[i];
    q.max_hold = hold[i];
    q.flags = flags[i];
  }
}

void read_rules(const Args& a, Inputs& in, Job& job) {
  Args r(a.env(), a.value("rules"), a.field("rules"));
  job.keep_alive.push_back(a.value("rules"));
  std::size_t R = 0;
  const int32_t* kind = r.array<int32_t>("kind", kAnyLength, &R);
  if (R == 0) throw Napi::RangeError::New(a.env(), r.field("kind") + " is empty: the rule grid must hold at least one rule");
  const int32_t* fast = r.array<int32_t>("fast", R);
  const int32_t* slow = r.array<int32_t>("slow", R);
  const double* lower = r.array<double>("lower", R);
  const double* upper = r.array<double>("upper", R);
  in.rules.resize(R);
  for (std::size_t i = 0; i < R; ++i) in.rules[i] = ntp::RuleSpec{kind[i], fast[i], slow[i], lower[i], upper[i]};
}

void read_outputs(const Args& a, std::size_t paths, std::size_t longest, Inputs& in, Job& job) {
  Args out(a.env(), a.value("out"), a.field("out"));
  job.keep_alive.push_back(a.value("out"));
  in.metrics = out.array<double>("metrics", paths * bt::kMetricCount);
  if (!a.has("trace")) return;
  Args tr(a.env(), a.value("trace"), a.field("trace"));
  job.keep_alive.push_back(a.value("trace"));
  std::size_t k = 0;
  in.has_trace = true;
  in.trace.paths = tr.array<int32_t>("paths", kAnyLength, &k);
  in.trace.count = k;
  in.trace.stride = static_cast<std::size_t>(tr.integer("stride", static_cast<int64_t>(longest), 1LL << 31));
  const std::size_t stride = in.trace.stride;
  in.trace.trades = tr.array<double>("trades", k * stride * bt::kTradeFields);
  in.trace.trade_counts = tr.array<int32_t>("tradeCounts", k);
  in.trace.equity = tr.optional_array<double>("equity", k * stride);
  in.trace.signals = tr.optional_array<int8_t>("signals", k * stride);
}

// Core checks throw std::invalid_argument / DataError; here, before any job, they become
// RangeErrors whose message names the field.
template <class F>
void check_now(Napi::Env env, const std::string& where, F&& checks) {
  try {
    checks();
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, where + ": " + e.what());
  }
}

std::size_t longest_symbol(const Inputs& in) {
  std::size_t m = 0;
  for (const auto& s : in.symbols) m = std::max(m, s.candles.length);
  return m;
}

Job finish(Job job, std::shared_ptr<Inputs> in, bool cuda, bool rules) {
  job.work = [in, cuda, rules] {
    // check_now ran every argument check before this job was queued.
    constexpr ntp::InputCheck kChecked = ntp::InputCheck::kAlreadyDone;
    const ntp::TraceRequest* trace = in->has_trace ? &in->trace : nullptr;
    const std::size_t S = in->symbols.size(), P = in->params.size(), R = in->rules.size();
#ifdef NTP_HAVE_CUDA
    if (cuda) {
      if (rules) ntp::cuda::backtest_rules(in->symbols.data(), S, in->rules.data(), R, in->params.data(), P, in->metrics, kChecked);
      else ntp::cuda::backtest_signals(in->symbols.data(), in->signals.data(), S, in->params.data(), P, in->metrics, kChecked);
      if (!trace) return;
      // Traces (few paths) always run on the CPU: metrics nullptr skips the summary pass.
      if (rules) ntp::backtest_rules(in->symbols.data(), S, in->rules.data(), R, in->params.data(), P, nullptr, trace, kChecked);
      else ntp::backtest_signals(in->symbols.data(), in->signals.data(), S, in->params.data(), P, nullptr, trace, kChecked);
      return;
    }
#endif
    (void)cuda;
    if (rules) ntp::backtest_rules(in->symbols.data(), S, in->rules.data(), R, in->params.data(), P, in->metrics, trace, kChecked);
    else ntp::backtest_signals(in->symbols.data(), in->signals.data(), S, in->params.data(), P, in->metrics, trace, kChecked);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

Job prepare_signals(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "backtestSignals: options");
  Job job;
  auto in = std::make_shared<Inputs>();
  read_symbols(a, true, *in, job);
  read_params(a, *in, job);
  const std::size_t paths = in->symbols.size() * in->params.size();
  read_outputs(a, paths, longest_symbol(*in), *in, job);
  const bool cuda = use_cuda(a);
  check_now(info.Env(), "backtestSignals", [&] {
    ntp::check_backtest_common(in->symbols.data(), in->symbols.size(), in->params.data(), in->params.size());
    ntp::check_signal_columns(in->signals.data(), in->symbols.data(), in->symbols.size());
    ntp::check_trace(in->has_trace ? &in->trace : nullptr, paths, in->symbols.data(), in->symbols.size());
  });
  return finish(std::move(job), in, cuda, false);
}

Job prepare_rules(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "backtestRules: options");
  Job job;
  auto in = std::make_shared<Inputs>();
  read_symbols(a, false, *in, job);
  read_rules(a, *in, job);
  read_params(a, *in, job);
  const std::size_t paths = in->symbols.size() * in->rules.size() * in->params.size();
  read_outputs(a, paths, longest_symbol(*in), *in, job);
  const bool cuda = use_cuda(a);
  check_now(info.Env(), "backtestRules", [&] {
    ntp::check_backtest_common(in->symbols.data(), in->symbols.size(), in->params.data(), in->params.size());
    ntp::check_rules(in->rules.data(), in->rules.size());
    ntp::check_trace(in->has_trace ? &in->trace : nullptr, paths, in->symbols.data(), in->symbols.size());
  });
  return finish(std::move(job), in, cuda, true);
}

}  // namespace

NTP_BINDING(backtest) {
  export_job(env, exports, "backtestSignals", prepare_signals);
  export_job(env, exports, "backtestRules", prepare_rules);
  exports.Set("backtestLayout", [&] {
    // Record widths the TypeScript wrapper sizes its buffers with.
    Napi::Object o = Napi::Object::New(env);
    o.Set("metrics", Napi::Number::New(env, bt::kMetricCount));
    o.Set("tradeFields", Napi::Number::New(env, bt::kTradeFields));
    return o;
  }());
}
