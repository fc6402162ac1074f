// adamStep({params, grads, m, v: Float32Array[] (one per tensor, matching lengths),
//   learningRate, beta1, beta2, epsilon, step, clipNorm, l2?}) -> {norm, penalty, applied} (adam_args.h).
// Synchronous: it runs between two tfjs ops of a training step.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "../core/nn/optimizer.h"
#include "adam_args.h"
#include "args.h"
#include "jobs.h"
#include "registry.h"

namespace {

using namespace ntp::binding;

// `access`: grads are read, params and the moments updated in place.
std::vector<float*> float_arrays(const Args& a, const char* key, std::vector<std::size_t>* lengths, Access access) {
  Napi::Value v = a.value(key);
  if (!v.IsArray()) throw Napi::TypeError::New(a.env(), a.field(key) + " must be an array of Float32Array (got " + Args::describe(v) + ")");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<float*> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    const std::string name = a.field(key) + "[" + std::to_string(i) + "]";
    std::size_t n = 0;
    out.push_back(a.view<float>(e, name, lengths->size() <= i ? kAnyLength : (*lengths)[i], &n, access));
    if (lengths->size() <= i) lengths->push_back(n);
  }
  return out;
}

Job prepare_adam(const Args& a) {
  std::vector<std::size_t> sizes;
  auto params = float_arrays(a, "params", &sizes, Access::kWrite);
  auto grads = float_arrays(a, "grads", &sizes, Access::kRead);
  auto m = float_arrays(a, "m", &sizes, Access::kWrite);
  auto v = float_arrays(a, "v", &sizes, Access::kWrite);
  if (grads.size() != params.size() || m.size() != params.size() || v.size() != params.size())
    throw Napi::RangeError::New(a.env(), "adamStep: params, grads, m and v must hold the same number of tensors");
  const ntp::AdamStep s = adam_step_arg(a);
  std::vector<ntp::AdamTensor> tensors;
  for (std::size_t i = 0; i < params.size(); ++i) tensors.push_back({params[i], grads[i], m[i], v[i], sizes[i]});
  adam_l2_arg(a, tensors);
  auto result = std::make_shared<ntp::AdamResult>();
  Job job;
  job.work = [tensors, s, result] { *result = ntp::adam_step(tensors.data(), tensors.size(), s); };
  job.result = [result](Napi::Env env) { return adam_result(env, *result); };
  return job;
}

}  // namespace

NTP_BINDING(optimizer) {
  export_sync(env, exports, "adamStep", prepare_adam);
}
