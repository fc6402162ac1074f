// Pointwise LSTM cell math for one (batch row, unit), used by the CUDA twin; core/lstm.cpp
// restates the same formulas row-wise so the compiler vectorises them (keep the two in step).
// z points at the pre-activations of one row ([4U]: i, f, g, o blocks), and the activated gates
// are written back in place (the backward pass needs exactly those).
#pragma once
#include <cmath>

#include "gemm_math.h"
#include "../hd.h"

namespace ntp {

NTP_HD void lstm_cell_forward(float* z, long units, long u, float c_prev, float* c_out, float* h_out) {
  const float i = fast_sigmoidf(z[u]);
  const float f = fast_sigmoidf(z[units + u]);
  const float g = fast_tanhf(z[2 * units + u]);
  const float o = fast_sigmoidf(z[3 * units + u]);
  const float c = f * c_prev + i * g;
  z[u] = i;
  z[units + u] = f;
  z[2 * units + u] = g;
  z[3 * units + u] = o;
  *c_out = c;
  *h_out = o * fast_tanhf(c);
}

// Given dL/dh_t (from the output and the next step) and dL/dc_t carried from the next step,
// writes dL/dz_t into dz (same layout as the gates) and returns dL/dc_{t-1}.
NTP_HD float lstm_cell_backward(const float* gates, long units, long u, float c, float c_prev,
                                float dh, float dc_next, float* dz) {
  const float i = gates[u], f = gates[units + u], g = gates[2 * units + u], o = gates[3 * units + u];
  const float tc = fast_tanhf(c);
  const float dc = dc_next + dh * o * (1.0f - tc * tc);
  dz[u] = dc * g * i * (1.0f - i);
  dz[units + u] = dc * c_prev * f * (1.0f - f);
  dz[2 * units + u] = dc * i * (1.0f - g * g);
  dz[3 * units + u] = dh * tc * o * (1.0f - o);
  return dc * f;
}

}  // namespace ntp
