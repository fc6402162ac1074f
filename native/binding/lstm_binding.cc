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

#include "../core/nn/lstm.h"
#include "../cuda/cuda_api.h"
#include "args.h"
#include "device_choice.h"
#include "jobs.h"
#include "lstm_args.h"
#include "registry.h"
#include "sizes.h"

namespace {

using namespace ntp::binding;

ntp::LstmWeights weights_arg(const Args& a, const LstmSizes& n) {
  ntp::LstmWeights w;
  w.kernel = a.array<float>("kernel", n.kernel);
  w.recurrent = a.array<float>("recurrentKernel", n.recurrent);
  return w;
}

// What both forward passes read: the shape, x, the weights and the bias.
struct ForwardInputs {
  ntp::LstmShape s;
  const float* x;
  ntp::LstmWeights w;
};

ForwardInputs forward_inputs(const Args& a, const ntp::LstmShape& s, const LstmSizes& n) {
  ForwardInputs in;
  in.s = s;
  in.x = a.array<float>("x", n.x);
  in.w = weights_arg(a, n);
  in.w.bias = a.array<float>("bias", n.bias);
  return in;
}

Job prepare_forward(const Args& a) {
  const ntp::LstmShape s = lstm_shape_arg(a);
  const LstmSizes n(a, s);
  const ForwardInputs in = forward_inputs(a, s, n);
  const Args out = a.child("out");
  ntp::LstmForwardOut o;
  o.h = out.output<float>("h", n.seq);
  o.gates = out.output<float>("gates", n.gates);
  o.cells = out.output<float>("cells", n.seq);
  const bool cuda = use_cuda(a);
  a.need_memory(ntp::lstm_scratch_bytes(s, ntp::LstmPass::kForward));
  Job job;
  job.work = [=] {
#ifdef NTP_HAVE_CUDA
    if (cuda) return ntp::cuda::lstm_forward(in.s, in.x, in.w, o);
#endif
    ntp::lstm_forward(in.s, in.x, in.w, o);
  };
  job.result = [cuda](Napi::Env env) { return Napi::String::New(env, cuda ? "cuda" : "cpu"); };
  return job;
}

Job prepare_inference(const Args& a) {
  const ntp::LstmShape s = lstm_shape_arg(a);
  const LstmSizes n(a, s);
  const ForwardInputs in = forward_inputs(a, s, n);
  const bool last_only = a.boolean("lastOnly", false);
  float* h = a.child("out").output<float>("h", last_only ? n.last : n.seq);
  a.need_memory(ntp::lstm_scratch_bytes(s, ntp::LstmPass::kInference));
  Job job;
  job.work = [=] { ntp::lstm_inference(in.s, in.x, in.w, h, last_only); };
  return job;
}

Job prepare_backward(const Args& a) {
  const ntp::LstmShape s = lstm_shape_arg(a);
  const LstmSizes n(a, s);
  const float* x = a.array<float>("x", n.x);
  const ntp::LstmWeights w = weights_arg(a, n);
  const float* h = a.array<float>("h", n.seq);
  const float* gates = a.array<float>("gates", n.gates);
  const float* cells = a.array<float>("cells", n.seq);
  const float* dh = a.array<float>("dh", n.seq);
  const Args out = a.child("out");
  ntp::LstmGrads g;
  g.dx = out.output<float>("dx", n.x);
  g.dkernel = out.output<float>("dKernel", n.kernel);
  g.drecurrent = out.output<float>("dRecurrentKernel", n.recurrent);
  g.dbias = out.output<float>("dBias", n.bias);
  const bool cuda = use_cuda(a);
  a.need_memory(ntp::lstm_scratch_bytes(s, ntp::LstmPass::kBackward));
  Job job;
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
