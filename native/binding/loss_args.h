// The composite loss's settings and sizes as both loss bindings read them (tensor_kernels_binding.cc
// on typed arrays, tensor_loss_binding.cc on the ntp backend's tensor buffers):
// {batch, horizons, weights [4], horizonWeights [H], alpha [H], priceDelta, gamma, trendDelta,
//  tau, trendLocal, trendGlobal, trendAgreement}.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/nn/composite_loss.h"
#include "args.h"
#include "sizes.h"

namespace ntp::binding {

struct LossArgs {
  ntp::CompositeLoss spec;
  std::size_t heads = 0, targets = 0;  // element counts of heads [B, 3H] and of y, d [B, H]
  explicit LossArgs(const Args& a) {
    spec.batch = a.integer("batch", 1, int64_t{1} << 40);
    spec.horizons = static_cast<int32_t>(a.integer("horizons", 1, ntp::kMaxLossHorizons));
    const std::size_t H = static_cast<std::size_t>(spec.horizons);
    heads = count_of(a.field("heads"), {spec.batch, 3 * int64_t{spec.horizons}});
    targets = count_of(a.field("y"), {spec.batch, int64_t{spec.horizons}});
    const float* w = a.array<float>("weights", ntp::kLossTerms);
    const float* hw = a.array<float>("horizonWeights", H);
    const float* alpha = a.array<float>("alpha", H);
    for (int32_t k = 0; k < ntp::kLossTerms; ++k) spec.weight[k] = w[k];
    for (std::size_t h = 0; h < H; ++h) {
      spec.horizon_weight[h] = hw[h];
      spec.alpha[h] = alpha[h];
    }
    spec.price_delta = static_cast<float>(a.number("priceDelta"));
    spec.gamma = static_cast<float>(a.number("gamma"));
    spec.trend_delta = static_cast<float>(a.number("trendDelta"));
    spec.tau = static_cast<float>(a.number("tau"));
    spec.trend_local = a.boolean("trendLocal", false);
    spec.trend_global = a.boolean("trendGlobal", false);
    spec.trend_agreement = a.boolean("trendAgreement", false);
    ntp::check_composite_loss(spec);
  }
};

}  // namespace ntp::binding
