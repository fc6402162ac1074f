// The Adam step's options and result as both Adam bindings read and return them (adamStep on
// typed arrays, tensorAdamStep on the ntp backend's buffers): {learningRate, beta1?, beta2?,
// epsilon?, step, clipNorm?, l2?: Float32Array (one coefficient per tensor)} ->
// {norm, penalty, applied} (core/nn/optimizer.h).
#pragma once
#include <napi.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/nn/optimizer.h"
#include "args.h"

namespace ntp::binding {

inline ntp::AdamStep adam_step_arg(const Args& a) {
  ntp::AdamStep s;
  s.learning_rate = a.number("learningRate");
  s.beta1 = a.number("beta1", s.beta1);
  s.beta2 = a.number("beta2", s.beta2);
  s.epsilon = a.number("epsilon", s.epsilon);
  s.step = a.integer("step", 1, int64_t{1} << 52);
  s.clip_norm = a.number("clipNorm", 0);
  ntp::check_adam_step(s);
  return s;
}

// Sets each tensor's L2 coefficient from the optional `l2` (finite, >= 0; absent: none).
inline void adam_l2_arg(const Args& a, std::vector<ntp::AdamTensor>& tensors) {
  if (!a.has("l2")) return;
  const float* l2 = a.array<float>("l2", tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (!(std::isfinite(l2[i]) && l2[i] >= 0))
      throw std::invalid_argument(a.field("l2") + "[" + std::to_string(i) + "] = " + std::to_string(l2[i]) + " must be finite and >= 0");
    tensors[i].l2 = l2[i];
  }
}

inline Napi::Value adam_result(Napi::Env env, const ntp::AdamResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("norm", r.norm);
  o.Set("penalty", r.penalty);
  o.Set("applied", r.applied);
  return o;
}

}  // namespace ntp::binding
