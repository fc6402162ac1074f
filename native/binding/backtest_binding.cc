// backtestSignals / backtestRules (+ Async) over core/backtest and its CUDA twin.
//
// Common options: {symbols: [{candles, barsPerYear, signals?}], params: {feeBps, slippageBps,
//   riskFraction, fraction1, fraction2, fraction3, stopDistance, target1, target2, target3,
//   initialEquity: Float64Array [P], maxHoldBars, flags: Int32Array [P]},
//   out: {metrics: Float64Array [paths * METRICS]},
//   trace?: {paths: Int32Array [k], stride, trades: Float64Array [k * stride * TRADE_FIELDS],
//            tradeCounts: Int32Array [k], equity?: Float64Array [k * stride],
//            signals?: Int8Array [k * stride]}, device?}
// backtestSignals: each symbol has signals {side: Int8Array, stopDistance, size: Float64Array,
//   targetDistance: [Float64Array x3]}, all of the candles' length; paths = S * P.
// backtestRules: rules {kind: Int32Array [R] (index in backtestStrategies), params: Float64Array
//   [R * maxParams] (each rule's parameters in its strategy's order)}; paths = S * R * P.
// backtestStrategies: the rule strategy table (core/backtest_strategies.h) as
//   {maxParams, list: [{name, params: [{name, min, max, integer}]}]}, in kind order.
// backtestSweep: the same symbols/params and optional rules (without rules, every symbol has
//   signals), plus pathBegin, pathEnd (the window of the S * R * P paths to run), launchPaths?
//   (threads per launch, default 2^18 on CUDA, 2^14 on the CPU), devices? (GPUs to split over,
//   0 = all usable), progress?: Int32Array [1] (paths of the window done, raised as launches
//   finish: readable with Atomics.load while the async job runs); out.metrics is
//   [(pathEnd - pathBegin) * METRICS]. It runs the window's launch plan (core/sweep_plan.h).
// Returns "cpu" | "cuda" (the engine that computed the metrics; traces always run on the CPU).
// Every argument is checked here, before a job is queued: TypeError for a wrong type,
// RangeError naming the field, the bad value and what is allowed.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../core/backtest/backtest.h"
#include "../core/backtest/sweep_run.h"
#include "../cuda/cuda_api.h"
#include "candles_arg.h"
#include "device_choice.h"
#include "jobs.h"
#include "registry.h"
#include "sizes.h"

namespace {

using namespace ntp::binding;
namespace bt = ntp::bt;

constexpr int32_t kKnownFlags = bt::kOptimistic | bt::kBreakeven | bt::kAllowReverse | bt::kAllowLong | bt::kAllowShort;

// The parameter and rule columns as read; their contents are converted into `params` and
// `rules` by Job::check, once every option was read (args.h).
struct ParamColumns {
  std::size_t P = 0;
  const double *fee, *slip, *risk, *f1, *f2, *f3, *stop, *t1, *t2, *t3, *cap;
  const int32_t *hold, *flags;
};
struct RuleColumns {
  std::size_t R = 0;
  const int32_t* kind;
  const double* params;
};

// Everything a job needs, owned so the async worker can outlive the JS call's locals.
struct Inputs {
  std::vector<ntp::BacktestSymbol> symbols;
  std::vector<ntp::SignalColumns> signals;
  ParamColumns param_columns;
  RuleColumns rule_columns;
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

void read_symbols(const Args& a, bool with_signals, Inputs& in) {
  Napi::Array list = array_arg(a, "symbols");
  if (list.Length() == 0) throw Napi::RangeError::New(a.env(), a.field("symbols") + " must not be empty");
  for (uint32_t s = 0; s < list.Length(); ++s) {
    const Args sym = a.element(list.Get(s), a.field("symbols") + "[" + std::to_string(s) + "]");
    ntp::BacktestSymbol bs;
    bs.candles = candles_arg(sym);
    bs.bars_per_year = sym.number("barsPerYear");
    const std::size_t n = bs.candles.length;
    in.symbols.push_back(bs);
    if (!with_signals) continue;
    const Args sig = sym.child("signals");
    ntp::SignalColumns g;
    g.side = sig.array<int8_t>("side", n);
    g.stop = sig.array<double>("stopDistance", n);
    g.size = sig.array<double>("size", n);
    Napi::Array targets = array_arg(sig, "targetDistance");
    if (targets.Length() != 3)
      throw Napi::RangeError::New(a.env(), sig.field("targetDistance") + " must hold 3 Float64Arrays (got " +
                                               std::to_string(targets.Length()) + ")");
    for (uint32_t k = 0; k < 3; ++k) {
      const std::string f = sig.field("targetDistance") + "[" + std::to_string(k) + "]";
      g.target[k] = sig.view<double>(targets.Get(k), f, n, nullptr, Access::kRead);
    }
    in.signals.push_back(g);
  }
}

void read_params(const Args& a, Inputs& in) {
  const Args p = a.child("params");
  ParamColumns& c = in.param_columns;
  c.fee = p.array<double>("feeBps", kAnyLength, &c.P);
  if (c.P == 0) throw Napi::RangeError::New(a.env(), p.field("feeBps") + " is empty: at least one parameter set is required");
  c.slip = p.array<double>("slippageBps", c.P);
  c.risk = p.array<double>("riskFraction", c.P);
  c.f1 = p.array<double>("fraction1", c.P);
  c.f2 = p.array<double>("fraction2", c.P);
  c.f3 = p.array<double>("fraction3", c.P);
  c.stop = p.array<double>("stopDistance", c.P);
  c.t1 = p.array<double>("target1", c.P);
  c.t2 = p.array<double>("target2", c.P);
  c.t3 = p.array<double>("target3", c.P);
  c.cap = p.array<double>("initialEquity", c.P);
  c.hold = p.array<int32_t>("maxHoldBars", c.P);
  c.flags = p.array<int32_t>("flags", c.P);
}

// Job::check: the parameter columns into PathParams.
void convert_params(const std::string& flags_field, Inputs& in) {
  const ParamColumns& c = in.param_columns;
  in.params.resize(c.P);
  for (std::size_t i = 0; i < c.P; ++i) {
    if ((c.flags[i] & ~kKnownFlags) != 0)
      throw std::invalid_argument(flags_field + "[" + std::to_string(i) + "] = " + std::to_string(c.flags[i]) +
                                  " has bits outside " + std::to_string(kKnownFlags));
    bt::PathParams& q = in.params[i];
    // Same divisions as the TypeScript reference (bps / 1e4), so both round identically.
    q.fee = c.fee[i] / 1e4;
    q.slip = c.slip[i] / 1e4;
    q.risk_fraction = c.risk[i];
    q.frac[0] = c.f1[i];
    q.frac[1] = c.f2[i];
    q.frac[2] = c.f3[i];
    q.stop_override = c.stop[i];
    q.target_override[0] = c.t1[i];
    q.target_override[1] = c.t2[i];
    q.target_override[2] = c.t3[i];
    q.initial_equity = c.cap[i];
    q.max_hold = c.hold[i];
    q.flags = c.flags[i];
  }
}

void read_rules(const Args& a, Inputs& in) {
  const Args r = a.child("rules");
  RuleColumns& c = in.rule_columns;
  c.kind = r.array<int32_t>("kind", kAnyLength, &c.R);
  if (c.R == 0) throw Napi::RangeError::New(a.env(), r.field("kind") + " is empty: the rule grid must hold at least one rule");
  c.params = r.array<double>("params", count_of(r.field("params"), {static_cast<int64_t>(c.R), ntp::kMaxRuleParams}));
}

// Job::check: the rule columns into RuleSpecs.
void convert_rules(Inputs& in) {
  const RuleColumns& c = in.rule_columns;
  in.rules.resize(c.R);
  for (std::size_t i = 0; i < c.R; ++i) {
    in.rules[i].kind = c.kind[i];
    for (int j = 0; j < ntp::kMaxRuleParams; ++j) in.rules[i].params[j] = c.params[i * ntp::kMaxRuleParams + j];
  }
}

void read_outputs(const Args& a, std::size_t paths, std::size_t longest, Inputs& in) {
  const Args out = a.child("out");
  in.metrics = out.output<double>("metrics", count_of(out.field("metrics"), {static_cast<int64_t>(paths), bt::kMetricCount}));
  if (!a.has("trace")) return;
  const Args tr = a.child("trace");
  std::size_t k = 0;
  in.has_trace = true;
  in.trace.paths = tr.array<int32_t>("paths", kAnyLength, &k);
  in.trace.count = k;
  in.trace.stride = static_cast<std::size_t>(tr.integer("stride", static_cast<int64_t>(longest), 1LL << 31));
  const int64_t rows = static_cast<int64_t>(k), stride = static_cast<int64_t>(in.trace.stride);
  in.trace.trades = tr.output<double>("trades", count_of(tr.field("trades"), {rows, stride, bt::kTradeFields}));
  in.trace.trade_counts = tr.output<int32_t>("tradeCounts", k);
  in.trace.equity = tr.optional_output<double>("equity", count_of(tr.field("equity"), {rows, stride}));
  in.trace.signals = tr.optional_output<int8_t>("signals", count_of(tr.field("signals"), {rows, stride}));
}

std::size_t longest_symbol(const Inputs& in) {
  std::size_t m = 0;
  for (const auto& s : in.symbols) m = std::max(m, s.candles.length);
  return m;
}

Job finish(Job job, std::shared_ptr<Inputs> in, bool cuda, bool rules) {
  job.work = [in, cuda, rules] {
    // Job::check ran every argument check before this job was queued.
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

// Number of paths: the product of the grid's sizes (checked).
std::size_t path_count(const Args& a, std::initializer_list<int64_t> grid) { return count_of(a.field("out.metrics"), grid); }

Job prepare_signals(const Args& a) {
  auto in = std::make_shared<Inputs>();
  read_symbols(a, true, *in);
  read_params(a, *in);
  const std::size_t paths = path_count(a, {static_cast<int64_t>(in->symbols.size()), static_cast<int64_t>(in->param_columns.P)});
  read_outputs(a, paths, longest_symbol(*in), *in);
  const bool cuda = use_cuda(a);
  Job job;
  // Core checks throw std::invalid_argument / DataError: RangeErrors before any job is queued.
  job.check = [in, paths, flags = a.field("params.flags")] {
    convert_params(flags, *in);
    ntp::check_backtest_common(in->symbols.data(), in->symbols.size(), in->params.data(), in->params.size());
    ntp::check_signal_columns(in->signals.data(), in->symbols.data(), in->symbols.size());
    ntp::check_trace(in->has_trace ? &in->trace : nullptr, paths, in->symbols.data(), in->symbols.size());
  };
  return finish(std::move(job), in, cuda, false);
}

Job prepare_rules(const Args& a) {
  auto in = std::make_shared<Inputs>();
  read_symbols(a, false, *in);
  read_rules(a, *in);
  read_params(a, *in);
  const std::size_t paths = path_count(a, {static_cast<int64_t>(in->symbols.size()), static_cast<int64_t>(in->rule_columns.R),
                                           static_cast<int64_t>(in->param_columns.P)});
  read_outputs(a, paths, longest_symbol(*in), *in);
  const bool cuda = use_cuda(a);
  Job job;
  job.check = [in, paths, flags = a.field("params.flags")] {
    convert_params(flags, *in);
    convert_rules(*in);
    ntp::check_backtest_common(in->symbols.data(), in->symbols.size(), in->params.data(), in->params.size());
    ntp::check_rules(in->rules.data(), in->rules.size());
    ntp::check_trace(in->has_trace ? &in->trace : nullptr, paths, in->symbols.data(), in->symbols.size());
  };
  return finish(std::move(job), in, cuda, true);
}

Napi::Object strategy_table(Napi::Env env) {
  Napi::Array list = Napi::Array::New(env);
  for (int32_t k = 0; k < ntp::RuleStrategies::kCount; ++k) {
    ntp::visit_strategy(k, [&](auto s) {
      using S = decltype(s);
      Napi::Array params = Napi::Array::New(env);
      for (std::size_t j = 0; j < S::kParams.size(); ++j) {
        Napi::Object q = Napi::Object::New(env);
        q.Set("name", S::kParams[j].name);
        q.Set("min", S::kParams[j].min);
        q.Set("max", S::kParams[j].max);
        q.Set("integer", S::kParams[j].integer);
        params.Set(static_cast<uint32_t>(j), q);
      }
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("name", S::kName);
      entry.Set("params", params);
      list.Set(static_cast<uint32_t>(k), entry);
    });
  }
  Napi::Object table = Napi::Object::New(env);
  table.Set("maxParams", Napi::Number::New(env, ntp::kMaxRuleParams));
  table.Set("list", list);
  return table;
}

// Names of a C++ enum's values in code order, so TypeScript reads the order instead of copying it.
template <std::size_t N>
Napi::Array names(Napi::Env env, const char* const (&list)[N]) {
  Napi::Array a = Napi::Array::New(env, N);
  for (std::size_t i = 0; i < N; ++i) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, list[i]));
  return a;
}

// The record layouts, flags and enum orders the TypeScript wrapper (src/backtest/native.ts)
// builds its buffers and decodes traces with; tests check METRIC_NAMES and EXIT_REASONS (which
// the reference engine also needs without the addon) against it.
Napi::Object layout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("metrics", Napi::Number::New(env, bt::kMetricCount));
  o.Set("tradeFields", Napi::Number::New(env, bt::kTradeFields));
  Napi::Object t = Napi::Object::New(env);
  const std::pair<const char*, int32_t> fields[] = {
      {"entry", bt::kTEntryIndex}, {"exit", bt::kTExitIndex}, {"side", bt::kTSide}, {"entryPrice", bt::kTEntryPrice},
      {"exitPrice", bt::kTExitPrice}, {"qty", bt::kTQuantity}, {"notional", bt::kTNotional}, {"reason", bt::kTReason},
      {"fees", bt::kTFees}, {"pnl", bt::kTPnl}, {"held", bt::kTBarsHeld}, {"tierIndex", bt::kTTierIndex},
      {"tierPrice", bt::kTTierPrice}, {"tierQty", bt::kTTierQty}};
  for (const auto& [name, index] : fields) t.Set(name, Napi::Number::New(env, index));
  o.Set("trade", t);
  Napi::Object f = Napi::Object::New(env);
  const std::pair<const char*, int32_t> flags[] = {{"optimistic", bt::kOptimistic}, {"breakeven", bt::kBreakeven},
      {"allowReverse", bt::kAllowReverse}, {"allowLong", bt::kAllowLong}, {"allowShort", bt::kAllowShort}};
  for (const auto& [name, bit] : flags) f.Set(name, Napi::Number::New(env, bit));
  o.Set("flags", f);
  o.Set("metricNames", names(env, bt::kMetricNames));
  o.Set("exitReasons", names(env, bt::kExitReasonNames));
  return o;
}

// Threads per CPU launch: short enough that progress moves every second or so (CUDA's:
// sweep::cuda_launch_slots).
constexpr int64_t kCpuLaunchPaths = int64_t{1} << 14;
using ntp::sweep::kWarp;
// At most this many paths per call (progress is an int32, and the metrics a buffer of JS's).
constexpr int64_t kMaxWindowPaths = int64_t{1} << 30;

struct SweepWindow {
  uint64_t begin = 0, end = 0;
  ntp::sweep::Limits limits;
  int32_t* progress = nullptr;
};

Job prepare_sweep(const Args& a) {
  auto in = std::make_shared<Inputs>();
  const bool rules = a.has("rules");
  read_symbols(a, !rules, *in);
  if (rules) read_rules(a, *in);
  read_params(a, *in);
  const std::size_t S = in->symbols.size(), R = rules ? in->rule_columns.R : 1, P = in->param_columns.P;
  const std::size_t paths = path_count(a, {static_cast<int64_t>(S), static_cast<int64_t>(R), static_cast<int64_t>(P)});
  const bool cuda = use_cuda(a);
  auto w = std::make_shared<SweepWindow>();
  w->begin = static_cast<uint64_t>(a.integer("pathBegin", 0, static_cast<int64_t>(paths) - 1));
  const int64_t last = std::min<int64_t>(static_cast<int64_t>(paths), static_cast<int64_t>(w->begin) + kMaxWindowPaths);
  w->end = static_cast<uint64_t>(a.integer("pathEnd", static_cast<int64_t>(w->begin) + 1, last));
  w->limits.lane_group = cuda ? kWarp : 1;
  const int64_t usable = std::max(1, ntp::device_info().device_count);
  const int64_t devices = a.integer("devices", 0, 64, 0);
  if (cuda && devices > usable)
    throw Napi::RangeError::New(a.env(), a.field("devices") + " = " + std::to_string(devices) + " but only " +
                                             std::to_string(usable) + " CUDA devices are usable");
  w->limits.devices = cuda ? static_cast<std::size_t>(devices == 0 ? usable : devices) : 1;
  const int64_t launch = cuda ? static_cast<int64_t>(ntp::sweep::cuda_launch_slots(w->end - w->begin, w->limits.devices))
                              : kCpuLaunchPaths;
  w->limits.launch_slots = static_cast<std::size_t>(a.integer("launchPaths", static_cast<int64_t>(kWarp), kMaxWindowPaths, launch));
  const Args out = a.child("out");
  in->metrics = out.output<double>("metrics", count_of(out.field("metrics"), {static_cast<int64_t>(w->end - w->begin), bt::kMetricCount}));
  w->progress = a.optional_output<int32_t>("progress", 1);
  // CUDA: per GPU, a ring of three launches' metrics in pinned memory.
  if (cuda) a.need_memory(3.0 * static_cast<double>(w->limits.devices * w->limits.launch_slots) * bt::kMetricCount * sizeof(double));
  Job job;
  job.check = [in, rules, flags = a.field("params.flags")] {
    convert_params(flags, *in);
    ntp::check_backtest_common(in->symbols.data(), in->symbols.size(), in->params.data(), in->params.size());
    if (rules) {
      convert_rules(*in);
      ntp::check_rules(in->rules.data(), in->rules.size());
    } else {
      ntp::check_signal_columns(in->signals.data(), in->symbols.data(), in->symbols.size());
    }
  };
  job.work = [in, w, cuda, rules] {
    ntp::SweepInputs si;
    si.symbols = in->symbols.data();
    si.S = in->symbols.size();
    if (rules) {
      si.rules = in->rules.data();
      si.R = in->rules.size();
    } else {
      si.signals = in->signals.data();
    }
    si.params = in->params.data();
    si.P = in->params.size();
    const ntp::sweep::Plan plan = ntp::sweep::plan_sweep(ntp::sweep_shape(si), w->limits, w->begin, w->end);
    // Called from the GPUs' threads too: one counter, mirrored into JS's Int32Array.
    std::atomic<uint64_t> done{0};
    const auto progress = [&done, p = w->progress](uint64_t paths) {
      const uint64_t now = done.fetch_add(paths) + paths;
      if (p) __atomic_store_n(p, static_cast<int32_t>(now), __ATOMIC_RELAXED);
    };
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::run_sweep(si, plan, in->metrics, progress);
#endif
    (void)cuda;
    ntp::run_sweep(si, plan, in->metrics, progress);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

}  // namespace

NTP_BINDING(backtest) {
  export_job(env, exports, "backtestSignals", prepare_signals);
  export_job(env, exports, "backtestRules", prepare_rules);
  export_job(env, exports, "backtestSweep", prepare_sweep);
  exports.Set("backtestLayout", layout(env));
  exports.Set("backtestStrategies", strategy_table(env));
}
