// quiet_bars (backtest_step.h) eight bars at a time with AVX-512, for summary-only CPU runs,
// where bars on which an open position is only marked are most of the work of a sweep.
//
// Every per-bar value but the return is computed with the same operations as quiet_bars, so
// the equity, peak, drawdown and time under water of each bar are bit-identical to it, and so
// is the bar at which the run stops. The return's quotient is correctly rounded but in rare
// halfway cases (quotient() below). The three return sums are accumulated in eight lanes,
// across all the quiet runs of a path, and folded into the path's state once at its end
// (QuietLanes::fold): they differ from one-by-one sums by rounding only (~1e-16 relative).
#pragma once
#if defined(__AVX512F__) && !defined(__CUDACC__)
#define NTP_BT_QUIET_SIMD 1
#include <immintrin.h>

#include <cmath>

#include "backtest_step.h"

// GCC 12 reports the intrinsics' own "undefined" pass-through operands as (maybe) uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace ntp::bt {

// The accumulators a path's quiet runs share.
struct QuietLanes {
  __m512d sum_r = _mm512_setzero_pd(), sum_r2 = _mm512_setzero_pd(), sum_down2 = _mm512_setzero_pd();
  void fold(PathState& s) const {
    s.sum_r += _mm512_reduce_add_pd(sum_r);
    s.sum_r2 += _mm512_reduce_add_pd(sum_r2);
    s.sum_down2 += _mm512_reduce_add_pd(sum_down2);
  }
};

namespace quiet_simd {

// Lane i of the result is lane i-k of x (the first k lanes are `fill`).
template <int k>
inline __m512d shift_up(__m512d x, __m512d fill) {
  return _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(x), _mm512_castpd_si512(fill), 8 - k));
}

// Running maximum across the lanes, starting from `carry` (lane i: max(carry, x_0..x_i)).
inline __m512d prefix_max(__m512d x, __m512d carry) {
  const __m512d low = _mm512_set1_pd(-INFINITY);
  x = _mm512_max_pd(x, shift_up<1>(x, low));
  x = _mm512_max_pd(x, shift_up<2>(x, low));
  x = _mm512_max_pd(x, shift_up<4>(x, low));
  return _mm512_max_pd(x, carry);
}

// a / b in the lanes of `lanes` (b > 0), correctly rounded but in rare halfway cases (then
// one ulp off): a reciprocal estimate refined twice by Newton's method, and the quotient
// corrected once by its residual (Markstein). The divider is the bottleneck of a quiet run
// (one division per bar, 16 cycles per eight); these are fused multiply-adds, two per cycle.
// Where the refinement cannot work (a subnormal divisor, an overflowing quotient) it ends in
// NaN, and those blocks take the division.
inline __m512d quotient(__m512d a, __m512d b, __mmask8 lanes) {
  const __m512d one = _mm512_set1_pd(1.0);
  __m512d y = _mm512_rcp14_pd(b);                                 // ~2^-14 relative error
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(b, y, one), y);        // ~2^-28
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(b, y, one), y);        // ~2^-53
  const __m512d q = _mm512_mul_pd(a, y);
  const __m512d refined = _mm512_fmadd_pd(_mm512_fnmadd_pd(q, b, a), y, q);  // q + (a - q b) / b
  if (_mm512_mask_cmp_pd_mask(lanes, refined, refined, _CMP_UNORD_Q)) return _mm512_maskz_div_pd(lanes, a, b);
  return refined;
}

// For each 8-bit mask of the bars that set a new peak: the longest run of bars strictly
// between two of them (0 with fewer than two).
struct InnerGaps {
  unsigned char longest[256];
  constexpr InnerGaps() : longest() {
    for (int m = 0; m < 256; ++m) {
      int prev = -1, best = 0;
      for (int k = 0; k < 8; ++k) {
        if (!((m >> k) & 1)) continue;
        if (prev >= 0 && k - prev - 1 > best) best = k - prev - 1;
        prev = k;
      }
      longest[m] = static_cast<unsigned char>(best);
    }
  }
};
inline constexpr InnerGaps kInnerGaps{};

// Time under water (mark()'s dd_run and max_dd_run) after `quiet` bars, of which those in
// `new_peak` set a new peak: the bars since the last new peak, and the longest such run.
inline void under_water(unsigned new_peak, int quiet, int32_t& run, int32_t& longest) {
  int32_t most;
  if (new_peak == 0) {
    run += quiet;
    most = run;
  } else {
    const int first = __builtin_ctz(new_peak), last = 31 - __builtin_clz(new_peak);
    most = run + first;  // the bar before the first new peak
    most = kInnerGaps.longest[new_peak] > most ? kInnerGaps.longest[new_peak] : most;
    run = quiet - 1 - last;
    most = run > most ? run : most;
  }
  longest = most > longest ? most : longest;
}

// Bars of [t, t + count) that touch the stop (at the open or the adverse extreme) or the next
// target: quiet_bars' test, its side-signed compares written out per side.
template <int side>
inline __mmask8 touched(const Bars& b, long t, __mmask8 in_range, __m512d stop, __m512d target) {
  constexpr int kAdverse = side > 0 ? _CMP_LE_OQ : _CMP_GE_OQ, kFavourable = side > 0 ? _CMP_GE_OQ : _CMP_LE_OQ;
  const double* adverse = side > 0 ? b.low : b.high;
  const double* fav = side > 0 ? b.high : b.low;
  return _mm512_mask_cmp_pd_mask(in_range, _mm512_maskz_loadu_pd(in_range, b.open + t), stop, kAdverse) |
         _mm512_mask_cmp_pd_mask(in_range, _mm512_maskz_loadu_pd(in_range, adverse + t), stop, kAdverse) |
         _mm512_mask_cmp_pd_mask(in_range, _mm512_maskz_loadu_pd(in_range, fav + t), target, kFavourable);
}

template <int side>
inline long quiet_run(PathState& s, const Bars& b, long t, long end, QuietLanes& lanes) {
  // The nearer of the stop and the liquidation price: reaching either needs the full step.
  const __m512d stop = _mm512_set1_pd(side > 0 ? (s.stop > s.liq ? s.stop : s.liq) : (s.stop < s.liq ? s.stop : s.liq));
  const __m512d target = _mm512_set1_pd(next_target(s));
  const __m512d cash = _mm512_set1_pd(s.cash), sq = _mm512_set1_pd(side * s.qty), entry = _mm512_set1_pd(s.entry);
  const __m512d zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1.0);
  // Carried from block to block, broadcast to every lane.
  __m512d prev = _mm512_set1_pd(s.prev_equity), peak = _mm512_set1_pd(s.peak);
  double max_dd = s.max_dd;
  int32_t dd_run = s.dd_run, max_dd_run = s.max_dd_run;
  const long start = t;
  while (t < end) {
    const int count = end - t < 8 ? static_cast<int>(end - t) : 8;
    const __mmask8 in_range = static_cast<__mmask8>((1u << count) - 1);
    const __mmask8 hit = touched<side>(b, t, in_range, stop, target);
    const int quiet = hit ? __builtin_ctz(hit) : count;
    if (quiet == 0) break;
    const __mmask8 m = static_cast<__mmask8>((1u << quiet) - 1);
    // mark(): equity at each close and the return from the bar before.
    const __m512d eq = _mm512_add_pd(cash, _mm512_mul_pd(sq, _mm512_sub_pd(_mm512_maskz_loadu_pd(m, b.close + t), entry)));
    const __m512d before = shift_up<1>(eq, prev);
    const __mmask8 grows = _mm512_mask_cmp_pd_mask(m, before, zero, _CMP_GT_OQ);
    const __m512d r = _mm512_maskz_sub_pd(grows, quotient(eq, before, grows), one);
    const __m512d r2 = _mm512_mul_pd(r, r);
    lanes.sum_r = _mm512_add_pd(lanes.sum_r, r);
    lanes.sum_r2 = _mm512_add_pd(lanes.sum_r2, r2);
    lanes.sum_down2 = _mm512_mask_add_pd(lanes.sum_down2, _mm512_cmp_pd_mask(r, zero, _CMP_LT_OQ), lanes.sum_down2, r2);
    // The running peak after each bar; a bar sets a new peak when its equity is that peak
    // (eq >= the peak before it). Lanes past the quiet bars only feed lanes further up.
    const __m512d running = prefix_max(eq, peak);
    const __mmask8 new_peak = _mm512_mask_cmp_pd_mask(m, eq, running, _CMP_EQ_OQ);
    // The exact drawdown division only for bars near or past the worst one so far (as quiet_bars).
    const __m512d line = _mm512_mul_pd(running, _mm512_set1_pd((1.0 - max_dd) + 1e-12));
    const __mmask8 deeper = _mm512_mask_cmp_pd_mask(m & static_cast<__mmask8>(~new_peak), eq, line, _CMP_LT_OQ);
    if (deeper) {
      const double worst = _mm512_mask_reduce_max_pd(deeper, _mm512_div_pd(_mm512_sub_pd(running, eq), running));
      max_dd = worst > max_dd ? worst : max_dd;
    }
    under_water(new_peak, quiet, dd_run, max_dd_run);
    const __m512i at = _mm512_set1_epi64(quiet - 1);  // carry the last quiet bar's values
    prev = _mm512_permutexvar_pd(at, eq);
    peak = _mm512_permutexvar_pd(at, running);
    t += quiet;
    if (quiet < count) break;
  }
  const int32_t bars = static_cast<int32_t>(t - start);
  if (bars == 0) return t;
  s.held += bars;
  s.exposure_bars += bars;
  s.prev_equity = _mm512_cvtsd_f64(prev);
  s.peak = _mm512_cvtsd_f64(peak);
  s.max_dd = max_dd;
  s.dd_run = dd_run;
  s.max_dd_run = max_dd_run;
  return t;
}

}  // namespace quiet_simd

// Same contract as quiet_bars with a sink that records nothing; the return sums go to `lanes`
// instead of `s`.
inline long quiet_bars_simd(PathState& s, const Bars& b, long t, long end, QuietLanes& lanes) {
  return s.side > 0 ? quiet_simd::quiet_run<1>(s, b, t, end, lanes) : quiet_simd::quiet_run<-1>(s, b, t, end, lanes);
}

}  // namespace ntp::bt

#pragma GCC diagnostic pop
#endif
