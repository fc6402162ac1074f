// Memory of the `ntp` tfjs backend's devices (the host, or a CUDA GPU): a caching allocator per
// device and one table of tensor buffers, addressed from JS by integer handles.
//
// The allocator rounds each request up to a size class (four classes per power of two, 256 B
// minimum) and keeps released blocks on a free list per class, so a training step, which frees
// and allocates the same shapes every step, stops calling the device's allocator (cudaMalloc)
// after its first step. Its counters (bytes in use, cached, peak) are what `ntp doctor` and the
// memory tests read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace ntp {

enum class Device : int32_t { kHost = 0, kCuda = 1 };

struct AllocatorStats {
  int64_t in_use = 0;       // bytes of the size classes handed out and not yet released
  int64_t cached = 0;       // bytes on the free lists, ready for reuse
  int64_t peak = 0;         // highest in_use seen
  int64_t device_allocs = 0;  // calls to the device's own allocator (cache misses)
  int64_t reuses = 0;       // requests served from a free list
};

// The device's raw allocation functions; `alloc` returns null when the device is out of memory.
struct RawMemory {
  void* (*alloc)(std::size_t bytes);
  void (*free)(void* p);
};

class CachingAllocator {
 public:
  explicit CachingAllocator(RawMemory raw) : raw_(raw) {}
  ~CachingAllocator() { empty_cache(); }
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // The size class a request of `bytes` gets (0 for 0).
  static std::size_t size_class(std::size_t bytes);
  // A block of at least `bytes` (null for 0); on a device out-of-memory the cache is emptied
  // and the allocation retried once, then std::bad_alloc.
  void* allocate(std::size_t bytes);
  // Returns a block from allocate(bytes) to its free list.
  void release(void* p, std::size_t bytes);
  // Gives every cached block back to the device.
  void empty_cache();
  AllocatorStats stats() const;

 private:
  RawMemory raw_;
  mutable std::mutex mu_;
  std::map<std::size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

// The allocator of `device`; std::runtime_error when that device is not available in this build
// or on this machine.
CachingAllocator& allocator_for(Device device);

// Working memory of one kernel call from its device's caching allocator, released when the call
// ends (or throws). On CUDA the block goes back to the free list as soon as the work is queued:
// every kernel over tensor buffers runs on the one tensor stream, so only work queued later
// reuses it.
class Scratch {
 public:
  Scratch(Device device, std::size_t bytes) : alloc_(allocator_for(device)), bytes_(bytes), p_(alloc_.allocate(bytes)) {}
  ~Scratch() { alloc_.release(p_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(p_); }

 private:
  CachingAllocator& alloc_;
  std::size_t bytes_;
  void* p_;
};

struct TensorBuffer {
  void* data = nullptr;
  std::size_t bytes = 0;
  Device device = Device::kHost;
};

// Handles of live buffers (1, 2, ...; freed handles are reused). Not thread-safe beyond the
// mutex around the table itself: kernels run on the JS thread or on the device's stream.
class BufferTable {
 public:
  int64_t create(Device device, std::size_t bytes);
  // std::out_of_range naming the handle when it is not live.
  TensorBuffer get(int64_t handle) const;
  void destroy(int64_t handle);
  std::size_t live() const;

 private:
  mutable std::mutex mu_;
  std::vector<TensorBuffer> buffers_;  // index = handle - 1
  std::vector<bool> used_;
  std::vector<int64_t> free_handles_;
  std::size_t live_ = 0;
};

BufferTable& tensor_buffers();

// Copies between host memory and a buffer of either device (`offset`/`bytes` within the buffer,
// checked by the caller). On CUDA a read waits for the device stream, so it sees every kernel
// queued before it; a write is queued on that stream in order, from a pinned staging copy up to
// 16 MiB (cuda/tensor_ops.cu), so it returns without draining the stream (it waits only while
// the staging ring's 64 MiB or 4,096 regions are taken by copies not yet run). Either way a
// write's source may be reused as soon as it returns.
void write_buffer(const TensorBuffer& b, std::size_t offset, const void* src, std::size_t bytes);
void read_buffer(const TensorBuffer& b, std::size_t offset, void* dst, std::size_t bytes);

#ifdef NTP_HAVE_CUDA
namespace cuda {
RawMemory raw_memory();
void upload(void* device_dst, const void* host_src, std::size_t bytes);
void download(void* host_dst, const void* device_src, std::size_t bytes);
}  // namespace cuda
#endif

}  // namespace ntp
