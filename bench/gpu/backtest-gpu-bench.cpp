// GPU side of the backtest benchmark (SPEC §12), native CPU vs CUDA in the same process on
// seeded random-walk candles, with the largest metric difference from the CPU: the planned
// sweep (core/sweep_plan.h, cuda::run_sweep: the launches `ntp sweep --device cuda` makes, every
// usable GPU; a one-call GPU backtest is one such window on one GPU) as one call and window by
// window.
// Grids: the bench/backtest-bench.js one (EMA cross, stop + 3 tiers, 8 symbols x 50k bars x 200
// pairs), then two big enough to fill an H100 (100 symbols x 10k bars x 10k parameter sets: 200
// rules x 50 risk sets, and 5,000 rules x 2), each with the time of its event lists on the CPU
// and on the GPU (which must be the same lists). Exits 1 when no GPU ran or a result differs.
// Build and run on a CUDA machine from the repository root:
//   bash bench/gpu/run.sh   (builds this as a CMake target and runs it)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "../../native/core/backtest/backtest.h"
#include "../../native/core/backtest/sweep_plan.h"
#include "../../native/core/backtest/sweep_run.h"
#include "../../native/core/thread_pool.h"
#include "../../native/cuda/cuda_api.h"
#include "../../native/tests/synthetic_candles.h"

using namespace ntp;

template <class F>
double median_ms(F&& f, int runs) {
  f();  // warm-up (CUDA context, thread pool)
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Largest relative difference between two metric tables (NaN equal to NaN).
// The largest difference from the CPU, |a - b| / (1e-3 + max(|a|, |b|)): relative for metrics of
// normal size, with a floor so that values near 0 (leftover equity after a liquidation, a CAGR
// near 0) do not read as huge. Above 1e-9 (the parity target) the run fails.
constexpr double kParity = 1e-9;
constexpr uint64_t kSweepWindow = uint64_t{1} << 19;  // src/backtest/sweep.ts SWEEP_WINDOW_PATHS
bool parity_ok = true;

double worst_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) continue;
    const double d = std::fabs(a[i] - b[i]) / (1e-3 + std::max(std::fabs(a[i]), std::fabs(b[i])));
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  if (worst > kParity) {
    std::printf("FAIL: a metric differs from the CPU engine's by %.3g (> %.0e)\n", worst, kParity);
    parity_ok = false;
  }
  return worst;
}

// One grid on the CPU engine and the planned CUDA sweep: median times, throughput, largest
// difference from the CPU. False when no GPU ran.
bool run_grid(const char* name, std::size_t symbols, std::size_t bars, const std::vector<RuleSpec>& rules,
              const std::vector<bt::PathParams>& params, int cpu_runs) {
  std::vector<test::OwnedCandles> ks;
  for (std::size_t s = 0; s < symbols; ++s) ks.push_back(test::random_candles(bars, 100 + static_cast<uint32_t>(s)));
  std::vector<BacktestSymbol> syms;
  for (auto& k : ks) syms.push_back({k.view(), 8760});
  const std::size_t paths = symbols * rules.size() * params.size();
  const double combos = static_cast<double>(bars) * static_cast<double>(paths);
  std::printf("== %s: %zu symbols x %zu bars x %zu rules x %zu parameter sets = %.3g bar-combos\n", name, symbols, bars,
              rules.size(), params.size(), combos);
  std::vector<double> cpu(paths * bt::kMetricCount), gpu(cpu.size());
  const double cpu_ms = median_ms([&] {
    backtest_rules(syms.data(), syms.size(), rules.data(), rules.size(), params.data(), params.size(), cpu.data(), nullptr);
  }, cpu_runs);
  std::printf("native cpu           : %9.1f ms  %.3g bar-combos/s (%zu threads)\n", cpu_ms, combos / cpu_ms * 1e3, thread_count());
  SweepInputs in;
  in.symbols = syms.data();
  in.S = syms.size();
  in.rules = rules.data();
  in.R = rules.size();
  in.params = params.data();
  in.P = params.size();
  const sweep::Plan cpu_plan = sweep::plan_sweep(sweep_shape(in), {std::size_t{1} << 14, 1, 1}, 0, paths);
  const double planned_ms = median_ms([&] { run_sweep(in, cpu_plan, gpu.data()); }, cpu_runs);
  std::printf("native cpu planned   : %9.1f ms  %.3g bar-combos/s (%zu launches)  max diff %.3g\n", planned_ms,
              combos / planned_ms * 1e3, cpu_plan.launches.size(), worst_diff(cpu, gpu));
  // The event lists alone (every symbol, every rule), which the planned runs compute first.
  std::vector<uint32_t> all(symbols);
  for (std::size_t s = 0; s < symbols; ++s) all[s] = static_cast<uint32_t>(s);
  const std::vector<std::pair<uint32_t, uint32_t>> whole(symbols, {0, static_cast<uint32_t>(rules.size())});
  std::vector<SymbolEvents> cpu_events;
  const double cpu_events_ms = median_ms([&] { cpu_events = rule_events_of(in, all, whole); }, cpu_runs);
  std::size_t events = 0;
  for (const SymbolEvents& e : cpu_events) events += e.events.size();
  std::printf("event lists cpu      : %9.1f ms  (%zu events)\n", cpu_events_ms, events);
  if (!device_info().available) {
    std::printf("no usable CUDA device: %s\n", device_info().error.c_str());
    return false;
  }
#ifdef NTP_HAVE_CUDA
  std::vector<SymbolEvents> gpu_events;
  const double gpu_events_ms = median_ms([&] { gpu_events = cuda::rule_events_of(in, all, whole); }, 5);
  bool same = gpu_events.size() == cpu_events.size();
  for (std::size_t s = 0; same && s < symbols; ++s)
    same = gpu_events[s].offsets == cpu_events[s].offsets && gpu_events[s].events == cpu_events[s].events;
  std::printf("event lists cuda     : %9.1f ms  %.1fx cpu (closes up and lists down included)%s\n", gpu_events_ms,
              cpu_events_ms / gpu_events_ms, same ? "" : "  FAIL: the lists differ from the CPU's");
  parity_ok = parity_ok && same;
  std::fill(gpu.begin(), gpu.end(), 0.0);
  const std::size_t gpus = static_cast<std::size_t>(device_info().device_count);
  const sweep::Plan plan = sweep::plan_sweep(sweep_shape(in), {sweep::cuda_launch_slots(paths, gpus), sweep::kWarp, gpus}, 0, paths);
  const double plan_ms = median_ms([&] { cuda::run_sweep(in, plan, gpu.data()); }, 5);
  std::printf("native cuda planned  : %9.1f ms  %.3g bar-combos/s  (%zu launches on %zu GPUs, %s)  %.1fx cpu, max diff %.3g\n",
              plan_ms, combos / plan_ms * 1e3, plan.launches.size(), gpus, device_info().name.c_str(), cpu_ms / plan_ms,
              worst_diff(cpu, gpu));
  // As `ntp sweep` calls it: one run_sweep per window of kSweepWindow paths (each call uploads
  // its symbols, risk sets and event lists again), so the per-call cost shows against the above.
  std::fill(gpu.begin(), gpu.end(), 0.0);
  std::size_t windows = 0;
  const double window_ms = median_ms([&] {
    windows = 0;
    for (uint64_t b = 0; b < paths; b += kSweepWindow, ++windows) {
      const uint64_t e = std::min<uint64_t>(paths, b + kSweepWindow);
      const sweep::Plan w = sweep::plan_sweep(sweep_shape(in), {sweep::cuda_launch_slots(e - b, gpus), sweep::kWarp, gpus}, b, e);
      cuda::run_sweep(in, w, gpu.data() + b * bt::kMetricCount);
    }
  }, 5);
  std::printf("native cuda windowed : %9.1f ms  %.3g bar-combos/s  (%zu calls of <= %llu paths)  %.1fx cpu, max diff %.3g\n",
              window_ms, combos / window_ms * 1e3, windows, static_cast<unsigned long long>(kSweepWindow), cpu_ms / window_ms,
              worst_diff(cpu, gpu));
#endif
  return true;
}

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";  // a smoke run of the code path
  std::vector<RuleSpec> rules;
  for (int f : {5, 8, 10, 12, 15, 20, 25, 30, 40, 50})
    for (int sl = 60; sl <= 250; sl += 10) rules.push_back({rule_kind<EmaCross>(), {static_cast<double>(f), static_cast<double>(sl)}});
  bt::PathParams p;
  p.fee = 0.001; p.slip = 0.0005; p.stop_override = 0.02;
  p.target_override[0] = 0.01; p.target_override[1] = 0.02; p.target_override[2] = 0.04;
  // The npm run bench grid (bench/backtest-bench.js), on random walks.
  bool gpu_ran = run_grid("bench grid", quick ? 2 : 8, quick ? 5000 : 50000, rules, {p}, 5);
  // A grid big enough to fill an H100 (SPEC §12's 1e11 target): 100 symbols x 10k parameter
  // sets (200 EMA pairs x 50 risk sets: stops 1-5%, three target ladders, fees 5/10 bps).
  std::vector<bt::PathParams> risk;
  for (int stop = 1; stop <= 5; ++stop)
    for (double first : {0.005, 0.01, 0.02, 0.03, 0.05})
      for (double fee : {0.0005, 0.001}) {
        bt::PathParams q = p;
        q.stop_override = 0.01 * stop;
        q.target_override[0] = first; q.target_override[1] = 2 * first; q.target_override[2] = 4 * first;
        q.fee = fee;
        risk.push_back(q);
      }
  gpu_ran = run_grid("fill grid", quick ? 2 : 100, quick ? 2000 : 10000, rules, risk, 1) && gpu_ran;
  // As many paths with rules in place of risk sets (5,000 EMA pairs x 2 fees): the event lists
  // grow with the rules, so here they weigh most against the paths' kernels.
  std::vector<RuleSpec> many;
  for (int f = 2; f < 102; ++f)
    for (int sl = 110; sl < 610; sl += 10) many.push_back({rule_kind<EmaCross>(), {static_cast<double>(f), static_cast<double>(sl)}});
  gpu_ran = run_grid("rule grid", quick ? 2 : 100, quick ? 2000 : 10000, many, {risk[0], risk[1]}, 1) && gpu_ran;
  return gpu_ran && parity_ok ? 0 : 1;  // bench/gpu/run.sh fails when the GPU did not run or differs
}
