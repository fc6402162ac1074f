// CUDA twins of the tensor kernels (core/tensor_ops.h): one thread per output element running the
// same NTP_HD body as the host loop, all on one stream, so buffers the caching allocator hands
// back are only reused by work queued after their last use. Also the device's raw memory and
// host transfers for core/device_memory.h.
#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

#include "../core/nn/device_memory.h"
#include "../core/nn/staging_ring.h"
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
__global__ void dropout_kernel(const In* x, Out* y, int64_t n, tensor::DropoutOp d) {
  NTP_GRID_LOOP(i, n) tensor::dropout_at(x, y, i, d);
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

// The Adam step runs as two launches over a table of every tensor (a training step has ~90), not
// two per tensor.

// Tensor blockIdx.x's sums for the norm and the penalty (adam_sums) in one block: strided partial
// sums, then a fixed tree (deterministic). out[0]: sum of squared gradients, out[1]: sum of p^2.
__global__ void adam_sums_kernel(const AdamTensor* table, double* sums) {
  __shared__ double sq[kReduceThreads], w2[kReduceThreads];
  const AdamTensor t = table[blockIdx.x];
  const int64_t n = static_cast<int64_t>(t.size);
  double* out = sums + 2 * blockIdx.x;
  double a = 0, b = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) adam_sums(t.grad[i], t.param[i], t.l2, &a, &b);
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

// The update: tensor r owns blocks [first_block[r], first_block[r + 1]), kAdamBlockElements
// elements each, so no block idles whatever the mix of sizes.
constexpr int64_t kAdamPerThread = 4;
constexpr int64_t kAdamBlockElements = kThreads * kAdamPerThread;

__global__ void adam_kernel(const AdamTensor* table, const int64_t* first_block, int64_t rows, AdamScalars k) {
  const int64_t b = blockIdx.x;
  int64_t lo = 0, hi = rows;  // first_block[lo] <= b < first_block[hi]
  while (hi - lo > 1) {
    const int64_t mid = (lo + hi) / 2;
    if (first_block[mid] <= b) lo = mid;
    else hi = mid;
  }
  const AdamTensor t = table[lo];
  float* out = t.out ? t.out : t.param;
  const int64_t base = (b - first_block[lo]) * kAdamBlockElements, n = static_cast<int64_t>(t.size);
  for (int64_t j = 0; j < kAdamPerThread; ++j) {
    const int64_t i = base + j * kThreads + threadIdx.x;
    if (i < n) adam_update(t.param[i], out + i, t.m + i, t.v + i, adam_gradient(t.grad[i], t.param[i], t.l2), k);
  }
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
  // Blocks are freed only after the work queued on them is done. Freeing runs in destructors and
  // cache flushes, so it reports nothing: a failure here must not be read later as the failure
  // of an unrelated launch (a sticky fault stays, and the next launch reports it).
  if (cudaStreamSynchronize(tensor_stream()) != cudaSuccess || cudaFree(p) != cudaSuccess) cudaGetLastError();
}

// Uploads up to kStagedMax bytes go through a ring of page-locked memory (core/nn/staging_ring.h)
// and return without waiting for the device; larger ones (whole datasets) wait.
constexpr std::size_t kStagingBytes = std::size_t{64} << 20;
constexpr std::size_t kStagedMax = kStagingBytes / 4;

class Staging {
 public:
  // Without the pinned memory (the host's page-locked limit reached) uploads stay synchronous.
  Staging() : ring_(kStagingBytes) {
    if (cudaHostAlloc(&base_, ring_.capacity(), cudaHostAllocDefault) != cudaSuccess) {
      cudaGetLastError();
      base_ = nullptr;
    }
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  // The process keeps the ring until it exits (the driver reclaims it): freeing it from a static
  // destructor could run after the CUDA runtime is gone.

  bool ready() const { return base_ != nullptr; }

  void upload(void* device_dst, const void* host_src, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::size_t at = ring_.claim(bytes, done, wait, [this](cudaEvent_t e) { events_.push_back(e); });
    std::memcpy(base_ + at, host_src, bytes);
    cudaEvent_t e = event();
    const cudaError_t copy = cudaMemcpyAsync(device_dst, base_ + at, bytes, cudaMemcpyHostToDevice, tensor_stream());
    const cudaError_t record = copy == cudaSuccess ? cudaEventRecord(e, tensor_stream()) : copy;
    try {
      cuda::check(record, "upload");
      ring_.queued(e);
    } catch (...) {
      // Untracked, the region could be overwritten while the copy still reads it.
      cudaStreamSynchronize(tensor_stream());
      events_.push_back(e);
      throw;
    }
  }

 private:
  static bool done(cudaEvent_t e) {
    const cudaError_t err = cudaEventQuery(e);
    // Not an error: cleared, as every launch check reads the last error (an earlier unchecked
    // error would go with it, but every launch is checked right after it is queued).
    if (err == cudaErrorNotReady) cudaGetLastError();
    return err == cudaSuccess;
  }
  static void wait(cudaEvent_t e) { cuda::check(cudaEventSynchronize(e), "upload"); }

  cudaEvent_t event() {
    if (!events_.empty()) {
      cudaEvent_t e = events_.back();
      events_.pop_back();
      return e;
    }
    cudaEvent_t e = nullptr;
    cuda::check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
    return e;
  }

  std::mutex mu_;
  StagingRing<cudaEvent_t> ring_;
  char* base_ = nullptr;
  std::vector<cudaEvent_t> events_;  // recycled
};

Staging& staging() {
  static Staging* s = new Staging();
  return *s;
}

}  // namespace

namespace cuda {

RawMemory raw_memory() { return {device_alloc, device_free}; }

void upload(void* device_dst, const void* host_src, std::size_t bytes) {
  if (bytes == 0) return;  // as download and write_buffer: the ring has no 0-byte claim
  if (bytes <= kStagedMax && staging().ready()) return staging().upload(device_dst, host_src, bytes);
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
  if (op == tensor::kDropout) {
    const tensor::DropoutOp d = tensor::dropout_op(p0, p1);
    typed(in, out, x, y, [&](auto* px, auto* py) { dropout_kernel<<<grid_for(n), kThreads, 0, tensor_stream()>>>(px, py, n, d); });
    return launched("dropout_kernel");
  }
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
  // The table (rows, then each row's first update block and the total) and the sums come from
  // the caching allocator and the table goes up staged, in stream order: a cudaMalloc/cudaFree
  // or a blocking upload per step would synchronise the device every step. Blocks return to the
  // free list once the launches are queued.
  const std::size_t rows_bytes = count * sizeof(AdamTensor), table_bytes = rows_bytes + (count + 1) * sizeof(int64_t),
                    sums_bytes = 2 * count * sizeof(double);
  static_assert(sizeof(AdamTensor) % alignof(int64_t) == 0, "the block offsets follow the rows aligned");
  std::vector<unsigned char> staged(table_bytes);
  std::memcpy(staged.data(), tensors, rows_bytes);
  auto* first_block = reinterpret_cast<int64_t*>(staged.data() + rows_bytes);
  first_block[0] = 0;
  for (std::size_t i = 0; i < count; ++i)
    first_block[i + 1] = first_block[i] + (static_cast<int64_t>(tensors[i].size) + kAdamBlockElements - 1) / kAdamBlockElements;
  const int64_t blocks = first_block[count];
  if (count > 0x7fffffff || blocks > 0x7fffffff) throw std::invalid_argument("adam_step: more than 2^31 - 1 tensors or update blocks for one launch");
  const Scratch table_block(Device::kCuda, table_bytes), sums_block(Device::kCuda, sums_bytes);
  auto* table = table_block.as<unsigned char>();
  auto* sums = sums_block.as<double>();
  std::vector<double> host(2 * count);
  const auto* rows = reinterpret_cast<const AdamTensor*>(table);
  ntp::cuda::upload(table, staged.data(), table_bytes);
  adam_sums_kernel<<<static_cast<unsigned>(count), kReduceThreads, 0, tensor_stream()>>>(rows, sums);
  launched("adam_sums_kernel");
  ntp::cuda::download(host.data(), sums, sums_bytes);
  double total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    total += host[2 * i];
    if (tensors[i].l2 != 0) r.penalty += tensors[i].l2 * host[2 * i + 1];  // (0 * an infinite weight would be NaN)
  }
  r.norm = std::sqrt(total);
  if (std::isfinite(r.norm) && blocks > 0) {
    adam_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, tensor_stream()>>>(
        rows, reinterpret_cast<const int64_t*>(table + rows_bytes), static_cast<int64_t>(count), adam_scalars(s, r.norm));
    launched("adam_kernel");
  }
  r.applied = std::isfinite(r.norm);
  return r;
}

}  // namespace tensor::cuda
}  // namespace ntp
