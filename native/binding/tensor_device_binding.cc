// The `ntp` tfjs backend's device surface (src/runtime/ntp-backend/): tensor buffers addressed by
// integer handles on the host or a CUDA device, and the generic kernels over them. Each kernel
// runs on the device of its output; every buffer of one call must live on that device. Elements
// are 4 bytes (float32, or int32 for int32 and bool); dtype 0 = float32, 1 = int32.
//
// tensorAlloc({device: 'host'|'cuda', size}) -> handle     tensorFree({handle})
// tensorWrite({handle, values: Float32Array|Int32Array})  tensorRead({handle, out: Float32Array|Int32Array})
// tensorMemory({device}) -> {inUse, cached, peak, deviceAllocs, reuses, buffers}   tensorEmptyCache({device})
// tensorUnary({op, dtype, outDtype, x, out, size, alpha?, beta?})   (dropout: alpha the rate, beta the mask's seed)
// tensorBinary({op, dtype, outDtype, a, aShape, b, bShape, out, outShape})   (shapes: Int32Array)
// tensorSelect({dtype, condition, conditionShape, a, aShape, b, bShape, out, outShape})
// tensorReduce({op, dtype, outDtype, x, outer, reduce, inner, out})
// tensorCopy({x, out, dims, srcOffset, srcStrides, dstOffset, dstStrides})  (Int32Array dims/strides)
// tensorFill({dtype, out, size, value})
// tensorMatMul({a, aShape, b, bShape, out, transposeA?, transposeB?, bias?, biasShape?, activation?, alpha?})
// tensorOps: {unary, binary, reduce}: each op's code by name (the `op` of the calls above)
// tensorAdamStep({params, grads, m, v, out?: handle Arrays (m, v updated in place; the new params
//   written to out, or over params without it; nothing written when applied is false; a buffer
//   written must appear once), learningRate, beta1, beta2, epsilon, step, clipNorm, l2?})
//   -> {norm, penalty, applied} (adam_args.h)
#include <napi.h>

#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../core/nn/device_memory.h"
#include "../core/nn/gemm.h"
#include "../core/nn/optimizer.h"
#include "../core/nn/tensor_ops.h"
#include "../cuda/cuda_api.h"
#include "activation_arg.h"
#include "adam_args.h"
#include "args.h"
#include "dropout_arg.h"
#include "jobs.h"
#include "mat_mul_plan.h"
#include "registry.h"
#include "sizes.h"
#include "tensor_args.h"

namespace {

using namespace ntp::binding;
using ntp::Device;
using ntp::TensorBuffer;
namespace T = ntp::tensor;

Device device_arg(const Args& a) {
  const std::string d = a.string("device", "host");
  if (d == "host") return Device::kHost;
  if (d == "cuda") return Device::kCuda;
  throw std::invalid_argument(a.field("device") + " must be \"host\" or \"cuda\" (got \"" + d + "\")");
}

T::DType dtype_arg(const Args& a, const char* key) {
  return a.integer(key, 0, 1) == 0 ? T::DType::kFloat32 : T::DType::kInt32;
}

std::vector<int64_t> shape_arg(const Args& a, const char* key, std::size_t* count) {
  std::size_t n = 0;
  const int32_t* s = a.array<int32_t>(key, kAnyLength, &n);
  if (n > static_cast<std::size_t>(T::kMaxRank))
    throw std::invalid_argument(a.field(key) + " has rank " + std::to_string(n) + ", at most " + std::to_string(T::kMaxRank));
  std::vector<int64_t> v(s, s + n);
  *count = count_of(a.field(key), v.data(), v.size());
  return v;
}

ntp::AllocatorStats stats_of(Device d) { return ntp::allocator_for(d).stats(); }

Job prepare_alloc(const Args& a) {
  const Device d = device_arg(a);
  const int64_t size = a.integer("size", 0, static_cast<int64_t>(kMaxElements));
  check_memory(a.field("size"), static_cast<double>(size) * kElement);
  auto handle = std::make_shared<int64_t>(0);
  return {nullptr,
          [d, size, handle] { *handle = ntp::tensor_buffers().create(d, static_cast<std::size_t>(size) * kElement); },
          [handle](Napi::Env env) { return Napi::Number::New(env, static_cast<double>(*handle)); }};
}

Job prepare_free(const Args& a) {
  const int64_t h = a.integer("handle", 1, kMaxHandle);
  buffer_arg(a, "handle", 0);
  return {nullptr, [h] { ntp::tensor_buffers().destroy(h); }, nullptr};
}

// values/out: a Float32Array or Int32Array of exactly the buffer's element count.
void* host_array(const Args& a, const char* key, std::size_t elements, bool write) {
  const Napi::Value v = a.value(key);
  const bool f32 = v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
  if (f32) return write ? static_cast<void*>(a.output<float>(key, elements)) : static_cast<void*>(a.array<float>(key, elements));
  return write ? static_cast<void*>(a.output<int32_t>(key, elements)) : static_cast<void*>(a.array<int32_t>(key, elements));
}

Job prepare_write(const Args& a) {
  const TensorBuffer b = buffer_arg(a, "handle", 0);
  const std::size_t n = b.bytes / kElement;
  const void* src = host_array(a, "values", n, false);
  return {nullptr, [b, src, n] { ntp::write_buffer(b, 0, src, n * kElement); }, nullptr};
}

Job prepare_read(const Args& a) {
  const TensorBuffer b = buffer_arg(a, "handle", 0);
  const std::size_t n = b.bytes / kElement;
  void* dst = host_array(a, "out", n, true);
  return {nullptr, [b, dst, n] { ntp::read_buffer(b, 0, dst, n * kElement); }, nullptr};
}

Job prepare_memory(const Args& a) {
  const Device d = device_arg(a);
  return {nullptr, [] {}, [d](Napi::Env env) {
            const ntp::AllocatorStats s = stats_of(d);
            Napi::Object o = Napi::Object::New(env);
            o.Set("inUse", Napi::Number::New(env, static_cast<double>(s.in_use)));
            o.Set("cached", Napi::Number::New(env, static_cast<double>(s.cached)));
            o.Set("peak", Napi::Number::New(env, static_cast<double>(s.peak)));
            o.Set("deviceAllocs", Napi::Number::New(env, static_cast<double>(s.device_allocs)));
            o.Set("reuses", Napi::Number::New(env, static_cast<double>(s.reuses)));
            o.Set("buffers", Napi::Number::New(env, static_cast<double>(ntp::tensor_buffers().live())));
            return static_cast<Napi::Value>(o);
          }};
}

Job prepare_empty_cache(const Args& a) {
  const Device d = device_arg(a);
  return {nullptr, [d] { ntp::allocator_for(d).empty_cache(); }, nullptr};
}

Job prepare_unary(const Args& a) {
  const int64_t op = a.integer("op", 0, T::kUnaryOpCount - 1);
  const T::DType in = dtype_arg(a, "dtype"), out = dtype_arg(a, "outDtype");
  const std::size_t n = static_cast<std::size_t>(a.integer("size", 0, static_cast<int64_t>(kMaxElements)));
  const TensorBuffer x = buffer_arg(a, "x", n), y = buffer_arg(a, "out", n);
  const double p0 = a.number("alpha", 0), p1 = a.number("beta", 0);
  if (op == T::kDropout) dropout_arg(a, "alpha", "beta");  // checks the rate and the seed
  const Device d = same_device({y, x});
  return {nullptr, [=] {
            const auto o = static_cast<T::UnaryOp>(op);
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return T::cuda::unary(o, in, out, x.data, y.data, static_cast<int64_t>(n), p0, p1);
#endif
            }
            T::unary(o, in, out, x.data, y.data, static_cast<int64_t>(n), p0, p1);
          }, nullptr};
}

// The broadcast of `keys` shapes to `outShape`, checking each input buffer holds its shape.
T::Broadcast broadcast_arg(const Args& a, const std::vector<const char*>& shape_keys, std::size_t* out_count,
                           std::vector<std::size_t>* counts) {
  std::size_t oc = 0;
  const auto out = shape_arg(a, "outShape", &oc);
  std::vector<std::vector<int64_t>> shapes;
  std::vector<const int64_t*> ptrs;
  std::vector<int32_t> ranks;
  for (const char* k : shape_keys) {
    std::size_t c = 0;
    shapes.push_back(shape_arg(a, k, &c));
    counts->push_back(c);
  }
  for (const auto& s : shapes) {
    ptrs.push_back(s.data());
    ranks.push_back(static_cast<int32_t>(s.size()));
  }
  *out_count = oc;
  return T::make_broadcast(out.data(), static_cast<int32_t>(out.size()), ptrs.data(), ranks.data(),
                           static_cast<int32_t>(shapes.size()));
}

Job prepare_binary(const Args& a) {
  const int64_t op = a.integer("op", 0, T::kBinaryOpCount - 1);
  const T::DType in = dtype_arg(a, "dtype"), out = dtype_arg(a, "outDtype");
  std::size_t n = 0;
  std::vector<std::size_t> counts;
  const T::Broadcast bc = broadcast_arg(a, {"aShape", "bShape"}, &n, &counts);
  const TensorBuffer ba = buffer_arg(a, "a", counts[0]), bb = buffer_arg(a, "b", counts[1]), y = buffer_arg(a, "out", n);
  const Device d = same_device({y, ba, bb});
  return {nullptr, [=] {
            const auto o = static_cast<T::BinaryOp>(op);
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return T::cuda::binary(o, in, out, ba.data, bb.data, y.data, bc);
#endif
            }
            T::binary(o, in, out, ba.data, bb.data, y.data, bc);
          }, nullptr};
}

Job prepare_select(const Args& a) {
  const T::DType dt = dtype_arg(a, "dtype");
  std::size_t n = 0;
  std::vector<std::size_t> counts;
  const T::Broadcast bc = broadcast_arg(a, {"conditionShape", "aShape", "bShape"}, &n, &counts);
  const TensorBuffer c = buffer_arg(a, "condition", counts[0]), ba = buffer_arg(a, "a", counts[1]),
                     bb = buffer_arg(a, "b", counts[2]), y = buffer_arg(a, "out", n);
  const Device d = same_device({y, c, ba, bb});
  return {nullptr, [=] {
            const auto* cond = static_cast<const int32_t*>(c.data);
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return T::cuda::select(dt, cond, ba.data, bb.data, y.data, bc);
#endif
            }
            T::select(dt, cond, ba.data, bb.data, y.data, bc);
          }, nullptr};
}

Job prepare_reduce(const Args& a) {
  const int64_t op = a.integer("op", 0, T::kReduceOpCount - 1);
  const T::DType in = dtype_arg(a, "dtype"), out = dtype_arg(a, "outDtype");
  const int64_t limit = static_cast<int64_t>(kMaxElements);
  const int64_t outer = a.integer("outer", 0, limit), reduce = a.integer("reduce", 0, limit), inner = a.integer("inner", 0, limit);
  const std::size_t nx = count_of(a.field("outer x reduce x inner"), {outer, reduce, inner});
  const std::size_t ny = count_of(a.field("outer x inner"), {outer, inner});
  const TensorBuffer x = buffer_arg(a, "x", nx), y = buffer_arg(a, "out", ny);
  const Device d = same_device({y, x});
  return {nullptr, [=] {
            const auto o = static_cast<T::ReduceOp>(op);
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return T::cuda::reduce(o, in, out, x.data, y.data, outer, reduce, inner);
#endif
            }
            T::reduce(o, in, out, x.data, y.data, outer, reduce, inner);
          }, nullptr};
}

// The lowest and highest element offsets a strided walk of `dims` from `offset` reaches
// (negative strides walk backwards: Reverse, StridedSlice); refused below 0.
std::pair<int64_t, int64_t> offset_range(const Args& a, const char* key, int64_t offset, const std::vector<int64_t>& dims,
                                         const int32_t* strides) {
  int64_t lo = offset, hi = offset;
  for (std::size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] <= 0) continue;
    const int64_t span = (dims[k] - 1) * static_cast<int64_t>(strides[k]);
    (span < 0 ? lo : hi) += span;
  }
  if (lo < 0) throw std::invalid_argument(a.field(key) + " walk before the buffer's first element");
  return {lo, hi};
}

Job prepare_copy(const Args& a) {
  std::size_t n = 0;
  const auto dims = shape_arg(a, "dims", &n);
  const int64_t limit = static_cast<int64_t>(kMaxElements);
  const int64_t so = a.integer("srcOffset", 0, limit), dof = a.integer("dstOffset", 0, limit);
  const int32_t* ss = a.array<int32_t>("srcStrides", dims.size());
  const int32_t* ds = a.array<int32_t>("dstStrides", dims.size());
  const int64_t src_last = offset_range(a, "srcStrides", so, dims, ss).second, dst_last = offset_range(a, "dstStrides", dof, dims, ds).second;
  const TensorBuffer x = buffer_arg(a, "x", n ? static_cast<std::size_t>(src_last) + 1 : 0);
  const TensorBuffer y = buffer_arg(a, "out", n ? static_cast<std::size_t>(dst_last) + 1 : 0);
  // A copy writes each output element once: more elements than the output holds is a bad call
  // (and a zero stride would otherwise let a tiny buffer drive an unbounded loop).
  if (n > y.bytes / kElement)
    throw std::invalid_argument(a.field("dims") + " covers " + std::to_string(n) + " elements, more than out holds");
  const Device d = same_device({y, x});
  T::StridedCopy c;
  c.rank = static_cast<int32_t>(dims.size());
  c.count = static_cast<int64_t>(n);
  c.src_offset = so;
  c.dst_offset = dof;
  for (std::size_t k = 0; k < dims.size(); ++k) {
    c.dims[k] = dims[k];
    c.src_strides[k] = ss[k];
    c.dst_strides[k] = ds[k];
  }
  return {nullptr, [=] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return T::cuda::copy(x.data, y.data, c);
#endif
            }
            T::copy(x.data, y.data, c);
          }, nullptr};
}

Job prepare_fill(const Args& a) {
  const T::DType dt = dtype_arg(a, "dtype");
  const int64_t n = a.integer("size", 0, static_cast<int64_t>(kMaxElements));
  const TensorBuffer y = buffer_arg(a, "out", static_cast<std::size_t>(n));
  // NaN and infinities are values a fill may want (tf.fill(shape, NaN)): read the raw number.
  const Napi::Value v = a.value("value");
  if (!v.IsNumber()) throw std::invalid_argument(a.field("value") + " must be a number (got " + Args::describe(v) + ")");
  const double value = v.As<Napi::Number>().DoubleValue();
  return {nullptr, [=] {
            if (y.device == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return T::cuda::fill(dt, y.data, n, value);
#endif
            }
            T::fill(dt, y.data, n, value);
          }, nullptr};
}

Job prepare_mat_mul(const Args& a) {
  std::size_t ignored = 0;
  const auto as = shape_arg(a, "aShape", &ignored), bs = shape_arg(a, "bShape", &ignored);
  const bool has_bias = a.has("bias");
  const auto bias_shape = has_bias ? shape_arg(a, "biasShape", &ignored) : std::vector<int64_t>();
  MatMulPlan p = plan_mat_mul(as, bs, a.boolean("transposeA", false), a.boolean("transposeB", false),
                              has_bias ? &bias_shape : nullptr);
  const TensorBuffer ba = buffer_arg(a, "a", p.a), bb = buffer_arg(a, "b", p.b), y = buffer_arg(a, "out", p.out);
  std::vector<TensorBuffer> all{y, ba, bb};
  TensorBuffer bias;
  if (has_bias) all.push_back(bias = buffer_arg(a, "bias", p.bias));
  const Device d = same_device(all);
  p.gemm.activation = activation_arg(a);
  p.gemm.activation_alpha = static_cast<float>(a.number("alpha", 0.2));
  p.gemm.a = static_cast<const float*>(ba.data);
  p.gemm.b = static_cast<const float*>(bb.data);
  p.gemm.c = static_cast<float*>(y.data);
  p.gemm.bias = has_bias ? static_cast<const float*>(bias.data) : nullptr;
  ntp::check_gemm_args(p.gemm);
  const ntp::GemmArgs g = p.gemm;
  return {nullptr, [g, d] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              return T::cuda::mat_mul(g);
#endif
            }
            ntp::gemm(g);
          }, nullptr};
}

// The handles of an Array option, each a live buffer of `sizes` elements (taken from the first
// array when `sizes` is empty).
std::vector<TensorBuffer> handle_list(const Args& a, const char* key, std::vector<std::size_t>& sizes) {
  const Napi::Value v = a.value(key);
  if (!v.IsArray()) throw std::invalid_argument(a.field(key) + " must be an Array of tensor handles (got " + Args::describe(v) + ")");
  const Napi::Array arr = v.As<Napi::Array>();
  if (!sizes.empty() && arr.Length() != sizes.size())
    throw std::invalid_argument(a.field(key) + " has " + std::to_string(arr.Length()) + " handles, params has " + std::to_string(sizes.size()));
  std::vector<TensorBuffer> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const Napi::Value h = arr.Get(i);
    const std::string name = a.field(key) + "[" + std::to_string(i) + "]";
    if (!h.IsNumber()) throw std::invalid_argument(name + " must be a tensor handle (got " + Args::describe(h) + ")");
    const double d = h.As<Napi::Number>().DoubleValue();
    if (!(d >= 1 && d <= static_cast<double>(kMaxHandle)) || d != std::floor(d)) throw std::invalid_argument(name + " is not a tensor handle");
    TensorBuffer b;
    try {
      b = ntp::tensor_buffers().get(static_cast<int64_t>(d));
    } catch (const std::out_of_range& e) {
      throw std::invalid_argument(name + ": " + e.what());
    }
    if (sizes.size() < arr.Length()) sizes.push_back(b.bytes / kElement);
    else if (b.bytes / kElement != sizes[i]) throw std::invalid_argument(name + " holds " + std::to_string(b.bytes / kElement) + " elements, params[" + std::to_string(i) + "] " + std::to_string(sizes[i]));
    out.push_back(b);
  }
  return out;
}

// Every tensor of a step is updated concurrently (threads on the host, one launch on a GPU), so
// a buffer the step writes (m, v, out, or params without out) must appear once and must not be
// read as a gradient; gradients may share a buffer (tfjs hands one dy to both operands of an
// add). out[i] may be params[i] itself: that is the in-place update.
void check_adam_aliasing(const Args& a, const std::vector<TensorBuffer>& params, const std::vector<TensorBuffer>& grads,
                         const std::vector<TensorBuffer>& m, const std::vector<TensorBuffer>& v, const std::vector<TensorBuffer>& out) {
  std::unordered_map<const void*, std::string> written;
  // (Empty tensors have no buffer: nothing to alias.)
  const auto write = [&](const std::vector<TensorBuffer>& list, const char* key, std::size_t i) {
    if (!list[i].data) return;
    const std::string name = a.field(key) + "[" + std::to_string(i) + "]";
    const auto [it, fresh] = written.emplace(list[i].data, name);
    if (!fresh) throw std::invalid_argument(name + " is the same buffer as " + it->second + ", which this step also writes");
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    write(out.empty() ? params : out, out.empty() ? "params" : "out", i);
    write(m, "m", i);
    write(v, "v", i);
  }
  // (params[i] updated in place through out[i] is that row's own write.)
  const auto read = [&](const std::vector<TensorBuffer>& list, const char* key) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].data || (list.data() == params.data() && out[i].data == params[i].data)) continue;
      const auto it = written.find(list[i].data);
      if (it != written.end()) throw std::invalid_argument(a.field(key) + "[" + std::to_string(i) + "] is the same buffer as " + it->second + ", which this step writes");
    }
  };
  read(grads, "grads");
  if (!out.empty()) read(params, "params");
}

Job prepare_adam_step(const Args& a) {
  std::vector<std::size_t> sizes;
  const auto params = handle_list(a, "params", sizes), grads = handle_list(a, "grads", sizes), m = handle_list(a, "m", sizes),
             v = handle_list(a, "v", sizes);
  const auto out = a.has("out") ? handle_list(a, "out", sizes) : std::vector<TensorBuffer>();
  const ntp::AdamStep s = adam_step_arg(a);
  std::vector<TensorBuffer> all;
  for (const auto* list : {&params, &grads, &m, &v, &out}) all.insert(all.end(), list->begin(), list->end());
  const Device d = all.empty() ? Device::kHost : same_device(all);
  check_adam_aliasing(a, params, grads, m, v, out);
  std::vector<ntp::AdamTensor> tensors;
  for (std::size_t i = 0; i < params.size(); ++i)
    tensors.push_back({static_cast<float*>(params[i].data), static_cast<const float*>(grads[i].data), static_cast<float*>(m[i].data),
                       static_cast<float*>(v[i].data), sizes[i], 0.0f, out.empty() ? nullptr : static_cast<float*>(out[i].data)});
  adam_l2_arg(a, tensors);
  auto result = std::make_shared<ntp::AdamResult>();
  return {nullptr, [tensors, s, d, result] {
            if (d == Device::kCuda) {
#ifdef NTP_HAVE_CUDA
              *result = T::cuda::adam_step(tensors.data(), tensors.size(), s);
              return;
#endif
            }
            *result = ntp::adam_step(tensors.data(), tensors.size(), s);
          }, [result](Napi::Env env) { return adam_result(env, *result); }};
}

}  // namespace

NTP_BINDING(tensor_device) {
  export_sync(env, exports, "tensorAlloc", prepare_alloc);
  export_sync(env, exports, "tensorFree", prepare_free);
  export_sync(env, exports, "tensorWrite", prepare_write);
  export_sync(env, exports, "tensorRead", prepare_read);
  export_sync(env, exports, "tensorMemory", prepare_memory);
  export_sync(env, exports, "tensorEmptyCache", prepare_empty_cache);
  export_sync(env, exports, "tensorUnary", prepare_unary);
  export_sync(env, exports, "tensorBinary", prepare_binary);
  export_sync(env, exports, "tensorSelect", prepare_select);
  export_sync(env, exports, "tensorReduce", prepare_reduce);
  export_sync(env, exports, "tensorCopy", prepare_copy);
  export_sync(env, exports, "tensorFill", prepare_fill);
  export_sync(env, exports, "tensorMatMul", prepare_mat_mul);
  export_sync(env, exports, "tensorAdamStep", prepare_adam_step);
  // The op codes by name (core/tensor_ops.h), so the TypeScript side never copies the enums.
  const auto table = [&](const char* const* names, int32_t count) {
    Napi::Object o = Napi::Object::New(env);
    for (int32_t i = 0; i < count; ++i) o.Set(names[i], Napi::Number::New(env, i));
    return o;
  };
  Napi::Object ops = Napi::Object::New(env);
  ops.Set("unary", table(T::kUnaryOpNames, T::kUnaryOpCount));
  ops.Set("binary", table(T::kBinaryOpNames, T::kBinaryOpCount));
  ops.Set("reduce", table(T::kReduceOpNames, T::kReduceOpCount));
  exports.Set("tensorOps", ops);
}
