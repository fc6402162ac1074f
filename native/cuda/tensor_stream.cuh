// The one CUDA stream of the ntp backend's tensors (defined in tensor_ops.cu): every kernel over
// them is queued on it, so a block the caching allocator hands back is only reused by work queued
// after its last use.
#pragma once
#include <cuda_runtime.h>

namespace ntp::cuda {
cudaStream_t tensor_stream();
}  // namespace ntp::cuda
