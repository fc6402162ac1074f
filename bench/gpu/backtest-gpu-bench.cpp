// GPU side of the backtest benchmark (SPEC §12): the bench/backtest-bench.js grid (EMA cross,
// stop + 3 tiers, 8 symbols x 50k bars x 200 pairs) on seeded random-walk candles, native CPU
// vs the CUDA twin in the same process, with the largest metric difference between them.
// Build and run on a CUDA machine from the repository root:
//   bash bench/gpu/run.sh   (builds this as a CMake target and runs it)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "../../native/core/backtest.h"
#include "../../native/cuda/cuda_api.h"
#include "../../native/tests/synthetic_candles.h"

using namespace ntp;

template <class F>
double median_ms(F&& f) {
  f();  // warm-up (CUDA context, thread pool)
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[2];
}

int main() {
  std::vector<test::OwnedCandles> ks;
  for (int s = 0; s < 8; ++s) ks.push_back(test::random_candles(50000, 100 + s));
  std::vector<BacktestSymbol> syms;
  for (auto& k : ks) syms.push_back({k.view(), 8760});
  std::vector<RuleSpec> rules;
  for (int f : {5, 8, 10, 12, 15, 20, 25, 30, 40, 50})
    for (int sl = 60; sl <= 250; sl += 10) rules.push_back({kRuleEmaCross, f, sl, 0, 0});
  bt::PathParams p;
  p.fee = 0.001; p.slip = 0.0005; p.stop_override = 0.02;
  p.target_override[0] = 0.01; p.target_override[1] = 0.02; p.target_override[2] = 0.04;
  const std::size_t paths = syms.size() * rules.size();
  const double combos = 50000.0 * paths;
  std::vector<double> cpu(paths * bt::kMetricCount), gpu(cpu.size());
  const double cpu_ms = median_ms([&] { backtest_rules(syms.data(), syms.size(), rules.data(), rules.size(), &p, 1, cpu.data(), nullptr); });
  std::printf("native cpu : %8.1f ms  %.3g bar-combos/s\n", cpu_ms, combos / cpu_ms * 1e3);
  if (!device_info().available) {
    std::printf("no usable CUDA device: %s\n", device_info().error.c_str());
    return 0;
  }
#ifdef NTP_HAVE_CUDA
  const double gpu_ms = median_ms([&] { cuda::backtest_rules(syms.data(), syms.size(), rules.data(), rules.size(), &p, 1, gpu.data()); });
  double worst = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double a = cpu[i], b = gpu[i];
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    worst = std::max(worst, std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b)));
  }
  std::printf("native cuda: %8.1f ms  %.3g bar-combos/s  (%s)  %.1fx cpu, max rel diff %.3g\n", gpu_ms,
              combos / gpu_ms * 1e3, device_info().name.c_str(), cpu_ms / gpu_ms, worst);
#endif
  return 0;
}
