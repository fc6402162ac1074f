// binaryOp({op: 0 add | 1 sub | 2 mul | 3 max | 4 relu gradient (a where b > 0), a, b: Float32Array,
//   out: Float32Array of max length}).
// Synchronous: it runs inside a tfjs kernel.
#include <napi.h>

#include <algorithm>
#include <string>

#include "../core/nn/elementwise.h"
#include "args.h"
#include "jobs.h"
#include "registry.h"

namespace {

using namespace ntp::binding;

Job prepare_binary(const Args& a) {
  const auto op = static_cast<ntp::BinaryOp>(a.integer("op", 0, ntp::kReluGrad));
  std::size_t na = 0, nb = 0;
  const float* x = a.array<float>("a", kAnyLength, &na);
  const float* y = a.array<float>("b", kAnyLength, &nb);
  const std::size_t n = std::max(na, nb);
  if ((na != 0 && n % na != 0) || (nb != 0 && n % nb != 0))
    throw Napi::RangeError::New(a.env(), "binaryOp: sizes " + std::to_string(na) + " and " + std::to_string(nb) + " do not broadcast as equal, scalar or trailing block");
  float* out = a.output<float>("out", n);
  Job job;
  job.work = [=] { ntp::binary_broadcast(op, x, na, y, nb, out); };
  return job;
}

}  // namespace

NTP_BINDING(elementwise) {
  export_sync(env, exports, "binaryOp", prepare_binary);
  // The op codes by name, so the TypeScript side never copies the enum.
  Napi::Object ops = Napi::Object::New(env);
  ops.Set("add", Napi::Number::New(env, ntp::kAdd));
  ops.Set("sub", Napi::Number::New(env, ntp::kSub));
  ops.Set("mul", Napi::Number::New(env, ntp::kMul));
  ops.Set("max", Napi::Number::New(env, ntp::kMax));
  ops.Set("reluGrad", Napi::Number::New(env, ntp::kReluGrad));
  exports.Set("binaryOps", ops);
}
