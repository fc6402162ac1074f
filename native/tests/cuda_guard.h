// CUDA twin tests start with NTP_CUDA_OR_SKIP(): without a usable GPU they say so and return,
// unless NTP_REQUIRE_CUDA=1 (set by bench/gpu/run.sh), where a missing GPU fails the case so a
// GPU check can never pass without the GPU having run.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../cuda/cuda_api.h"
#include "check.h"

namespace ntp::test {
inline bool cuda_required() {
  const char* v = std::getenv("NTP_REQUIRE_CUDA");
  return v != nullptr && std::strcmp(v, "1") == 0;
}
}  // namespace ntp::test

#define NTP_CUDA_OR_SKIP()                                                                   \
  do {                                                                                       \
    if (!::ntp::device_info().available) {                                                   \
      if (::ntp::test::cuda_required()) {                                                    \
        std::fprintf(stderr, "  NTP_REQUIRE_CUDA=1 but no usable CUDA device: %s\n",        \
                     ::ntp::device_info().error.c_str());                                    \
        ++::ntp::test::failures();                                                           \
        return;                                                                              \
      }                                                                                      \
      std::printf("  (no usable CUDA device: %s; CUDA twin not exercised)\n",                \
                  ::ntp::device_info().error.c_str());                                       \
      return;                                                                                \
    }                                                                                        \
  } while (0)
