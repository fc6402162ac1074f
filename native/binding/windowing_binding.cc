// buildWindows / buildWindowsAsync and computeBarFeatures over core/windowing.
//
// buildWindows({candles, lookback, features: Int32Array, center?, scale?: Float64Array,
//   horizons: Int32Array, ends: Int32Array, out: {features: Float32Array [N*T*F],
//   close?: Float32Array [N*T], targets?: Float32Array [N*H]}, device?}) -> "cpu" | "cuda"
#include <napi.h>

#include <memory>

#include "../core/windowing.h"
#include "../cuda/cuda_api.h"
#include "candles_arg.h"
#include "device_choice.h"
#include "jobs.h"
#include "registry.h"

namespace {

using namespace ntp::binding;

Job prepare_windows(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "buildWindows: options");
  Job job;
  ntp::Candles candles = candles_arg(a, &job.keep_alive);
  ntp::WindowSpec spec;
  spec.lookback = static_cast<int32_t>(a.integer("lookback", 1, 1 << 20));
  std::size_t F = 0, H = 0, N = 0;
  spec.features = a.array<int32_t>("features", kAnyLength, &F);
  spec.feature_count = static_cast<int32_t>(F);
  spec.center = a.optional_array<double>("center", F);
  spec.scale = a.optional_array<double>("scale", F);
  spec.horizons = a.array<int32_t>("horizons", kAnyLength, &H);
  spec.horizon_count = static_cast<int32_t>(H);
  const int32_t* ends = a.array<int32_t>("ends", kAnyLength, &N);
  Args out(info.Env(), a.value("out"), a.field("out"));
  const std::size_t T = static_cast<std::size_t>(spec.lookback);
  ntp::WindowOutputs o;
  o.features = out.array<float>("features", N * T * F);
  o.close = out.optional_array<float>("close", N * T);
  o.targets = out.optional_array<float>("targets", N * H);
  const bool cuda = use_cuda(a);
  for (const char* k : {"features", "horizons", "ends"}) job.keep_alive.push_back(a.value(k));
  for (const char* k : {"center", "scale"}) if (a.has(k)) job.keep_alive.push_back(a.value(k));
  job.keep_alive.push_back(a.value("out"));
  job.work = [=] {
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::build_windows(candles, spec, ends, N, o);
#endif
    ntp::build_windows(candles, spec, ends, N, o);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

Job prepare_bar_features(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "computeBarFeatures: options");
  Job job;
  ntp::Candles candles = candles_arg(a, &job.keep_alive);
  std::size_t F = 0;
  const int32_t* features = a.array<int32_t>("features", kAnyLength, &F);
  double* out = a.array<double>("out", candles.length * F);
  for (const char* k : {"features", "out"}) job.keep_alive.push_back(a.value(k));
  job.work = [=] { ntp::compute_bar_features(candles, features, static_cast<int32_t>(F), out); };
  return job;
}

}  // namespace

NTP_BINDING(windowing) {
  export_job(env, exports, "buildWindows", prepare_windows);
  export_job(env, exports, "computeBarFeatures", prepare_bar_features);
}
