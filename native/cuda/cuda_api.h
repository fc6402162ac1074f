// The CUDA side of the core, callable from plain C++ (no CUDA types here). Every function
// besides device_info() exists only when NTP_HAVE_CUDA is defined; callers check
// device_info().available first and fall back to the CPU twin otherwise.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "../core/gemm.h"
#include "../core/windowing.h"

namespace ntp {

struct DeviceInfo {
  bool compiled = false;   // the addon was built with CUDA kernels
  bool available = false;  // ...and a usable device answered at run time
  int device_count = 0;
  std::string name;        // first device's name, empty when none
  std::string error;       // why CUDA is unavailable, when it is not
};

// Queried once and cached: a machine without a GPU reports available = false, never crashes.
const DeviceInfo& device_info();

#ifdef NTP_HAVE_CUDA
namespace cuda {
void build_windows(const Candles& candles, const WindowSpec& spec, const int32_t* ends,
                   std::size_t count, const WindowOutputs& out);
// Twin of ntp::gemm on host pointers: copies gemm_extents() of each operand to the device,
// runs the tiled kernel, copies C back.
void gemm(const GemmArgs& args);
}  // namespace cuda
#endif

}  // namespace ntp
