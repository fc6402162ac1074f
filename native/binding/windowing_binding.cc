// buildWindows / buildWindowsAsync and computeBarFeatures over core/windowing.
//
// buildWindows({candles, lookback, features: Int32Array, center?, scale?: Float64Array,
//   horizons: Int32Array, ends: Int32Array, out: {features: Float32Array [N*T*F],
//   close?: Float32Array [N*T], targets?: Float32Array [N*H]}, device?}) -> "cpu" | "cuda"
#include <napi.h>

#include <memory>

#include "../core/data/windowing.h"
#include "../cuda/cuda_api.h"
#include "candles_arg.h"
#include "device_choice.h"
#include "jobs.h"
#include "registry.h"
#include "sizes.h"

namespace {

using namespace ntp::binding;

Job prepare_windows(const Args& a) {
  Job job;
  ntp::Candles candles = candles_arg(a);
  ntp::WindowSpec spec;
  spec.lookback = static_cast<int32_t>(a.integer("lookback", 1, 1 << 20));
  std::size_t F = 0, H = 0, N = 0;
  spec.features = a.array<int32_t>("features", kAnyLength, &F);
  spec.feature_count = as_int32(a.field("features"), F);
  spec.center = a.optional_array<double>("center", F);
  spec.scale = a.optional_array<double>("scale", F);
  spec.horizons = a.array<int32_t>("horizons", kAnyLength, &H);
  spec.horizon_count = as_int32(a.field("horizons"), H);
  const int32_t* ends = a.array<int32_t>("ends", kAnyLength, &N);
  const Args out = a.child("out");
  const int64_t T = spec.lookback, n = static_cast<int64_t>(N);
  ntp::WindowOutputs o;
  o.features = out.output<float>("features", count_of(out.field("features"), {n, T, static_cast<int64_t>(F)}));
  o.close = out.optional_output<float>("close", count_of(out.field("close"), {n, T}));
  o.targets = out.optional_output<float>("targets", count_of(out.field("targets"), {n, static_cast<int64_t>(H)}));
  const bool cuda = use_cuda(a);
  job.work = [=] {
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::build_windows(candles, spec, ends, N, o);
#endif
    ntp::build_windows(candles, spec, ends, N, o);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

Job prepare_bar_features(const Args& a) {
  Job job;
  ntp::Candles candles = candles_arg(a);
  std::size_t F = 0;
  const int32_t* features = a.array<int32_t>("features", kAnyLength, &F);
  const int32_t f = as_int32(a.field("features"), F);
  double* out = a.output<double>("out", count_of(a.field("out"), {static_cast<int64_t>(candles.length), f}));
  job.work = [=] { ntp::compute_bar_features(candles, features, f, out); };
  return job;
}

}  // namespace

NTP_BINDING(windowing) {
  export_job(env, exports, "buildWindows", prepare_windows);
  export_job(env, exports, "computeBarFeatures", prepare_bar_features);
}
