// adamStep({params, grads, m, v: Float32Array[] (one per tensor, matching lengths),
//   learningRate, beta1, beta2, epsilon, step, clipNorm}) -> global gradient norm.
// Synchronous: it runs between two tfjs ops of a training step.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "../core/optimizer.h"
#include "args.h"
#include "jobs.h"
#include "registry.h"

namespace {

using namespace ntp::binding;

std::vector<float*> float_arrays(const Args& a, const char* key, std::vector<std::size_t>* lengths) {
  Napi::Value v = a.value(key);
  if (!v.IsArray()) throw Napi::TypeError::New(a.env(), a.field(key) + " must be an array of Float32Array (got " + Args::describe(v) + ")");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<float*> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    const std::string name = a.field(key) + "[" + std::to_string(i) + "]";
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(a.env(), name + " must be a Float32Array (got " + Args::describe(e) + ")");
    auto t = e.As<Napi::Float32Array>();
    if (lengths->size() <= i) lengths->push_back(t.ElementLength());
    else if ((*lengths)[i] != t.ElementLength())
      throw Napi::RangeError::New(a.env(), name + " has length " + std::to_string(t.ElementLength()) + ", expected " + std::to_string((*lengths)[i]));
    out.push_back(t.Data());
  }
  return out;
}

Job prepare_adam(const Napi::CallbackInfo& info) {
  Args a(info.Env(), info[0], "adamStep: options");
  std::vector<std::size_t> sizes;
  auto params = float_arrays(a, "params", &sizes);
  auto grads = float_arrays(a, "grads", &sizes);
  auto m = float_arrays(a, "m", &sizes);
  auto v = float_arrays(a, "v", &sizes);
  if (grads.size() != params.size() || m.size() != params.size() || v.size() != params.size())
    throw Napi::RangeError::New(a.env(), "adamStep: params, grads, m and v must hold the same number of tensors");
  ntp::AdamStep s;
  s.learning_rate = a.number("learningRate");
  s.beta1 = a.number("beta1", 0.9);
  s.beta2 = a.number("beta2", 0.999);
  s.epsilon = a.number("epsilon", 1e-7);
  s.step = a.integer("step", 1, int64_t(1) << 52);
  s.clip_norm = a.number("clipNorm", 0);
  std::vector<ntp::AdamTensor> tensors;
  for (std::size_t i = 0; i < params.size(); ++i) tensors.push_back({params[i], grads[i], m[i], v[i], sizes[i]});
  auto norm = std::make_shared<double>(0);
  Job job;
  for (const char* k : {"params", "grads", "m", "v"}) job.keep_alive.push_back(a.value(k));
  job.work = [tensors, s, norm] { *norm = ntp::adam_step(tensors.data(), tensors.size(), s); };
  job.result = [norm](Napi::Env env) { return Napi::Number::New(env, *norm); };
  return job;
}

}  // namespace

NTP_BINDING(optimizer) {
  exports.Set("adamStep", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return run_sync(info.Env(), "adamStep", prepare_adam(info));
  }, "adamStep"));
}
