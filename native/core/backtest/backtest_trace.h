// The run_path sink that writes one traced path's trade log and equity curve (CPU only:
// traced paths are few, so even a CUDA run traces them on the CPU).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "backtest_step.h"

namespace ntp::bt {

struct TraceSink {
  double* trades;       // [capacity, kTradeFields]
  std::size_t capacity;
  int32_t count = 0;
  double* equity_out;   // [bars] or nullptr

  void trade(const PathState& s, int32_t exit_index, int32_t reason) {
    // Each trade opens on its own bar, so capacity = bars can never overflow; guard anyway.
    if (static_cast<std::size_t>(count) >= capacity) return;
    double* r = trades + static_cast<std::size_t>(count) * kTradeFields;
    r[kTEntryIndex] = s.entry_index;
    r[kTExitIndex] = exit_index;
    r[kTSide] = s.side;
    r[kTEntryPrice] = s.entry;
    r[kTExitPrice] = s.exit_value / s.qty0;  // quantity-weighted average of every exit fill
    r[kTQuantity] = s.qty0;
    r[kTNotional] = s.notional;
    r[kTReason] = reason;
    r[kTFees] = s.fees;
    r[kTPnl] = s.pnl;
    r[kTBarsHeld] = s.held;
    for (int k = 0; k < 3; ++k) {
      const bool hit = s.tier_index[k] >= 0;
      r[kTTierIndex + k] = s.tier_index[k];
      r[kTTierPrice + k] = hit ? s.target[k] : NAN;
      r[kTTierQty + k] = hit ? s.tier_qty[k] : 0.0;
    }
    ++count;
  }
  void equity(long t, double e) {
    if (equity_out) equity_out[t] = e;
  }
};

}  // namespace ntp::bt
