#include "device_memory.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "../../cuda/cuda_api.h"

namespace ntp {

std::size_t CachingAllocator::size_class(std::size_t bytes) {
  if (bytes == 0) return 0;
  if (bytes <= 256) return 256;
  // Four classes per power of two: round up to a multiple of 2^(floor(log2(bytes)) - 2).
  std::size_t top = 1;
  while ((top << 1) <= bytes) top <<= 1;
  const std::size_t step = top >> 2;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::allocate(std::size_t bytes) {
  const std::size_t size = size_class(bytes);
  if (size == 0) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = free_.find(size);
  void* p = nullptr;
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.cached -= static_cast<int64_t>(size);
    ++stats_.reuses;
  } else {
    p = raw_.alloc(size);
    if (!p) {  // out of device memory: give the cache back and try once more
      for (auto& [s, blocks] : free_)
        for (void* q : blocks) raw_.free(q);
      free_.clear();
      stats_.cached = 0;
      p = raw_.alloc(size);
      if (!p) throw std::bad_alloc();
    }
    ++stats_.device_allocs;
  }
  stats_.in_use += static_cast<int64_t>(size);
  if (stats_.in_use > stats_.peak) stats_.peak = stats_.in_use;
  return p;
}

void CachingAllocator::release(void* p, std::size_t bytes) {
  const std::size_t size = size_class(bytes);
  if (!p || size == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_[size].push_back(p);
  stats_.in_use -= static_cast<int64_t>(size);
  stats_.cached += static_cast<int64_t>(size);
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [s, blocks] : free_)
    for (void* q : blocks) raw_.free(q);
  free_.clear();
  stats_.cached = 0;
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

namespace {

// 64-byte alignment: a whole cache line and any SIMD width the host kernels use.
void* host_alloc(std::size_t bytes) { return std::aligned_alloc(64, (bytes + 63) / 64 * 64); }
void host_free(void* p) { std::free(p); }

}  // namespace

CachingAllocator& allocator_for(Device device) {
  if (device == Device::kHost) {
    static CachingAllocator host({host_alloc, host_free});
    return host;
  }
  if (device != Device::kCuda) throw std::invalid_argument("unknown device " + std::to_string(static_cast<int>(device)));
  if (!device_info().available) throw std::runtime_error("no usable CUDA device: " + device_info().error);
#ifdef NTP_HAVE_CUDA
  static CachingAllocator gpu(cuda::raw_memory());
  return gpu;
#else
  throw std::runtime_error("addon built without CUDA");
#endif
}

int64_t BufferTable::create(Device device, std::size_t bytes) {
  TensorBuffer b;
  b.device = device;
  b.bytes = bytes;
  b.data = allocator_for(device).allocate(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t index;
  if (!free_handles_.empty()) {
    index = static_cast<std::size_t>(free_handles_.back() - 1);
    free_handles_.pop_back();
    buffers_[index] = b;
    used_[index] = true;
  } else {
    index = buffers_.size();
    buffers_.push_back(b);
    used_.push_back(true);
  }
  ++live_;
  return static_cast<int64_t>(index) + 1;
}

TensorBuffer BufferTable::get(int64_t handle) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (handle < 1 || static_cast<std::size_t>(handle) > buffers_.size() || !used_[static_cast<std::size_t>(handle - 1)])
    throw std::out_of_range("tensor handle " + std::to_string(handle) + " is not a live buffer");
  return buffers_[static_cast<std::size_t>(handle - 1)];
}

void BufferTable::destroy(int64_t handle) {
  const TensorBuffer b = get(handle);
  allocator_for(b.device).release(b.data, b.bytes);
  std::lock_guard<std::mutex> lock(mu_);
  used_[static_cast<std::size_t>(handle - 1)] = false;
  free_handles_.push_back(handle);
  --live_;
}

std::size_t BufferTable::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

void write_buffer(const TensorBuffer& b, std::size_t offset, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  char* dst = static_cast<char*>(b.data) + offset;
#ifdef NTP_HAVE_CUDA
  if (b.device == Device::kCuda) return cuda::upload(dst, src, bytes);
#endif
  std::memcpy(dst, src, bytes);
}

void read_buffer(const TensorBuffer& b, std::size_t offset, void* dst, std::size_t bytes) {
  if (bytes == 0) return;
  const char* src = static_cast<const char*>(b.data) + offset;
#ifdef NTP_HAVE_CUDA
  if (b.device == Device::kCuda) return cuda::download(dst, src, bytes);
#endif
  std::memcpy(dst, src, bytes);
}

BufferTable& tensor_buffers() {
  static BufferTable table;
  return table;
}

}  // namespace ntp
