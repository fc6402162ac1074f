// A CUDA error that breaks the context makes the GPU unusable for the rest of the process
// (cuda_usable says so, naming the first such error, and `auto` picks the CPU); other errors
// (out of memory, a bad argument) leave it usable. Checked on the host: the record is plain C++.
#include <string>

#ifdef NTP_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

#include "../cuda/cuda_api.h"
#include "check.h"

using namespace ntp;

TEST_CASE(only_context_breaking_errors_make_cuda_unusable) {
  std::string before, after;
  const bool usable = cuda_usable(&before);
  CHECK(usable == before.empty());
  CHECK(usable || !before.empty());
#ifdef NTP_HAVE_CUDA
  note_cuda_error(cudaErrorMemoryAllocation, "cudaMalloc");
  note_cuda_error(cudaErrorInvalidValue, "cudaMemcpy");
  CHECK(cuda_usable(&after) == usable && after == before);
  note_cuda_error(cudaErrorIllegalAddress, "sweep_kernel");
  note_cuda_error(cudaErrorLaunchFailure, "adam_kernel");  // the first one is the one named
  CHECK(!cuda_usable(&after));
  CHECK(after.find("context was lost") != std::string::npos && after.find("sweep_kernel") != std::string::npos);
  CHECK(after.find("adam_kernel") == std::string::npos);
#else
  note_cuda_error(700, "sweep_kernel");  // no CUDA compiled in: nothing to record
  CHECK(cuda_usable(&after) == usable && after == before);
#endif
}

NTP_TEST_MAIN
