// CUDA twins of the tensor kernels (core/tensor_ops.h): one thread per output element running the
// same NTP_HD body as the host loop, all on one stream, so buffers the caching allocator hands
// back are only reused by work queued after their last use. Also the device's raw memory and
// host transfers for core/device_memory.h.
#include <cuda_runtime.h>

#include <cmath>
#include <new>
#include <vector>

#include "../core/nn/device_memory.h"
#include "../core/nn/tensor_ops.h"
#include "device_buffer.cuh"
#include "gemm.cuh"
#include "tensor_stream.cuh"

namespace ntp {
namespace cuda {
cudaStream_t tensor_stream() {
  static cudaStream_t s = [] {
    cudaStream_t st = nullptr;
    check(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking), "cudaStreamCreate");
    return st;
  }();
  return s;
}
}  // namespace cuda
using cuda::tensor_stream;

namespace {

constexpr unsigned kThreads = 256;

unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 * 16 ? blocks : 65535 * 16);
}

// Grid-stride loop over [0, n).
#define NTP_GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); i += static_cast<int64_t>(gridDim.x) * blockDim.x)

template <class In, class Out>
__global__ void unary_kernel(int32_t op, const In* x, Out* y, int64_t n, double p0, double p1) {
  NTP_GRID_LOOP(i, n) tensor::unary_at(op, x, y, i, p0, p1);
}

template <class In, class Out>
__global__ void binary_kernel(int32_t op, const In* a, const In* b, Out* y, tensor::Broadcast bc) {
  NTP_GRID_LOOP(i, bc.count) tensor::binary_at(op, a, b, y, bc, i);
}

template <class T>
__global__ void select_kernel(const int32_t* cond, const T* a, const T* b, T* y, tensor::Broadcast bc) {
  NTP_GRID_LOOP(i, bc.count) tensor::select_at(cond, a, b, y, bc, i);
}

template <class In, class Out>
__global__ void reduce_kernel(int32_t op, const In* x, Out* y, int64_t n, int64_t reduce, int64_t inner) {
  NTP_GRID_LOOP(j, n) tensor::reduce_at(op, x, y, reduce, inner, j);
}

// Sum and Mean over a long axis into few outputs (the bias gradients of a large batch, where one
// thread per output would leave the GPU idle): a block per output, each thread a strided partial
// in double, added in a fixed-order tree, so the result never depends on timing. The element
// terms are reduce_at's; only the order of the double additions differs from the host twin.
constexpr unsigned kTreeThreads = 256;
constexpr int64_t kTreeMinReduce = 2048;
constexpr int64_t kTreeMaxOutputs = 4096;

template <class In, class Out>
__global__ void reduce_tree_kernel(int32_t op, const In* x, Out* y, int64_t reduce, int64_t inner) {
  __shared__ double part[kTreeThreads];
  const int64_t j = blockIdx.x, o = j / inner, c = j % inner;
  const In* p = x + o * reduce * inner + c;
  double acc = 0;
  for (int64_t r = threadIdx.x; r < reduce; r += kTreeThreads) {
    const double v = static_cast<double>(p[r * inner]);
    acc += op == tensor::kMean ? static_cast<double>(tensor::to_element<float>(v / static_cast<double>(reduce))) : v;
  }
  part[threadIdx.x] = acc;
  __syncthreads();
  for (unsigned s = kTreeThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[j] = tensor::to_element<Out>(part[0]);
}

__global__ void copy_kernel(const uint32_t* x, uint32_t* y, tensor::StridedCopy c) {
  NTP_GRID_LOOP(i, c.count) tensor::copy_at(x, y, c, i);
}

template <class T>
__global__ void fill_kernel(T* y, int64_t n, T v) {
  NTP_GRID_LOOP(i, n) y[i] = v;
}

constexpr unsigned kReduceThreads = 256;

// One tensor's sums for the norm and the penalty (adam_sums) in one block: strided partial sums,
// then a fixed tree (deterministic). out[0]: sum of squared gradients, out[1]: sum of p^2.
__global__ void adam_sums_kernel(const float* g, const float* p, float l2, int64_t n, double* out) {
  __shared__ double sq[kReduceThreads], w2[kReduceThreads];
  double a = 0, b = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) adam_sums(g[i], p[i], l2, &a, &b);
  sq[threadIdx.x] = a;
  w2[threadIdx.x] = b;
  __syncthreads();
  for (unsigned s = kReduceThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      sq[threadIdx.x] += sq[threadIdx.x + s];
      w2[threadIdx.x] += w2[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out[0] = sq[0];
    out[1] = w2[0];
  }
}

__global__ void adam_kernel(float* p, float* m, float* v, const float* g, float l2, int64_t n, AdamScalars k) {
  NTP_GRID_LOOP(i, n) adam_update(p + i, m + i, v + i, adam_gradient(g[i], p[i], l2), k);
}

template <class F>
void typed(tensor::DType in, tensor::DType out, const void* x, void* y, F&& f) {
  using tensor::DType;
  if (in == DType::kFloat32 && out == DType::kFloat32) return f(static_cast<const float*>(x), static_cast<float*>(y));
  if (in == DType::kFloat32 && out == DType::kInt32) return f(static_cast<const float*>(x), static_cast<int32_t*>(y));
  if (in == DType::kInt32 && out == DType::kFloat32) return f(static_cast<const int32_t*>(x), static_cast<float*>(y));
  return f(static_cast<const int32_t*>(x), static_cast<int32_t*>(y));
}

void launched(const char* what) { cuda::check(cudaGetLastError(), what); }

void* device_alloc(std::size_t bytes) {
  void* p = nullptr;
  const cudaError_t err = cudaMalloc(&p, bytes);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // out of memory is reported by returning null (the allocator retries)
    return nullptr;
  }
  // Anything else (a sticky fault of an earlier kernel) is that error, not out-of-memory.
  cuda::check(err, "cudaMalloc");
  return p;
}

void device_free(void* p) {
  // Blocks are freed only after the work queued on them is done.
  cudaStreamSynchronize(tensor_stream());
  cudaFree(p);
}

}  // namespace

namespace cuda {

RawMemory raw_memory() { return {device_alloc, device_free}; }

void upload(void* device_dst, const void* host_src, std::size_t bytes) {
  check(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, tensor_stream()), "upload");
  check(cudaStreamSynchronize(tensor_stream()), "upload");
}

void download(void* host_dst, const void* device_src, std::size_t bytes) {
  check(cudaMemcpyAsync(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, tensor_stream()), "download");
  check(cudaStreamSynchronize(tensor_stream()), "download");
}

}  // namespace cuda

namespace tensor::cuda {

void unary(UnaryOp op, DType in, DType out, const void* x, void* y, int64_t n, double p0, double p1) {
  if (n <= 0) return;
  typed(in, out, x, y, [&](auto* px, auto* py) { unary_kernel<<<grid_for(n), kThreads, 0, tensor_stream()>>>(op, px, py, n, p0, p1); });
  launched("unary_kernel");
}

void binary(BinaryOp op, DType in, DType out, const void* a, const void* b, void* y, const Broadcast& bc) {
  if (bc.count <= 0) return;
  typed(in, out, a, y, [&](auto* pa, auto* py) {
    binary_kernel<<<grid_for(bc.count), kThreads, 0, tensor_stream()>>>(op, pa, static_cast<decltype(pa)>(b), py, bc);
  });
  launched("binary_kernel");
}

void select(DType dtype, const int32_t* cond, const void* a, const void* b, void* y, const Broadcast& bc) {
  if (bc.count <= 0) return;
  if (dtype == DType::kFloat32)
    select_kernel<<<grid_for(bc.count), kThreads, 0, tensor_stream()>>>(cond, static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(y), bc);
  else
    select_kernel<<<grid_for(bc.count), kThreads, 0, tensor_stream()>>>(cond, static_cast<const int32_t*>(a), static_cast<const int32_t*>(b), static_cast<int32_t*>(y), bc);
  launched("select_kernel");
}

void reduce(ReduceOp op, DType in, DType out, const void* x, void* y, int64_t outer, int64_t reduce_n, int64_t inner) {
  const int64_t n = outer * inner;
  if (n <= 0) return;
  // Only for few outputs or a contiguous axis: with many outputs over a strided axis, a block's
  // reads would scatter where one thread per output reads neighbouring columns together.
  const bool tree = (op == kSum || op == kMean) && reduce_n >= kTreeMinReduce && (inner == 1 || n <= kTreeMaxOutputs) &&
                    n < (int64_t{1} << 31);
  typed(in, out, x, y, [&](auto* px, auto* py) {
    if (tree) reduce_tree_kernel<<<static_cast<unsigned>(n), kTreeThreads, 0, tensor_stream()>>>(op, px, py, reduce_n, inner);
    else reduce_kernel<<<grid_for(n), kThreads, 0, tensor_stream()>>>(op, px, py, n, reduce_n, inner);
  });
  launched("reduce_kernel");
}

void copy(const void* x, void* y, const StridedCopy& c) {
  if (c.count <= 0) return;
  copy_kernel<<<grid_for(c.count), kThreads, 0, tensor_stream()>>>(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y), c);
  launched("copy_kernel");
}

void fill(DType dtype, void* y, int64_t n, double value) {
  if (n <= 0) return;
  if (dtype == DType::kFloat32)
    fill_kernel<<<grid_for(n), kThreads, 0, tensor_stream()>>>(static_cast<float*>(y), n, to_element<float>(value));
  else
    fill_kernel<<<grid_for(n), kThreads, 0, tensor_stream()>>>(static_cast<int32_t*>(y), n, to_element<int32_t>(value));
  launched("fill_kernel");
}

void mat_mul(const GemmArgs& device_args) {
  if (device_args.batch.count() == 0 || device_args.M == 0 || device_args.N == 0) return;
  ntp::cuda::launch_gemm(device_args, tensor_stream());
}

AdamResult adam_step(const AdamTensor* tensors, std::size_t count, const AdamStep& s) {
  check_adam_step(s);
  AdamResult r;
  if (count == 0) {
    r.applied = true;
    return r;
  }
  // The sums' buffer comes from the caching allocator: cudaMalloc/cudaFree per step would
  // synchronise the device every step.
  CachingAllocator& gpu = allocator_for(Device::kCuda);
  const std::size_t bytes = 2 * count * sizeof(double);
  auto* sums = static_cast<double*>(gpu.allocate(bytes));
  std::vector<double> host(2 * count);
  try {
    for (std::size_t i = 0; i < count; ++i) {
      const AdamTensor& t = tensors[i];
      adam_sums_kernel<<<1, kReduceThreads, 0, tensor_stream()>>>(t.grad, t.param, t.l2, static_cast<int64_t>(t.size), sums + 2 * i);
    }
    launched("adam_sums_kernel");
    ntp::cuda::download(host.data(), sums, bytes);
  } catch (...) {
    gpu.release(sums, bytes);
    throw;
  }
  gpu.release(sums, bytes);
  double total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    total += host[2 * i];
    if (tensors[i].l2 != 0) r.penalty += tensors[i].l2 * host[2 * i + 1];  // (0 * an infinite weight would be NaN)
  }
  r.norm = std::sqrt(total);
  if (!std::isfinite(r.norm)) return r;
  const AdamScalars k = adam_scalars(s, r.norm);
  for (std::size_t i = 0; i < count; ++i) {
    const AdamTensor& t = tensors[i];
    if (t.size == 0) continue;
    adam_kernel<<<grid_for(static_cast<int64_t>(t.size)), kThreads, 0, tensor_stream()>>>(t.param, t.m, t.v, t.grad, t.l2, static_cast<int64_t>(t.size), k);
  }
  launched("adam_kernel");
  r.applied = true;
  return r;
}

}  // namespace tensor::cuda
}  // namespace ntp
