// Device-side GEMM launch shared by the CUDA twins (gemm.cu, lstm.cu): same GemmArgs contract
// as core/gemm.h, but every pointer in `args` is a device pointer.
#pragma once
#include <cuda_runtime.h>

#include "../core/nn/gemm.h"

namespace ntp::cuda {

// Enqueues the product on `stream` (no synchronisation); arguments are assumed checked.
void launch_gemm(const GemmArgs& device_args, cudaStream_t stream = nullptr);

}  // namespace ntp::cuda
