#include "cuda_api.h"

#include <mutex>
#include <string>

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
      cudaGetLastError();  // cleared, so later launch checks do not report it again
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
      cudaGetLastError();
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

namespace {
std::mutex lost_mu;
std::string lost;  // the first context-breaking error, empty while none
}  // namespace

void note_cuda_error(int code, const char* what) {
#ifdef NTP_HAVE_CUDA
  switch (static_cast<cudaError_t>(code)) {
    case cudaErrorIllegalAddress: case cudaErrorLaunchFailure: case cudaErrorAssert:
    case cudaErrorHardwareStackError: case cudaErrorIllegalInstruction: case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace: case cudaErrorInvalidPc: case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable: {
      std::lock_guard<std::mutex> lock(lost_mu);
      if (lost.empty())
        lost = std::string("the CUDA context was lost (") + what + ": " + cudaGetErrorString(static_cast<cudaError_t>(code)) +
               "); restart the process to use the GPU again";
      break;
    }
    default: break;
  }
#else
  (void)code;
  (void)what;
#endif
}

bool cuda_usable(std::string* why) {
  std::string reason;
  {
    std::lock_guard<std::mutex> lock(lost_mu);
    reason = lost;
  }
  if (reason.empty() && !device_info().available) reason = device_info().error;
  if (why) *why = reason;
  return reason.empty();
}

}  // namespace ntp
