// A rule sweep's event lists computed on the GPU (core/backtest/rule_event_jobs.h: a thread per
// series job, then per rule job to count and to write), for cuda/sweep.cu and
// cuda::rule_events_of.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../core/backtest/rule_event_jobs.h"

namespace ntp::cuda {

// Series scratch of one job group, in doubles (1 GiB): plan_event_jobs' limit.
inline constexpr uint64_t kEventScratch = uint64_t{1} << 27;

// One symbol's lists on the device, in one allocation: offsets (uint64, one per rule and the
// end), then the events (int32), as SymbolEvents holds them on the host.
struct DeviceEvents {
  void* blob = nullptr;  // freed by the owner, stream-ordered
  const uint64_t* offsets = nullptr;
  const int32_t* events = nullptr;
  uint32_t rule_lo = 0;
  std::vector<uint64_t> host_offsets;
};

// The lists of a group's symbols, whose closes are on the device (symbols[k], in the group's
// order), computed on `stream`. Returns once the counts are known (the host sizes each list);
// the events are written, and the scratch freed, in stream order after that.
std::vector<DeviceEvents> device_events(const EventJobs& jobs, const std::vector<JobSymbol>& symbols, cudaStream_t stream);

}  // namespace ntp::cuda
