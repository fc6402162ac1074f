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

template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t n) : n_(n) {
    if (n_ == 0) return;
    cudaError_t err = cudaMalloc(&ptr_, n_ * sizeof(T));
    if (err == cudaErrorMemoryAllocation) {
      // The tensors' caching allocator may hold the memory on its free lists: they go back to
      // the device, and the allocation is tried once more.
      cudaGetLastError();
      allocator_for(Device::kCuda).empty_cache();
      err = cudaMalloc(&ptr_, n_ * sizeof(T));
    }
    check(err, "cudaMalloc");
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

inline unsigned blocks_for(std::size_t n, unsigned threads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

}  // namespace ntp::cuda
