// The generic tensor kernels of the `ntp` tfjs backend: elementwise unary/binary/select with
// numpy broadcasting, reductions over [outer, reduce, inner], strided copies (transpose, slice,
// concat, split, pad, tile) and fills. Each kernel body is an NTP_HD function written once here;
// tensor_ops.cpp loops over it on the host, cuda/tensor_ops.cu launches it on a GPU, so the host
// device the tests run is the same code the CUDA device runs.
//
// Elements are 4 bytes: float32, or int32 (tfjs's int32 and bool; bool is 0/1). Arithmetic is in
// double and stored once into the output type, as tfjs's cpu kernels compute in JS numbers and
// store into a Float32Array/Int32Array, so both backends agree to the last bit on most ops.
#pragma once
#include <cmath>
#include <cstdint>

#include "attention.h"
#include "dropout_mask.h"
#include "gemm.h"
#include "../hd.h"
#include "../indicators/indicator_layers.h"
#include "composite_loss.h"
#include "layer_norm.h"
#include "lstm.h"
#include "optimizer.h"

namespace ntp::tensor {

constexpr int kMaxRank = 8;

enum class DType : int32_t { kFloat32 = 0, kInt32 = 1 };

enum UnaryOp : int32_t {
  kIdentity = 0, kNotZero, kNeg, kAbs, kSquare, kSqrt, kRsqrt, kExp, kExpm1, kLog, kLog1p,
  kSigmoid, kSoftplus, kRelu, kRelu6, kElu, kLeakyRelu, kTanh, kSin, kCos, kFloor, kCeil, kRound,
  kSign, kStep, kReciprocal, kClip, kIsFinite, kIsNan, kIsInf, kLogicalNot, kSelu, kErf,
  kDropout,  // p0 the rate, p1 the mask's seed (an integer below 2^53); unary() runs it as dropout_at
  kUnaryOpCount
};

enum BinaryOp : int32_t {
  kAdd = 0, kSub, kMul, kDiv, kFloorDiv, kMod, kMaximum, kMinimum, kPow, kSquaredDifference,
  kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual, kLogicalAnd, kLogicalOr,
  kAtan2, kBinaryOpCount
};

enum ReduceOp : int32_t { kSum = 0, kMean, kProd, kMax, kMin, kAny, kAll, kArgMax, kArgMin, kReduceOpCount };

// The ops by name in enum order: the binding exports them, so TypeScript never copies the enums.
inline constexpr const char* kUnaryOpNames[] = {
  "identity", "notZero", "neg", "abs", "square", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p",
  "sigmoid", "softplus", "relu", "relu6", "elu", "leakyRelu", "tanh", "sin", "cos", "floor", "ceil", "round",
  "sign", "step", "reciprocal", "clip", "isFinite", "isNan", "isInf", "logicalNot", "selu", "erf", "dropout"};
inline constexpr const char* kBinaryOpNames[] = {
  "add", "sub", "mul", "div", "floorDiv", "mod", "maximum", "minimum", "pow", "squaredDifference",
  "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual", "logicalAnd", "logicalOr", "atan2"};
inline constexpr const char* kReduceOpNames[] = {"sum", "mean", "prod", "max", "min", "any", "all", "argMax", "argMin"};
static_assert(sizeof(kUnaryOpNames) / sizeof(kUnaryOpNames[0]) == kUnaryOpCount, "a name per unary op");
static_assert(sizeof(kBinaryOpNames) / sizeof(kBinaryOpNames[0]) == kBinaryOpCount, "a name per binary op");
static_assert(sizeof(kReduceOpNames) / sizeof(kReduceOpNames[0]) == kReduceOpCount, "a name per reduction");

// How an input maps onto the output: the general strided walk, or the common shortcuts (the
// output's own layout, a scalar, or a trailing block of the output repeating: bias-like).
enum BroadcastKind : int32_t { kStrided = 0, kSameLayout, kScalar, kTrailingBlock };

// Output dims and, per input, the element stride along each (0 where the input broadcasts).
struct Broadcast {
  int32_t rank = 0;
  int32_t inputs = 0;
  int64_t count = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[3][kMaxRank] = {};
  int32_t kind[3] = {};
  int64_t block[3] = {};  // kTrailingBlock: the input's element count
};

// dst[dst_offset + sum_k i_k dst_strides[k]] = src[src_offset + sum_k i_k src_strides[k]] for
// every index i of `dims` (4-byte elements).
struct StridedCopy {
  int32_t rank = 0;
  int64_t count = 0;
  int64_t dims[kMaxRank] = {};
  int64_t src_offset = 0, dst_offset = 0;
  int64_t src_strides[kMaxRank] = {};
  int64_t dst_strides[kMaxRank] = {};
};

// ---------------------------------------------------------------- shared kernel bodies

NTP_HD double unary_value(int32_t op, double x, double p0, double p1) {
  switch (op) {
    case kIdentity: return x;
    case kNotZero: return x != 0 ? 1 : 0;
    case kNeg: return -x;
    case kAbs: return fabs(x);
    case kSquare: return x * x;
    case kSqrt: return sqrt(x);
    case kRsqrt: return 1 / sqrt(x);
    case kExp: return exp(x);
    case kExpm1: return expm1(x);
    case kLog: return log(x);
    case kLog1p: return log1p(x);
    case kSigmoid: return 1 / (1 + exp(-x));
    case kSoftplus: {
      // exp(x) below log(eps) + 2, x above its negative (float32 eps = 2^-23), else log(1 + e^x).
      const double threshold = -13.942385152878742;
      if (x < threshold) return exp(x);
      if (x > -threshold) return x;
      return log(1 + exp(x));
    }
    case kRelu: return x < 0 ? 0 : x;
    case kRelu6: return x < 0 ? 0 : (x > 6 ? 6 : x);
    case kElu: return x >= 0 ? x : exp(x) - 1;
    case kLeakyRelu: return x < 0 ? p0 * x : x;
    case kTanh: return tanh(x);
    case kSin: return sin(x);
    case kCos: return cos(x);
    case kFloor: return floor(x);
    case kCeil: return ceil(x);
    case kRound: {  // half to even
      const double f = floor(x), d = x - f;
      if (d < 0.5) return f;
      if (d > 0.5) return f + 1;
      return fmod(f, 2.0) == 0 ? f : f + 1;
    }
    case kSign: return x < 0 ? -1 : (x > 0 ? 1 : 0);
    case kStep: return x != x ? x : (x > 0 ? 1 : p0);
    case kReciprocal: return 1 / x;
    case kClip: return x > p1 ? p1 : (x < p0 ? p0 : x);
    case kIsFinite: return (x == x && fabs(x) != INFINITY) ? 1 : 0;
    case kIsNan: return x != x ? 1 : 0;
    case kIsInf: return fabs(x) == INFINITY ? 1 : 0;
    case kLogicalNot: return x == 0 ? 1 : 0;
    case kSelu: {
      const double alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946;
      return x >= 0 ? scale * x : scale * alpha * (exp(x) - 1);
    }
    case kErf: return erf(x);
    default: return x;
  }
}

NTP_HD double binary_value(int32_t op, double a, double b) {
  switch (op) {
    case kAdd: return a + b;
    case kSub: return a - b;
    case kMul: return a * b;
    case kDiv: return a / b;
    case kFloorDiv: return floor(a / b);
    case kMod: {  // the sign of the divisor, as tfjs
      const double r = fmod(a, b);
      return ((a < 0 && b < 0) || (a >= 0 && b >= 0)) ? r : fmod(r + b, b);
    }
    case kMaximum: return (a != a || b != b) ? a + b : (a > b ? a : b);
    case kMinimum: return (a != a || b != b) ? a + b : (a < b ? a : b);
    case kPow: return pow(a, b);
    case kSquaredDifference: return (a - b) * (a - b);
    case kEqual: return a == b ? 1 : 0;
    case kNotEqual: return a != b ? 1 : 0;
    case kLess: return a < b ? 1 : 0;
    case kLessEqual: return a <= b ? 1 : 0;
    case kGreater: return a > b ? 1 : 0;
    case kGreaterEqual: return a >= b ? 1 : 0;
    case kLogicalAnd: return (a != 0 && b != 0) ? 1 : 0;
    case kLogicalOr: return (a != 0 || b != 0) ? 1 : 0;
    case kAtan2: return atan2(a, b);
    default: return a;
  }
}

// A double stored as the element type, as a store into a Float32Array / Int32Array does (which is
// what tfjs's cpu kernels do): float32 rounds; int32 truncates and wraps modulo 2^32, NaN and
// infinities giving 0 (JavaScript's ToInt32).
template <class T> NTP_HD T to_element(double v);
template <> NTP_HD float to_element<float>(double v) { return static_cast<float>(v); }
template <> NTP_HD int32_t to_element<int32_t>(double v) {
  if (!(v - v == 0)) return 0;
  double m = fmod(trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  if (m >= 2147483648.0) m -= 4294967296.0;
  return static_cast<int32_t>(m);
}

// Element offset of input `k` for output element `i` (row-major unravel against `dims`).
NTP_HD int64_t broadcast_offset(const Broadcast& b, int32_t k, int64_t i) {
  if (b.kind[k] == kSameLayout) return i;
  if (b.kind[k] == kScalar) return 0;
  if (b.kind[k] == kTrailingBlock) return i % b.block[k];
  int64_t off = 0;
  for (int32_t d = b.rank - 1; d >= 0; --d) {
    const int64_t n = b.dims[d];
    off += (i % n) * b.strides[k][d];
    i /= n;
  }
  return off;
}

template <class In, class Out>
NTP_HD void unary_at(int32_t op, const In* x, Out* y, int64_t i, double p0, double p1) {
  y[i] = to_element<Out>(unary_value(op, static_cast<double>(x[i]), p0, p1));
}

// The unary op kDropout, in its own loop (a branch for it inside unary_at's made the compiler stop
// specialising that loop per op: ReLU ran 9x slower). Keeps element i with probability 1 - rate,
// scaled by 1 / (1 - rate), by the counter-based mask of `seed`: a pure function of (seed, i), so
// the gradient is the same op on dy with the same seed, and nothing is stored or uploaded. The
// scale in float, as the fused layer norm and attention form it (the same values).
struct DropoutOp {
  float rate, inv_keep;
  uint64_t seed;
};
// The op's parameters from the unary call's p0 (rate) and p1 (seed), formed once per call.
inline DropoutOp dropout_op(double p0, double p1) {
  const float rate = static_cast<float>(p0);
  return {rate, 1.0f / (1.0f - rate), static_cast<uint64_t>(p1)};
}

template <class In, class Out>
NTP_HD void dropout_at(const In* x, Out* y, int64_t i, const DropoutOp& d) {
  y[i] = to_element<Out>(dropout_keep(d.seed, static_cast<uint64_t>(i), d.rate) ? static_cast<double>(x[i]) * d.inv_keep : 0.0);
}

template <class In, class Out>
NTP_HD void binary_at(int32_t op, const In* a, const In* b, Out* y, const Broadcast& bc, int64_t i) {
  y[i] = to_element<Out>(binary_value(op, static_cast<double>(a[broadcast_offset(bc, 0, i)]),
                                      static_cast<double>(b[broadcast_offset(bc, 1, i)])));
}

template <class T>
NTP_HD void select_at(const int32_t* cond, const T* a, const T* b, T* y, const Broadcast& bc, int64_t i) {
  y[i] = cond[broadcast_offset(bc, 0, i)] != 0 ? a[broadcast_offset(bc, 1, i)] : b[broadcast_offset(bc, 2, i)];
}

// out[o, c] = reduction over r of x[o, r, c] (x viewed as [outer, reduce, inner]); `j` = o*inner+c.
// Max/Min propagate NaN; ArgMax/ArgMin give the first extreme index. Over nothing, each gives
// what tfjs's cpu kernel gives: Sum and Mean 0, Prod 1, Max/Min NaN, Any/All false, ArgMax/ArgMin 0.
template <class In, class Out>
NTP_HD void reduce_at(int32_t op, const In* x, Out* y, int64_t reduce, int64_t inner, int64_t j) {
  const int64_t o = j / inner, c = j % inner;
  const In* p = x + o * reduce * inner + c;
  double acc;
  switch (op) {
    case kProd: acc = 1; break;
    case kMax: acc = -INFINITY; break;
    case kMin: acc = INFINITY; break;
    case kAll: acc = 1; break;
    default: acc = 0; break;
  }
  int64_t best = 0;
  for (int64_t r = 0; r < reduce; ++r) {
    const double v = static_cast<double>(p[r * inner]);
    switch (op) {
      case kSum: acc += v; break;
      // tfjs's Mean divides each element (rounding to float32) and then sums: the same here.
      case kMean: acc += static_cast<double>(to_element<float>(v / static_cast<double>(reduce))); break;
      case kProd: acc *= v; break;
      case kMax: if (v != v || v > acc) acc = v; break;
      case kMin: if (v != v || v < acc) acc = v; break;
      case kAny: acc = (acc != 0 || v != 0) ? 1 : 0; break;
      case kAll: acc = (acc != 0 && v != 0) ? 1 : 0; break;
      case kArgMax: if (r == 0 || v > acc) { acc = v; best = r; } break;
      case kArgMin: if (r == 0 || v < acc) { acc = v; best = r; } break;
      default: break;
    }
  }
  if (op == kArgMax || op == kArgMin) { y[j] = to_element<Out>(static_cast<double>(best)); return; }
  // Nothing to reduce: tfjs's cpu kernels give NaN for Max/Min and false for All.
  if (reduce == 0 && (op == kMax || op == kMin)) acc = NAN;
  if (reduce == 0 && op == kAll) acc = 0;
  y[j] = to_element<Out>(acc);
}

NTP_HD void copy_at(const uint32_t* x, uint32_t* y, const StridedCopy& c, int64_t i) {
  int64_t s = c.src_offset, d = c.dst_offset;
  for (int32_t k = c.rank - 1; k >= 0; --k) {
    const int64_t n = c.dims[k], idx = i % n;
    s += idx * c.src_strides[k];
    d += idx * c.dst_strides[k];
    i /= n;
  }
  y[d] = x[s];
}

// ---------------------------------------------------------------- entry points
// Pointers are the device's (host memory for the host twins); arguments are checked by the caller.

void unary(UnaryOp op, DType in, DType out, const void* x, void* y, int64_t n, double p0, double p1);
void binary(BinaryOp op, DType in, DType out, const void* a, const void* b, void* y, const Broadcast& bc);
void select(DType dtype, const int32_t* cond, const void* a, const void* b, void* y, const Broadcast& bc);
void reduce(ReduceOp op, DType in, DType out, const void* x, void* y, int64_t outer, int64_t reduce, int64_t inner);
void copy(const void* x, void* y, const StridedCopy& c);
void fill(DType dtype, void* y, int64_t n, double value);

// Broadcast of `inputs` shapes against `out` (numpy rules, right-aligned); std::invalid_argument
// naming the input that does not broadcast.
Broadcast make_broadcast(const int64_t* out, int32_t out_rank, const int64_t* const* shapes, const int32_t* ranks,
                         int32_t inputs);

// Whether the op's output is bool (0/1 in int32) whatever the input type.
bool unary_is_predicate(UnaryOp op);
bool binary_is_predicate(BinaryOp op);

#ifdef NTP_HAVE_CUDA
// The CUDA twins: same arguments on device pointers, enqueued on the device stream (no sync).
namespace cuda {
void unary(UnaryOp op, DType in, DType out, const void* x, void* y, int64_t n, double p0, double p1);
void binary(BinaryOp op, DType in, DType out, const void* a, const void* b, void* y, const Broadcast& bc);
void select(DType dtype, const int32_t* cond, const void* a, const void* b, void* y, const Broadcast& bc);
void reduce(ReduceOp op, DType in, DType out, const void* x, void* y, int64_t outer, int64_t reduce, int64_t inner);
void copy(const void* x, void* y, const StridedCopy& c);
void fill(DType dtype, void* y, int64_t n, double value);
// ntp::gemm's product with every pointer on the device (cuda/gemm.cu's kernel on this stream).
void mat_mul(const GemmArgs& device_args);
// ntp::adam_step on device pointers: per-tensor sums of squares (one block each, a fixed order),
// added on the host in tensor order like the host twin, then adam_update per element; two
// launches over a table of the tensors, whatever their number.
AdamResult adam_step(const AdamTensor* tensors, std::size_t count, const AdamStep& s);
// ntp::lstm_forward / lstm_backward (nn/lstm.h) with every pointer on the device, on this stream
// (cuda/lstm.cu); the backward pass works in `scratch`, lstm_device_backward_scratch(s) floats.
void lstm_forward(const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out);
void lstm_backward(const LstmShape& s, const float* x, const LstmWeights& w, const float* h, const float* gates,
                   const float* cells, const float* dh, const LstmGrads& grads, float* scratch);
// ntp::indicator_forward / indicator_backward (indicators/indicator_layers.h) on device pointers, on
// this stream (cuda/recurrence.cu). Sizes are checked, not contents (periods and closes are on the
// device: the caller checks the periods' domain); the backward pass works in `scratch`,
// indicator_device_backward_scratch(b) doubles.
void indicator_forward(const IndicatorBatch& b, float* out);
void indicator_backward(const IndicatorBatch& b, const float* grad_out, float* grad_close, float* grad_periods, double* scratch);
// ntp::layer_norm_forward / layer_norm_backward (nn/layer_norm.h) on device pointers, on this stream
// (cuda/layer_norm.cu): one block per row, sums in a fixed tree (deterministic, float32 like the
// host, in another order: the twins agree to float32 rounding, not bit for bit).
void layer_norm_forward(int64_t rows, int64_t dim, float epsilon, const float* x, const float* gamma, const float* beta,
                        float* y, float* mean, float* rstd, const LayerNormResidual& res, float* sum);
void layer_norm_backward(int64_t rows, int64_t dim, const float* x, const float* gamma, const float* mean, const float* rstd,
                         const float* dy, float* dx, float* dgamma, float* dbeta, const LayerNormResidual& res, float* dresidual);
// ntp::composite_loss (nn/composite_loss.h) on device pointers, on this stream
// (cuda/composite_loss.cu): one block, the term sums in a fixed tree (deterministic).
void composite_loss(const CompositeLoss& s, const float* heads, const float* y, const float* d, float* total, float* terms,
                    float* grad);
// ntp::attention_forward / attention_backward (nn/attention.h) on device pointers, on this stream
// (cuda/attention.cu): the same products as whole batched launches. `probs` is required (the
// softmax is computed there); `scratch` holds attention_device_scratch(s, backward) floats.
int64_t attention_device_scratch(const AttentionShape& s, bool backward);
void attention_forward(const AttentionShape& s, const float* qkv, float* probs, float* out, float* scratch);
void attention_backward(const AttentionShape& s, const float* qkv, const float* probs, const float* dout, float* dqkv, float* scratch);
}  // namespace cuda
#endif

}  // namespace ntp::tensor
