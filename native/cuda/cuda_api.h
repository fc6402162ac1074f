// The CUDA side of the core, callable from plain C++ (no CUDA types here). Every function
// besides device_info() exists only when NTP_HAVE_CUDA is defined; callers check
// device_info().available first and fall back to the CPU twin otherwise.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../core/backtest/backtest.h"
#include "../core/nn/gemm.h"
#include "../core/nn/lstm.h"
#include "../core/indicators/indicator_layers.h"
#include "../core/backtest/sweep_run.h"
#include "../core/data/windowing.h"

namespace ntp {

struct DeviceInfo {
  bool compiled = false;   // the addon was built with CUDA kernels
  bool available = false;  // ...and a usable device answered at run time
  int device_count = 0;
  std::string name;        // first device's name, empty when none
  std::size_t memory = 0;  // its global memory in bytes
  std::string error;       // why CUDA is unavailable, when it is not
};

// Queried once and cached: a machine without a GPU reports available = false, never crashes.
const DeviceInfo& device_info();

// Records a CUDA error (its cudaError_t code) if it breaks the context (an illegal address, a
// failed launch, a device-side assert...): every later CUDA call in the process then fails, so
// from then on cuda_usable() says no, naming that first error, and `auto` runs on the CPU.
void note_cuda_error(int code, const char* what);
// device_info().available and no context-breaking error since; `why` gets the reason when not.
bool cuda_usable(std::string* why = nullptr);

#ifdef NTP_HAVE_CUDA
namespace cuda {
void build_windows(const Candles& candles, const WindowSpec& spec, const int32_t* ends,
                   std::size_t count, const WindowOutputs& out);
// Twin of ntp::gemm on host pointers: copies gemm_extents() of each operand to the device,
// runs the tiled kernel, copies C back.
void gemm(const GemmArgs& args);
// Twins of core/indicator_layers.h (same arguments, same checks, same results to float32).
void indicator_forward(const IndicatorBatch& b, float* out);
void indicator_backward(const IndicatorBatch& b, const float* grad_out, float* grad_close,
                        float* grad_periods);
// Twins of core/lstm.h (same shapes and checks; results match the CPU to float32).
void lstm_forward(const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out);
void lstm_backward(const LstmShape& s, const float* x, const LstmWeights& w, const float* h,
                   const float* gates, const float* cells, const float* dh, const LstmGrads& grads);
// Twins of core/backtest.h: every path in one planned window of run_sweep below (the first
// GPU), summary metrics only (traces run on the CPU); same checks, the CPU engines' results.
void backtest_signals(const BacktestSymbol* symbols, const SignalColumns* signals, std::size_t S,
                      const bt::PathParams* params, std::size_t P, double* metrics,
                      InputCheck input_check = InputCheck::kRun);
void backtest_rules(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R,
                    const bt::PathParams* params, std::size_t P, double* metrics,
                    InputCheck input_check = InputCheck::kRun);
// A planned sweep window on the GPUs, each launch on GPU plan.launches[i].device (cuda/sweep.cu):
// the same placement, progress and paths as ntp::run_sweep, on the same event lists.
void run_sweep(const SweepInputs& in, const sweep::Plan& plan, double* metrics, const SweepProgress& progress = {});
// Twin of ntp::rule_events_of: the lists computed on the GPU (cuda/sweep_events.cu), as the
// planned sweep computes them, brought back to the host.
std::vector<SymbolEvents> rule_events_of(const SweepInputs& in, const std::vector<uint32_t>& symbols,
                                         const std::vector<std::pair<uint32_t, uint32_t>>& ranges);
}  // namespace cuda
#endif

}  // namespace ntp
