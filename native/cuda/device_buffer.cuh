// RAII device memory and error checks shared by the CUDA kernels.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "../core/nn/device_memory.h"
#include "cuda_api.h"

namespace ntp::cuda {

// Throws on an error, after clearing it from the thread's last error: the next launch check
// (cudaGetLastError) must not report it again (a sticky fault stays: it is the context's).
inline void check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  cudaGetLastError();
  note_cuda_error(err, what);
  throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(err));
}

// Runs `alloc` (a cudaMalloc of some kind), and when the device is full runs it once more after
// the tensors' caching allocator has given the blocks on its free lists back to the device.
template <class Alloc>
void allocate(Alloc&& alloc, const char* what) {
  cudaError_t err = alloc();
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    allocator_for(Device::kCuda).empty_cache();
    err = alloc();
  }
  check(err, what);
}

template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t n) : n_(n) {
    if (n_ > 0) allocate([&] { return cudaMalloc(&ptr_, n_ * sizeof(T)); }, "cudaMalloc");
  }
  DeviceBuffer(const T* host, std::size_t n) : DeviceBuffer(n) { upload(host); }
  ~DeviceBuffer() { if (ptr_) cudaFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return ptr_; }
  std::size_t size() const { return n_; }
  void upload(const T* host) {
    if (n_ > 0) check(cudaMemcpy(ptr_, host, n_ * sizeof(T), cudaMemcpyHostToDevice), "upload");
  }
  void download(T* host) const {
    if (n_ > 0) check(cudaMemcpy(host, ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "download");
  }

 private:
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

// A non-blocking stream (no implicit order with the default stream), of the device's highest
// priority when `urgent`: its kernels then take SMs as a running kernel's blocks finish.
struct Stream {
  cudaStream_t s = nullptr;
  explicit Stream(bool urgent = false) {
    int least = 0, greatest = 0;
    if (urgent) check(cudaDeviceGetStreamPriorityRange(&least, &greatest), "cudaDeviceGetStreamPriorityRange");
    check(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, urgent ? greatest : least), "cudaStreamCreate");
  }
  ~Stream() { if (s) cudaStreamDestroy(s); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
};

inline unsigned blocks_for(std::size_t n, unsigned threads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

}  // namespace ntp::cuda
