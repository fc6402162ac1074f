// Marks small math shared verbatim by the CPU kernels and their CUDA twins.
#pragma once
#if defined(__CUDACC__)
#define NTP_HD __host__ __device__ inline
#else
#define NTP_HD inline
#endif
