// A rule sweep's event lists on the GPU (sweep_events.cuh): the jobs of
// core/backtest/rule_event_jobs.h, a thread each, in three kernels on one stream (series, counts,
// events), with one wait in between for the counts that size the lists.
#include "sweep_events.cuh"

#include <memory>

#include "cuda_api.h"
#include "device_buffer.cuh"

namespace ntp::cuda {
namespace {

constexpr unsigned kJobThreads = 128;  // a block: 4 warps of jobs

__global__ void series_kernel(const SeriesJob* jobs, std::size_t count, const JobSymbol* symbols, double* scratch) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < count) run_series_job(jobs[i], symbols, scratch);
}

__global__ void count_kernel(const RuleJob* jobs, std::size_t count, const JobSymbol* symbols, const double* scratch,
                             uint64_t* counts) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < count) counts[i] = count_rule_job(jobs[i], symbols, scratch);
}

__global__ void write_kernel(const RuleJob* jobs, std::size_t count, const JobSymbol* symbols, const double* scratch,
                             int32_t* const* out) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < count) write_rule_job(jobs[i], symbols, scratch, out[i]);
}

// Device memory of one group's temporaries, allocated and freed in the order of `stream`.
template <class T>
class StreamBuffer {
 public:
  StreamBuffer(std::size_t n, cudaStream_t stream) : stream_(stream) {
    if (n) allocate([&] { return cudaMallocAsync(reinterpret_cast<void**>(&p_), n * sizeof(T), stream_); }, "cudaMallocAsync (sweep events)");
  }
  // Host data up (pageable: the copy has taken it when the call returns).
  StreamBuffer(const T* host, std::size_t n, cudaStream_t stream) : StreamBuffer(n, stream) {
    if (n) check(cudaMemcpyAsync(p_, host, n * sizeof(T), cudaMemcpyHostToDevice, stream_), "sweep events upload");
  }
  StreamBuffer(const std::vector<T>& host, cudaStream_t stream) : StreamBuffer(host.data(), host.size(), stream) {}
  ~StreamBuffer() { if (p_) cudaFreeAsync(p_, stream_); }
  StreamBuffer(const StreamBuffer&) = delete;
  StreamBuffer& operator=(const StreamBuffer&) = delete;
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
  cudaStream_t stream_;
};

// Frees the lists it holds (device_events': those made so far, if a later step throws;
// rule_events_of's: once downloaded) unless they were kept for their owner.
struct ListsGuard {
  std::vector<DeviceEvents>& lists;
  cudaStream_t stream;
  bool kept = false;
  ~ListsGuard() {
    if (kept) return;
    for (DeviceEvents& d : lists)
      if (d.blob) cudaFreeAsync(d.blob, stream);
  }
};

}  // namespace

std::vector<DeviceEvents> device_events(const EventJobs& jobs, const std::vector<JobSymbol>& symbols, cudaStream_t stream) {
  const std::size_t series = jobs.series.size(), rules = jobs.rules.size();
  const StreamBuffer<JobSymbol> d_symbols(symbols, stream);
  const StreamBuffer<double> scratch(jobs.scratch, stream);
  const StreamBuffer<SeriesJob> d_series(jobs.series, stream);
  const StreamBuffer<RuleJob> d_rules(jobs.rules, stream);
  const StreamBuffer<uint64_t> d_counts(rules, stream);
  if (series) {
    series_kernel<<<blocks_for(series, kJobThreads), kJobThreads, 0, stream>>>(d_series.get(), series, d_symbols.get(), scratch.get());
    check(cudaGetLastError(), "series_kernel launch");
  }
  std::vector<uint64_t> counts(rules);
  if (rules) {
    count_kernel<<<blocks_for(rules, kJobThreads), kJobThreads, 0, stream>>>(d_rules.get(), rules, d_symbols.get(), scratch.get(),
                                                                       d_counts.get());
    check(cudaGetLastError(), "count_kernel launch");
    check(cudaMemcpyAsync(counts.data(), d_counts.get(), rules * sizeof(uint64_t), cudaMemcpyDeviceToHost, stream),
          "sweep event counts download");
  }
  check(cudaStreamSynchronize(stream), "sweep event counts");
  std::vector<DeviceEvents> lists(symbols.size());
  ListsGuard guard{lists, stream};
  std::vector<int32_t*> out(rules);
  for (std::size_t k = 0; k < symbols.size(); ++k) {
    DeviceEvents& d = lists[k];
    d.rule_lo = jobs.rule_lo[k];
    d.host_offsets = event_offsets(jobs, k, counts.data());
    const std::size_t offset_bytes = d.host_offsets.size() * sizeof(uint64_t);
    allocate([&] { return cudaMallocAsync(&d.blob, offset_bytes + d.host_offsets.back() * sizeof(int32_t), stream); },
             "cudaMallocAsync (sweep events)");
    check(cudaMemcpyAsync(d.blob, d.host_offsets.data(), offset_bytes, cudaMemcpyHostToDevice, stream), "sweep event offsets upload");
    int32_t* events = reinterpret_cast<int32_t*>(static_cast<unsigned char*>(d.blob) + offset_bytes);
    d.offsets = static_cast<const uint64_t*>(d.blob);
    d.events = events;
    for (std::size_t j = jobs.first_rule_job[k]; j < jobs.first_rule_job[k + 1]; ++j)
      out[j] = events + d.host_offsets[j - jobs.first_rule_job[k]];
  }
  if (rules) {
    const StreamBuffer<int32_t*> d_out(out, stream);
    write_kernel<<<blocks_for(rules, kJobThreads), kJobThreads, 0, stream>>>(d_rules.get(), rules, d_symbols.get(), scratch.get(),
                                                                       d_out.get());
    check(cudaGetLastError(), "write_kernel launch");
  }
  guard.kept = true;
  return lists;
}

std::vector<SymbolEvents> rule_events_of(const SweepInputs& in, const std::vector<uint32_t>& symbols,
                                         const std::vector<std::pair<uint32_t, uint32_t>>& ranges) {
  const Stream stream;
  const RuleSeries series = plan_rule_series(in.rules, in.R);
  std::vector<SymbolEvents> out;
  for (const EventJobs& g : plan_event_jobs(in, series, symbols, ranges, kEventScratch)) {
    // The closes go up on the jobs' stream (a non-blocking stream does not wait for the default one).
    std::vector<std::unique_ptr<StreamBuffer<double>>> closes;
    std::vector<JobSymbol> on_device;
    for (const uint32_t s : g.symbols) {
      const Candles& c = in.symbols[s].candles;
      closes.push_back(std::make_unique<StreamBuffer<double>>(c.close, c.length, stream.s));
      on_device.push_back({closes.back()->get(), static_cast<long>(c.length)});
    }
    std::vector<DeviceEvents> lists = device_events(g, on_device, stream.s);
    const ListsGuard guard{lists, stream.s};
    for (const DeviceEvents& d : lists) {
      SymbolEvents ev;
      ev.rule_lo = d.rule_lo;
      ev.offsets = d.host_offsets;
      ev.events.resize(d.host_offsets.back());
      if (!ev.events.empty())  // pageable: the call returns once the copy is done
        check(cudaMemcpyAsync(ev.events.data(), d.events, ev.events.size() * sizeof(int32_t), cudaMemcpyDeviceToHost, stream.s),
              "sweep events download");
      out.push_back(std::move(ev));
    }
  }
  check(cudaStreamSynchronize(stream.s), "sweep events");
  return out;
}

}  // namespace ntp::cuda
