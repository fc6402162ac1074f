// lstmForward / lstmBackward (and their Async forms) over core/lstm (CPU) or its CUDA twin.
//
// lstmForward({x: Float32Array [B*T*F], kernel [F*4U], recurrentKernel [U*4U], bias [4U],
//   batch, steps, features, units, goBackwards?, device?,
//   out: {h [B*T*U], gates [B*T*4U], cells [B*T*U]}}) -> "cpu" | "cuda"
// lstmInference({x, kernel, recurrentKernel, bias, batch, steps, features, units, goBackwards?,
//   lastOnly?, out: {h [B*T*U], or [B*U] with lastOnly}}) (CPU; nothing kept for a backward pass)
// lstmBackward({x, kernel, recurrentKernel, h, gates, cells, dh [B*T*U], batch, steps,
//   features, units, goBackwards?, device?,
//   out: {dx [B*T*F], dKernel [F*4U], dRecurrentKernel [U*4U], dBias [4U]}}) -> "cpu" | "cuda"
#include <napi.h>

#include "../core/lstm.h"
#include "../cuda/cuda_api.h"
#include "args.h"
#include "device_choice.h"
#include "jobs.h"
#include "registry.h"

namespace {

using namespace ntp::binding;

constexpr int64_t kMaxDim = int64_t{1} << 24;

ntp::LstmShape shape_arg(const Args& a) {
  ntp::LstmShape s;
  s.batch = a.integer("batch", 1, kMaxDim);
  s.steps = a.integer("steps", 1, kMaxDim);
  s.features = a.integer("features", 1, kMaxDim);
  s.units = a.integer("units", 1, kMaxDim);
  s.reverse = a.boolean("goBackwards", false);
  return s;
}

std::size_t sz(int64_t v) { return static_cast<std::size_t>(v); }

ntp::LstmWeights weights_arg(const Args& a, const ntp::LstmShape& s, Job& job) {
  ntp::LstmWeights w;
  w.kernel = a.array<float>("kernel", sz(s.features * 4 * s.units));
  w.recurrent = a.array<float>("recurrentKernel", sz(s.units * 4 * s.units));
  for (const char* k : {"kernel", "recurrentKernel"}) job.keep_alive.push_back(a.value(k));
  return w;
}

// What both forward passes read: the shape, x, the weights and the bias.
struct ForwardInputs {
  ntp::LstmShape s;
  const float* x;
  ntp::LstmWeights w;
};

ForwardInputs forward_inputs(const Args& a, Job& job) {
  ForwardInputs in;
  in.s = shape_arg(a);
  in.x = a.array<float>("x", sz(in.s.batch * in.s.steps * in.s.features));
  in.w = weights_arg(a, in.s, job);
  in.w.bias = a.array<float>("bias", sz(4 * in.s.units));
  for (const char* k : {"x", "bias"}) job.keep_alive.push_back(a.value(k));
  return in;
}

Job prepare_forward(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "lstmForward: options");
  Job job;
  const ForwardInputs in = forward_inputs(a, job);
  const int64_t BT = in.s.batch * in.s.steps;
  Args out(info.Env(), a.value("out"), a.field("out"));
  ntp::LstmForwardOut o;
  o.h = out.array<float>("h", sz(BT * in.s.units));
  o.gates = out.array<float>("gates", sz(BT * 4 * in.s.units));
  o.cells = out.array<float>("cells", sz(BT * in.s.units));
  const bool cuda = use_cuda(a);
  job.keep_alive.push_back(a.value("out"));
  job.work = [=] {
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::lstm_forward(in.s, in.x, in.w, o);
#endif
    ntp::lstm_forward(in.s, in.x, in.w, o);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

Job prepare_inference(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "lstmInference: options");
  Job job;
  const ForwardInputs in = forward_inputs(a, job);
  const bool last_only = a.boolean("lastOnly", false);
  Args out(info.Env(), a.value("out"), a.field("out"));
  float* h = out.array<float>("h", sz((last_only ? in.s.batch : in.s.batch * in.s.steps) * in.s.units));
  job.keep_alive.push_back(a.value("out"));
  job.work = [=] { ntp::lstm_inference(in.s, in.x, in.w, h, last_only); };
  return job;
}

Job prepare_backward(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "lstmBackward: options");
  Job job;
  const ntp::LstmShape s = shape_arg(a);
  const int64_t BT = s.batch * s.steps;
  const float* x = a.array<float>("x", sz(BT * s.features));
  const ntp::LstmWeights w = weights_arg(a, s, job);
  const float* h = a.array<float>("h", sz(BT * s.units));
  const float* gates = a.array<float>("gates", sz(BT * 4 * s.units));
  const float* cells = a.array<float>("cells", sz(BT * s.units));
  const float* dh = a.array<float>("dh", sz(BT * s.units));
  Args out(info.Env(), a.value("out"), a.field("out"));
  ntp::LstmGrads g;
  g.dx = out.array<float>("dx", sz(BT * s.features));
  g.dkernel = out.array<float>("dKernel", sz(s.features * 4 * s.units));
  g.drecurrent = out.array<float>("dRecurrentKernel", sz(s.units * 4 * s.units));
  g.dbias = out.array<float>("dBias", sz(4 * s.units));
  const bool cuda = use_cuda(a);
  for (const char* k : {"x", "h", "gates", "cells", "dh", "out"}) job.keep_alive.push_back(a.value(k));
  job.work = [=] {
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::lstm_backward(s, x, w, h, gates, cells, dh, g);
#endif
    ntp::lstm_backward(s, x, w, h, gates, cells, dh, g);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

}  // namespace

NTP_BINDING(lstm) {
  export_job(env, exports, "lstmForward", prepare_forward);
  export_job(env, exports, "lstmInference", prepare_inference);
  export_job(env, exports, "lstmBackward", prepare_backward);
}
