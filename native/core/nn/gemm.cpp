// Cache-blocked, packed GEMM (the classic Goto/BLIS loop nest) with a register-tiled micro-kernel
// written in GCC/Clang vector extensions: the compiler picks the instructions for the machine the
// addon is built on (-march=native: AVX-512 here, AVX2/NEON elsewhere), no intrinsics needed.
//
// Work is split into independent tasks (batch entry x block of rows x block of columns), each of
// which packs its own panels into thread-local buffers, so there is no synchronisation inside a
// product and tiny batched products (attention heads) and tall ones (Dense over B*T rows) both
// keep every core busy. Products with a small output and a long K (weight gradients with
// K = B*T) are split along K instead (gemm_split_k).
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gemm_math.h"
#include "../thread_pool.h"

namespace ntp {

int64_t GemmBatch::count() const {
  int64_t n = 1;
  for (int32_t d = 0; d < rank; ++d) n *= dims[d];
  return n;
}

GemmBatch GemmBatch::strided(int64_t n, int64_t stride_a, int64_t stride_b, int64_t stride_c,
                             int64_t stride_bias) {
  GemmBatch g;
  g.rank = 1;
  g.dims[0] = n;
  g.a[0] = stride_a;
  g.b[0] = stride_b;
  g.c[0] = stride_c;
  g.bias[0] = stride_bias;
  return g;
}

void check_gemm_args(const GemmArgs& g) {
  auto fail = [](const std::string& m) { throw std::invalid_argument("gemm: " + m); };
  if (g.M < 0 || g.N < 0 || g.K < 0)
    fail("M, N, K must be >= 0 (got " + std::to_string(g.M) + ", " + std::to_string(g.N) + ", " +
         std::to_string(g.K) + ")");
  if (g.batch.rank < 0 || g.batch.rank > kMaxBatchRank)
    fail("batch rank must be in [0, " + std::to_string(kMaxBatchRank) + "]");
  for (int32_t d = 0; d < g.batch.rank; ++d) {
    if (g.batch.dims[d] < 0) fail("batch dim " + std::to_string(d) + " is negative");
    if (g.batch.a[d] < 0 || g.batch.b[d] < 0 || g.batch.c[d] < 0 || g.batch.bias[d] < 0)
      fail("batch strides must be >= 0 (dim " + std::to_string(d) + ")");
  }
  if (g.bias_rs < 0 || g.bias_cs < 0) fail("bias strides must be >= 0");
  const int64_t a_cols = g.trans_a ? g.M : g.K, b_cols = g.trans_b ? g.K : g.N;
  if (g.lda < a_cols) fail("lda " + std::to_string(g.lda) + " < " + std::to_string(a_cols));
  if (g.ldb < b_cols) fail("ldb " + std::to_string(g.ldb) + " < " + std::to_string(b_cols));
  if (g.ldc < g.N) fail("ldc " + std::to_string(g.ldc) + " < " + std::to_string(g.N));
  if (g.M * g.N > 0 && g.batch.count() > 0) {
    if (!g.c) fail("c is null");
    if (g.K > 0 && (!g.a || !g.b)) fail("a or b is null");
  }
  if (g.beta != 0.0f && g.beta != 1.0f) fail("beta must be 0 or 1");
  if (static_cast<int32_t>(g.activation) < 0 || static_cast<int32_t>(g.activation) > 5)
    fail("unknown activation " + std::to_string(static_cast<int32_t>(g.activation)));
}

GemmExtents gemm_extents(const GemmArgs& g) {
  GemmExtents e;
  if (g.batch.count() == 0 || g.M == 0 || g.N == 0) return e;
  auto span = [&](const int64_t* strides, int64_t rows, int64_t cols, int64_t ld) {
    if (rows == 0 || cols == 0) return int64_t{0};
    int64_t last = (rows - 1) * ld + cols;
    for (int32_t d = 0; d < g.batch.rank; ++d) last += (g.batch.dims[d] - 1) * strides[d];
    return last;
  };
  e.a = span(g.batch.a, g.trans_a ? g.K : g.M, g.trans_a ? g.M : g.K, g.lda);
  e.b = span(g.batch.b, g.trans_b ? g.N : g.K, g.trans_b ? g.K : g.N, g.ldb);
  e.c = span(g.batch.c, g.M, g.N, g.ldc);
  if (g.bias) {
    e.bias = (g.M - 1) * g.bias_rs + (g.N - 1) * g.bias_cs + 1;
    for (int32_t d = 0; d < g.batch.rank; ++d) e.bias += (g.batch.dims[d] - 1) * g.batch.bias[d];
  }
  return e;
}

namespace {

#if defined(__AVX512F__)
constexpr int kVec = 16;
#else
constexpr int kVec = 8;
#endif
typedef float vf __attribute__((vector_size(kVec * sizeof(float))));
// Unaligned view of kVec floats (rows of the operands and of C start anywhere).
typedef float vfu __attribute__((vector_size(kVec * sizeof(float)), aligned(alignof(float))));

constexpr int64_t kMR = 6;         // rows of C per micro-tile
constexpr int64_t kNR = 2 * kVec;  // columns of C per micro-tile (two vectors; one when N <= kVec,
                                   // see micro_kernel); blocks of columns are multiples of it
constexpr int64_t kKC = 256;       // depth of a packed panel (A and B panels stay in L1/L2)
constexpr int64_t kMCMax = 96;     // rows per task block (multiple of kMR)
constexpr int64_t kNCMax = 512;    // columns per task block (multiple of kNR)

struct FreeDeleter { void operator()(float* p) const { std::free(p); } };

// Grows on demand and is reused by every product on this thread (no allocation per call).
float* scratch(std::unique_ptr<float[], FreeDeleter>& buf, std::size_t& cap, std::size_t n) {
  if (n > cap) {
    const std::size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
    buf.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!buf) throw std::bad_alloc();
    cap = n;
  }
  return buf.get();
}

struct Scratch {
  std::unique_ptr<float[], FreeDeleter> a, b;
  std::size_t a_cap = 0, b_cap = 0;
};
thread_local Scratch tls_scratch;

// op(A) rows [i0, i0+mc) x depth [k0, k0+kc) into micro-panels [mc/MR][kc][MR], zero-padded.
void pack_a(const GemmArgs& g, const float* a, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* dst) {
  for (int64_t ip = 0; ip < mc; ip += kMR) {
    const int64_t rows = std::min(kMR, mc - ip);
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + (ip / kMR) * kc * kMR + k * kMR;
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = i0 + ip + r, kk = k0 + k;
        d[r] = g.trans_a ? a[kk * g.lda + i] : a[i * g.lda + kk];
      }
      for (int64_t r = rows; r < kMR; ++r) d[r] = 0.0f;
    }
  }
}

// op(B) depth [k0, k0+kc) x columns [j0, j0+nc) into micro-panels [nc/NR][kc][NR], zero-padded,
// NR = NV vectors.
template <int NV>
void pack_b(const GemmArgs& g, const float* b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
  constexpr int64_t NR = NV * kVec;
  for (int64_t jp = 0; jp < nc; jp += NR) {
    const int64_t cols = std::min(NR, nc - jp);
    float* panel = dst + (jp / NR) * kc * NR;
    if (!g.trans_b && cols == NR) {
      // Whole vectors: a variable-length memcpy here compiles to a loop of 8-byte moves.
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = b + (k0 + k) * g.ldb + j0 + jp;
        vf* d = reinterpret_cast<vf*>(panel + k * NR);
        for (int v = 0; v < NV; ++v) d[v] = *reinterpret_cast<const vfu*>(src + v * kVec);
      }
    } else if (!g.trans_b) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = b + (k0 + k) * g.ldb + j0 + jp;
        float* d = panel + k * NR;
        std::memcpy(d, src, static_cast<std::size_t>(cols) * sizeof(float));
        for (int64_t c = cols; c < NR; ++c) d[c] = 0.0f;
      }
    } else {
      for (int64_t c = 0; c < NR; ++c) {
        if (c < cols) {
          const float* src = b + (j0 + jp + c) * g.ldb + k0;
          for (int64_t k = 0; k < kc; ++k) panel[k * NR + c] = src[k];
        } else {
          for (int64_t k = 0; k < kc; ++k) panel[k * NR + c] = 0.0f;
        }
      }
    }
  }
}

// Writes a micro-tile into C: the first depth block overwrites (beta 0) or adds (beta 1); the
// last one also adds the bias and applies the activation.
void store_tile(const GemmArgs& g, const float* tile, int64_t tile_ld, float* c, const float* bias, int64_t i0,
                int64_t j0, int64_t rows, int64_t cols, bool first, bool last) {
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = c + (i0 + r) * g.ldc + j0;
    const float* src = tile + r * tile_ld;
    const bool add = !first || g.beta != 0.0f;
    if (!last) {
      if (add) for (int64_t j = 0; j < cols; ++j) dst[j] += src[j];
      else for (int64_t j = 0; j < cols; ++j) dst[j] = src[j];
      continue;
    }
    for (int64_t j = 0; j < cols; ++j) {
      float v = add ? src[j] + dst[j] : src[j];
      if (bias) v += bias[(i0 + r) * g.bias_rs + (j0 + j) * g.bias_cs];
      dst[j] = apply_activation(g.activation, v, g.activation_alpha);
    }
  }
}

// Whether a full micro-tile's epilogue can run on whole vectors: the bias, if any, is
// contiguous along a row (Dense) or constant along it (per-row bias).
bool vector_epilogue(const GemmArgs& g, const float* bias, bool last) {
  return !last || !bias || g.bias_cs == 1 || g.bias_cs == 0;
}

// C tile [kMR][NV vectors] = Apanel^T Bpanel over kc steps, all accumulators in registers, then
// the epilogue of store_tile. A full tile stores straight from the registers with vector
// loads/adds (the same float operations in the same order as store_tile, so the results are
// identical): for small K (attention heads, the LSTM's per-step products, Dense layers with
// K = 64) the scalar store costs as much as the products. NV = 1 serves products with N <= kVec
// (the attention heads' [T, Kd] outputs), which a two-vector tile would half waste.
template <int NV>
inline void micro_kernel(const GemmArgs& g, int64_t kc, const float* __restrict ap, const float* __restrict bp,
                         float* c, const float* bias, int64_t i0, int64_t j0, int64_t rows, int64_t cols,
                         bool first, bool last) {
  constexpr int64_t NR = NV * kVec;
  vf acc[kMR][NV];
  for (int r = 0; r < kMR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = vf{};
  for (int64_t k = 0; k < kc; ++k) {
    vf b[NV];
    for (int v = 0; v < NV; ++v) b[v] = *reinterpret_cast<const vf*>(bp + k * NR + v * kVec);
    const float* a = ap + k * kMR;
#pragma GCC unroll 6
    for (int r = 0; r < kMR; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] += a[r] * b[v];
  }
  if (rows < kMR || cols < NR || !vector_epilogue(g, bias, last)) {
    alignas(64) float tile[kMR * NR];
    for (int r = 0; r < kMR; ++r)
      for (int v = 0; v < NV; ++v) *reinterpret_cast<vf*>(tile + r * NR + v * kVec) = acc[r][v];
    store_tile(g, tile, NR, c, bias, i0, j0, rows, cols, first, last);
    return;
  }
  const bool add = !first || g.beta != 0.0f;
  const bool relu = last && g.activation == Activation::kRelu;
  const bool other_act = last && g.activation != Activation::kRelu && g.activation != Activation::kLinear;
  for (int r = 0; r < kMR; ++r) {
    float* dst = c + (i0 + r) * g.ldc + j0;
    const float* br = last && bias ? bias + (i0 + r) * g.bias_rs + j0 * g.bias_cs : nullptr;
    for (int v = 0; v < NV; ++v) {
      vf x = acc[r][v];
      if (add) x += *reinterpret_cast<const vfu*>(dst + v * kVec);
      if (br) {
        if (g.bias_cs == 1) x += *reinterpret_cast<const vfu*>(br + v * kVec);
        else x += br[0];
      }
      if (relu) {
        const vf zero{};
        x = x > zero ? x : zero;
      }
      *reinterpret_cast<vfu*>(dst + v * kVec) = x;
    }
    if (other_act)
      for (int64_t j = 0; j < NR; ++j) dst[j] = apply_activation(g.activation, dst[j], g.activation_alpha);
  }
}

struct Offsets { int64_t a = 0, b = 0, c = 0, bias = 0; };

Offsets batch_offsets(const GemmBatch& bt, int64_t index) {
  Offsets o;
  for (int32_t d = bt.rank - 1; d >= 0; --d) {
    const int64_t i = index % bt.dims[d];
    index /= bt.dims[d];
    o.a += i * bt.a[d];
    o.b += i * bt.b[d];
    o.c += i * bt.c[d];
    o.bias += i * bt.bias[d];
  }
  return o;
}

// One task: rows [i0, i0+mc) x columns [j0, j0+nc) of batch entry `bi`, in tiles of NV vectors.
template <int NV>
void run_block(const GemmArgs& g, int64_t bi, int64_t i0, int64_t mc, int64_t j0, int64_t nc) {
  const Offsets off = batch_offsets(g.batch, bi);
  const float* a = g.a + off.a;
  const float* b = g.b + off.b;
  float* c = g.c + off.c;
  const float* bias = g.bias ? g.bias + off.bias : nullptr;
  if (g.K == 0) {  // no products: C = act(beta*C + bias)
    for (int64_t i = i0; i < i0 + mc; ++i)
      for (int64_t j = j0; j < j0 + nc; ++j) {
        float v = g.beta != 0.0f ? c[i * g.ldc + j] : 0.0f;
        if (bias) v += bias[i * g.bias_rs + j * g.bias_cs];
        c[i * g.ldc + j] = apply_activation(g.activation, v, g.activation_alpha);
      }
    return;
  }
  Scratch& s = tls_scratch;
  constexpr int64_t NR = NV * kVec;
  const int64_t mc_pad = (mc + kMR - 1) / kMR * kMR, nc_pad = (nc + NR - 1) / NR * NR;
  const int64_t kc_max = std::min(kKC, g.K);
  float* pa = scratch(s.a, s.a_cap, static_cast<std::size_t>(mc_pad * kc_max));
  float* pb = scratch(s.b, s.b_cap, static_cast<std::size_t>(nc_pad * kc_max));
  for (int64_t k0 = 0; k0 < g.K; k0 += kKC) {
    const int64_t kc = std::min(kKC, g.K - k0);
    const bool first = k0 == 0, last = k0 + kc == g.K;
    pack_b<NV>(g, b, k0, kc, j0, nc, pb);
    pack_a(g, a, i0, mc, k0, kc, pa);
    for (int64_t jp = 0; jp < nc; jp += NR) {
      const float* bpanel = pb + (jp / NR) * kc * NR;
      for (int64_t ip = 0; ip < mc; ip += kMR) {
        micro_kernel<NV>(g, kc, pa + (ip / kMR) * kc * kMR, bpanel, c, bias, i0 + ip, j0 + jp,
                         std::min(kMR, mc - ip), std::min(NR, nc - jp), first, last);
      }
    }
  }
}

// Depth of one slice of a split-K product, and the largest output split that way.
constexpr int64_t kKSlice = 512;
constexpr int64_t kSplitMaxOutput = 256 * 256;

// Tall-skinny products (weight gradients x^T dy with K = B*T, a small M x N): splitting rows and
// columns alone makes every task re-read its whole K range of the other operand, so it runs
// memory bound. Instead each fixed slice of K (kKSlice, independent of the thread count) is
// one task computing a partial M x N product from singly packed panels, and the partials are
// summed in slice order: deterministic on any number of threads.
bool split_k(const GemmArgs& g, int64_t batches) {
  return batches == 1 && !g.serial && g.K >= 4 * kKSlice && g.M * g.N <= kSplitMaxOutput;
}

void gemm_split_k(const GemmArgs& g) {
  const int64_t slices = (g.K + kKSlice - 1) / kKSlice, MN = g.M * g.N;
  std::vector<float> partial(static_cast<std::size_t>(slices * MN));
  const bool narrow = g.N <= kVec;
  parallel_for(static_cast<std::size_t>(slices), 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      const int64_t k0 = static_cast<int64_t>(s) * kKSlice;
      GemmArgs p = g;
      p.K = std::min(kKSlice, g.K - k0);
      p.a = g.a + (g.trans_a ? k0 * g.lda : k0);
      p.b = g.b + (g.trans_b ? k0 : k0 * g.ldb);
      p.c = partial.data() + static_cast<int64_t>(s) * MN;
      p.ldc = g.N;
      p.beta = 0.0f;
      p.bias = nullptr;
      p.activation = Activation::kLinear;
      p.batch = GemmBatch::strided(1, 0, 0, 0);
      if (narrow) run_block<1>(p, 0, 0, g.M, 0, g.N);
      else run_block<2>(p, 0, 0, g.M, 0, g.N);
    }
  });
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < g.N; ++j) {
      float v = partial[static_cast<std::size_t>(i * g.N + j)];
      for (int64_t s = 1; s < slices; ++s) v += partial[static_cast<std::size_t>(s * MN + i * g.N + j)];
      float* dst = g.c + i * g.ldc + j;
      if (g.beta != 0.0f) v += *dst;
      if (g.bias) v += g.bias[i * g.bias_rs + j * g.bias_cs];
      *dst = apply_activation(g.activation, v, g.activation_alpha);
    }
}

}  // namespace

double gemm_scratch_bytes(const GemmArgs& g) {
  const int64_t batches = g.batch.count();
  if (batches == 0 || g.M == 0 || g.N == 0 || !split_k(g, batches)) return 0.0;
  return static_cast<double>((g.K + kKSlice - 1) / kKSlice) * static_cast<double>(g.M * g.N) * sizeof(float);
}

void gemm(const GemmArgs& g) {
  check_gemm_args(g);
  const int64_t batches = g.batch.count();
  if (batches == 0 || g.M == 0 || g.N == 0) return;
  if (split_k(g, batches)) return gemm_split_k(g);
  int64_t mc = std::min(kMCMax, (g.M + kMR - 1) / kMR * kMR);
  int64_t nc = std::min(kNCMax, (g.N + kNR - 1) / kNR * kNR);
  // Tiny products are cheaper inline than a trip through the pool.
  const double flops = 2.0 * static_cast<double>(batches) * g.M * g.N * std::max<int64_t>(g.K, 1);
  const bool inline_run = g.serial || flops < 2.0e5;
  // For the pool, shrink the task blocks until there are a few tasks per thread (load balance),
  // but not below a couple of micro-tiles (packing overhead).
  const int64_t want = inline_run ? 1 : static_cast<int64_t>(thread_count()) * 3;
  auto tasks = [&] { return batches * ((g.M + mc - 1) / mc) * ((g.N + nc - 1) / nc); };
  while (tasks() < want && (mc > 2 * kMR || nc > kNR)) {
    if (mc > 2 * kMR && (mc >= nc || nc <= kNR)) mc = std::max(2 * kMR, (mc / 2 + kMR - 1) / kMR * kMR);
    else nc = std::max(kNR, (nc / 2 + kNR - 1) / kNR * kNR);
  }
  const int64_t mb = (g.M + mc - 1) / mc, nb = (g.N + nc - 1) / nc;
  const int64_t total = batches * mb * nb;
  const bool narrow = g.N <= kVec;
  auto body = [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) {
      const int64_t ti = static_cast<int64_t>(t);
      const int64_t bi = ti / (mb * nb), rem = ti % (mb * nb);
      const int64_t i0 = (rem / nb) * mc, j0 = (rem % nb) * nc;
      if (narrow) run_block<1>(g, bi, i0, std::min(mc, g.M - i0), j0, std::min(nc, g.N - j0));
      else run_block<2>(g, bi, i0, std::min(mc, g.M - i0), j0, std::min(nc, g.N - j0));
    }
  };
  if (inline_run) body(0, static_cast<std::size_t>(total));
  else parallel_for(static_cast<std::size_t>(total), 1, body);
}

}  // namespace ntp
