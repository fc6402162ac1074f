#include "cuda_api.h"

#ifdef NTP_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace ntp {

const DeviceInfo& device_info() {
  static const DeviceInfo info = [] {
    DeviceInfo d;
#ifdef NTP_HAVE_CUDA
    d.compiled = true;
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      d.error = cudaGetErrorString(err);
      cudaGetLastError();  // clear the sticky error so later queries start clean
      return d;
    }
    d.device_count = count;
    if (count == 0) {
      d.error = "no CUDA device";
      return d;
    }
    cudaDeviceProp prop{};
    err = cudaGetDeviceProperties(&prop, 0);
    if (err != cudaSuccess) {
      d.error = cudaGetErrorString(err);
      return d;
    }
    d.name = prop.name;
    d.memory = prop.totalGlobalMem;
    d.available = true;
#else
    d.error = "addon built without CUDA";
#endif
    return d;
  }();
  return info;
}

}  // namespace ntp
