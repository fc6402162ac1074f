// CUDA engine of a planned sweep (core/sweep_plan.h). Per GPU, one host thread walks that GPU's
// launches with a stream per stage: uploads (a symbol's bars from a pinned staging buffer, its
// event lists computed there on the GPU, and the launch's units), kernels, and downloads into
// pinned buffers, over a ring of three launch slots, so one launch's upload, the previous one's
// kernel and the one before's download overlap; the streams, the ring and the staging buffers
// stay with the GPU from one call to the next (Kit). A symbol is uploaded once per GPU before
// its first launch there and freed, stream-ordered, after its last. One thread per slot runs
// run_path (the CPU engine's state machine) on event lists equal to the CPU engine's
// (sweep_events.cuh; core/sweep_run.cpp).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../core/backtest/backtest_path.h"
#include "../core/backtest/backtest_sources.h"
#include "cuda_api.h"
#include "device_buffer.cuh"
#include "sweep_events.cuh"

namespace ntp::cuda {
namespace {

// One symbol as the kernel reads it (device pointers); a table of S per GPU.
struct SweepSymbol {
  const double *open, *high, *low, *close;
  long n;
  double bars_per_year;
  const uint64_t* offsets;  // rule sweeps: rule rule_lo + k owns events[offsets[k], offsets[k + 1])
  const int32_t* events;
  uint32_t rule_lo;
  const int8_t* side;  // signal sweeps: the symbol's columns
  const double *stop, *t0, *t1, *t2, *size;
};

template <bool kRules>
__global__ void sweep_kernel(const sweep::Unit* units, std::size_t unit_count, uint64_t slots, uint64_t params_per_rule,
                             uint64_t lane_group, const SweepSymbol* syms, const bt::PathParams* params,
                             uint64_t path_begin, double* metrics) {
  const uint64_t slot = blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x;
  if (slot >= slots) return;
  const sweep::SlotTarget t = sweep::locate_slot(units, unit_count, slot, params_per_rule, lane_group);
  if (!t.used) return;
  const SweepSymbol& sy = syms[t.symbol];
  const bt::Bars bars{sy.open, sy.high, sy.low, sy.close, sy.n};
  double* m = metrics + (t.path - path_begin) * bt::kMetricCount;
  bt::NoTrace none;
  if constexpr (kRules) {
    const uint64_t k = t.rule - sy.rule_lo;
    const bt::EventListSource src{sy.events + sy.offsets[k], sy.events + sy.offsets[k + 1]};
    bt::run_path(bars, src, params[t.param], sy.bars_per_year, m, none);
  } else {
    const bt::SignalSource src{sy.side, sy.stop, sy.t0, sy.t1, sy.t2, sy.size};
    bt::run_path(bars, src, params[t.param], sy.bars_per_year, m, none);
  }
}

constexpr unsigned kThreads = 128;

struct Event {
  cudaEvent_t e = nullptr;
  Event() { check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate"); }
  ~Event() { if (e) cudaEventDestroy(e); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
};

// Page-locked host memory: the only kind a copy can overlap with kernels from.
template <class T>
struct Pinned {
  T* p = nullptr;
  std::size_t n = 0;
  explicit Pinned(std::size_t count) : n(count) {
    if (n) check(cudaMallocHost(reinterpret_cast<void**>(&p), n * sizeof(T)), "cudaMallocHost");
  }
  ~Pinned() { if (p) cudaFreeHost(p); }
  Pinned(const Pinned&) = delete;
  Pinned& operator=(const Pinned&) = delete;
};

// Thrown on a GPU's thread when another GPU failed, so that it stops: that GPU's error is the
// one reported.
struct Stopped {};

// One symbol's bytes on the device: OHLC, then (signal sweeps) the five level columns and the
// sides; every part 8-byte aligned. A rule sweep's event lists have their own allocation.
struct Blob {
  std::size_t bytes = 0;
  std::size_t levels = 0, side = 0;  // byte offsets
};

Blob layout(std::size_t n, bool signals) {
  Blob b;
  b.bytes = 4 * n * sizeof(double);
  if (signals) {
    b.levels = b.bytes;
    b.bytes += 5 * n * sizeof(double);
    b.side = b.bytes;
    b.bytes += (n + 7) / 8 * 8;
  }
  return b;
}

// One launch in flight: its units and metrics on the device and in pinned memory, and the
// events of its three stages.
struct Slot {
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t paths, units;  // capacity
  DeviceBuffer<double> d_metrics;
  Pinned<double> h_metrics;
  DeviceBuffer<sweep::Unit> d_units;
  Pinned<sweep::Unit> h_units;
  Event uploaded, ran, downloaded;
  std::size_t launch = kNone;
  Slot(std::size_t paths_, std::size_t units_)
      : paths(paths_), units(units_), d_metrics(paths * bt::kMetricCount), h_metrics(paths * bt::kMetricCount),
        d_units(units), h_units(units) {}
};

// A pinned buffer symbols go up through, free again once `free` has passed.
struct Staging {
  std::unique_ptr<Pinned<unsigned char>> buf;
  Event free;
};

// What a GPU keeps from one call to the next: its stage streams, the ring's slots and the
// staging buffers. Page-locked memory takes milliseconds per megabyte to allocate and `ntp sweep`
// makes a call per window of paths: allocated per call, the ring would cost about as much as a
// window's kernels. One call at a time uses a GPU's kit (another waits for it). Never freed:
// destroying streams and pinned memory at exit would race the CUDA runtime's own teardown.
struct Kit {
  std::mutex busy;
  // The upload stream also runs the event list kernels, and the launch thread waits for their
  // counts (sweep_events.cuh): urgent, they take SMs as the running sweep kernel's blocks end.
  Stream up{true}, run, down;
  // The device's default pool, which only the sweep's stream-ordered allocations use (symbols,
  // event lists, their scratch). Set to keep what a call frees until the call ends (it would
  // unmap it at every synchronisation, and each launch synchronises once), and never to give the
  // upload stream a block freed on the run stream by making it wait for that stream: the event
  // counts would then wait for the previous launch's kernel.
  cudaMemPool_t pool = nullptr;
  std::vector<std::unique_ptr<Slot>> ring;  // grown to the largest launches seen
  Staging staging[2];
  int next_staging = 0;

  Kit() {
    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    check(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
    uint64_t keep = UINT64_MAX;
    check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep), "cudaMemPoolSetAttribute");
    int no = 0;
    check(cudaMemPoolSetAttribute(pool, cudaMemPoolReuseAllowInternalDependencies, &no), "cudaMemPoolSetAttribute");
  }

  // The first `count` slots, each holding at least `paths` metrics rows and `units` units.
  void fit_ring(std::size_t count, std::size_t paths, std::size_t units) {
    if (ring.size() < count) ring.resize(count);
    for (std::size_t k = 0; k < count; ++k) {
      if (!ring[k] || ring[k]->paths < paths || ring[k]->units < units) {
        const std::size_t p = std::max(paths, ring[k] ? ring[k]->paths : 0), u = std::max(units, ring[k] ? ring[k]->units : 0);
        ring[k].reset();  // the old buffers go first: near the memory limit both may not fit
        ring[k] = std::make_unique<Slot>(p, u);
      }
      ring[k]->launch = Slot::kNone;  // a failed call may have left one set
    }
  }

  // At the end of a call: keeps no slot bigger than a default launch (a call with a larger
  // `launchPaths` must not hold its memory for the rest of the process), and gives the pool's
  // free memory back to the device.
  void trim() {
    for (auto& slot : ring)
      if (slot && slot->paths > sweep::kCudaMaxLaunch) slot.reset();
    cudaMemPoolTrimTo(pool, 0);
  }
};

// The kit of the current device (created on first use, with that device current: its streams
// and events belong to it).
Kit& current_kit() {
  static std::mutex mu;
  static auto* kits = new std::map<int, Kit*>();
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  std::lock_guard<std::mutex> lock(mu);
  Kit*& k = (*kits)[device];
  if (!k) k = new Kit();
  return *k;
}

// The launches of one GPU, run through the stage streams.
class DeviceRun {
 public:
  DeviceRun(const SweepInputs& in, const sweep::Plan& plan, const RuleSeries& series,
            const std::vector<std::pair<uint32_t, uint32_t>>& ranges, double* metrics, const SweepProgress& progress)
      : in_(in), plan_(plan), series_(series), ranges_(ranges), metrics_(metrics), progress_(progress), kit_(current_kit()),
        hold_(kit_.busy), table_host_(in.S), table_(in.S), params_(in.params, in.P), resident_(in.S, nullptr),
        resident_events_(in.S, nullptr) {
    std::memset(table_host_.p, 0, in.S * sizeof(SweepSymbol));
    // The risk sets went up on the default stream, which the non-blocking stage streams do not wait for.
    check(cudaDeviceSynchronize(), "sweep risk sets upload");
  }

  ~DeviceRun() {
    // After a failure: wait for the streams, then free what is still resident.
    cudaDeviceSynchronize();
    for (const auto* held : {&resident_, &resident_events_})
      for (void* p : *held)
        if (p) cudaFree(p);
    kit_.trim();
  }

  void run(const std::vector<std::size_t>& mine, const std::atomic<bool>& stop) {
    std::size_t max_paths = 1, max_units = 1;
    for (const std::size_t i : mine) {
      const sweep::Launch& l = plan_.launches[i];
      max_paths = std::max<std::size_t>(max_paths, l.path_end - l.path_begin);
      max_units = std::max(max_units, l.unit_end - l.unit_begin);
    }
    const std::size_t used = std::min(sweep::kCudaRing, mine.size());  // slots in flight
    try {
      kit_.fit_ring(used, max_paths, max_units);
      const auto slot_of = [&](std::size_t j) -> Slot& { return *kit_.ring[j % used]; };
      for (std::size_t j = 0; j < mine.size(); ++j) {
        if (stop) throw Stopped{};  // another GPU failed: no further launch
        Slot& slot = slot_of(j);
        if (slot.launch != kNone) place(slot);
        issue(mine[j], slot);
      }
      for (std::size_t j = mine.size() > used ? mine.size() - used : 0; j < mine.size(); ++j) place(slot_of(j));
      check(cudaStreamSynchronize(kit_.run.s), "sweep frees");
    } catch (...) {
      cudaDeviceSynchronize();  // nothing of this call may still be in flight in the kit's buffers
      throw;
    }
  }

 private:
  static constexpr std::size_t kNone = Slot::kNone;

  // Launch i: its new symbols and units on the upload stream, the kernel once they are there,
  // its metrics back once it ran.
  void issue(std::size_t i, Slot& slot) {
    const sweep::Launch& l = plan_.launches[i];
    for (const uint32_t s : l.upload) upload(s);
    if (in_.rules) make_events(l.upload);
    const std::size_t units = l.unit_end - l.unit_begin;
    std::memcpy(slot.h_units.p, plan_.units.data() + l.unit_begin, units * sizeof(sweep::Unit));
    check(cudaMemcpyAsync(slot.d_units.get(), slot.h_units.p, units * sizeof(sweep::Unit), cudaMemcpyHostToDevice, kit_.up.s),
          "sweep units upload");
    check(cudaEventRecord(slot.uploaded.e, kit_.up.s), "cudaEventRecord");
    check(cudaStreamWaitEvent(kit_.run.s, slot.uploaded.e, 0), "cudaStreamWaitEvent");
    const unsigned blocks = blocks_for(l.slots, kThreads);
    const uint64_t P = plan_.shape.params, G = plan_.limits.lane_group;
    if (in_.rules)
      sweep_kernel<true><<<blocks, kThreads, 0, kit_.run.s>>>(slot.d_units.get(), units, l.slots, P, G, table_.get(),
                                                         params_.get(), l.path_begin, slot.d_metrics.get());
    else
      sweep_kernel<false><<<blocks, kThreads, 0, kit_.run.s>>>(slot.d_units.get(), units, l.slots, P, G, table_.get(),
                                                          params_.get(), l.path_begin, slot.d_metrics.get());
    check(cudaGetLastError(), "sweep_kernel launch");
    check(cudaEventRecord(slot.ran.e, kit_.run.s), "cudaEventRecord");
    for (const uint32_t s : l.release) {
      for (auto* held : {&resident_, &resident_events_}) {
        if ((*held)[s]) check(cudaFreeAsync((*held)[s], kit_.run.s), "cudaFreeAsync");
        (*held)[s] = nullptr;
      }
    }
    check(cudaStreamWaitEvent(kit_.down.s, slot.ran.e, 0), "cudaStreamWaitEvent");
    const std::size_t bytes = (l.path_end - l.path_begin) * bt::kMetricCount * sizeof(double);
    check(cudaMemcpyAsync(slot.h_metrics.p, slot.d_metrics.get(), bytes, cudaMemcpyDeviceToHost, kit_.down.s), "sweep metrics download");
    check(cudaEventRecord(slot.downloaded.e, kit_.down.s), "cudaEventRecord");
    slot.launch = i;
  }

  // A launch's metrics, once downloaded, to their place in path order.
  void place(Slot& slot) {
    check(cudaEventSynchronize(slot.downloaded.e), "sweep_kernel");
    const sweep::Launch& l = plan_.launches[slot.launch];
    const std::size_t paths = l.path_end - l.path_begin;
    std::memcpy(metrics_ + (l.path_begin - plan_.path_begin) * bt::kMetricCount, slot.h_metrics.p,
                paths * bt::kMetricCount * sizeof(double));
    if (progress_) progress_(paths);
    slot.launch = kNone;
  }

  // Symbol s into device memory through a pinned staging buffer (two, alternating, each reused
  // once its previous copy is done), and its table entry.
  void upload(uint32_t s) {
    const Candles& c = in_.symbols[s].candles;
    const std::size_t n = c.length;
    const Blob b = layout(n, !in_.rules);
    Staging& st = kit_.staging[kit_.next_staging];
    kit_.next_staging = 1 - kit_.next_staging;
    check(cudaEventSynchronize(st.free.e), "sweep symbol upload");
    if (!st.buf || st.buf->n < b.bytes) {
      st.buf.reset();
      st.buf = std::make_unique<Pinned<unsigned char>>(b.bytes);
    }
    unsigned char* h = st.buf->p;
    const double* cols[4] = {c.open, c.high, c.low, c.close};
    for (int k = 0; k < 4; ++k) std::memcpy(h + k * n * sizeof(double), cols[k], n * sizeof(double));
    if (!in_.rules) {
      const SignalColumns& g = in_.signals[s];
      const double* levels[5] = {g.stop, g.target[0], g.target[1], g.target[2], g.size};
      for (int k = 0; k < 5; ++k) std::memcpy(h + b.levels + k * n * sizeof(double), levels[k], n * sizeof(double));
      std::memcpy(h + b.side, g.side, n);
    }
    void* d = nullptr;
    allocate([&] { return cudaMallocAsync(&d, b.bytes, kit_.up.s); }, "cudaMallocAsync (sweep symbol)");
    resident_[s] = d;
    check(cudaMemcpyAsync(d, h, b.bytes, cudaMemcpyHostToDevice, kit_.up.s), "sweep symbol upload");
    check(cudaEventRecord(st.free.e, kit_.up.s), "cudaEventRecord");
    const unsigned char* base = static_cast<const unsigned char*>(d);
    const auto at = [&](std::size_t off) { return reinterpret_cast<const double*>(base + off); };
    SweepSymbol& e = table_host_.p[s];
    e.open = at(0);
    e.high = at(n * sizeof(double));
    e.low = at(2 * n * sizeof(double));
    e.close = at(3 * n * sizeof(double));
    e.n = static_cast<long>(n);
    e.bars_per_year = in_.symbols[s].bars_per_year;
    if (in_.rules) return;  // its table entry goes up with its event lists (make_events)
    e.stop = at(b.levels);
    e.t0 = at(b.levels + n * sizeof(double));
    e.t1 = at(b.levels + 2 * n * sizeof(double));
    e.t2 = at(b.levels + 3 * n * sizeof(double));
    e.size = at(b.levels + 4 * n * sizeof(double));
    e.side = reinterpret_cast<const int8_t*>(base + b.side);
    upload_entry(s);
  }

  // The event lists of a launch's new symbols, computed on this GPU from their uploaded closes
  // (their series in groups of bounded scratch), and their table entries.
  void make_events(const std::vector<uint32_t>& symbols) {
    for (const EventJobs& g : plan_event_jobs(in_, series_, symbols, ranges_, kEventScratch)) {
      std::vector<JobSymbol> on_device;
      for (const uint32_t s : g.symbols) on_device.push_back({table_host_.p[s].close, table_host_.p[s].n});
      std::vector<DeviceEvents> lists = device_events(g, on_device, kit_.up.s);
      for (std::size_t k = 0; k < g.symbols.size(); ++k) resident_events_[g.symbols[k]] = lists[k].blob;  // freed by this run
      for (std::size_t k = 0; k < g.symbols.size(); ++k) {
        const uint32_t s = g.symbols[k];
        SweepSymbol& e = table_host_.p[s];
        e.offsets = lists[k].offsets;
        e.events = lists[k].events;
        e.rule_lo = lists[k].rule_lo;
        upload_entry(s);
      }
    }
  }

  void upload_entry(uint32_t s) {
    check(cudaMemcpyAsync(table_.get() + s, table_host_.p + s, sizeof(SweepSymbol), cudaMemcpyHostToDevice, kit_.up.s),
          "sweep symbol table");
  }

  const SweepInputs& in_;
  const sweep::Plan& plan_;
  // Rule sweeps: every rule's series, each symbol's rules.
  const RuleSeries& series_;
  const std::vector<std::pair<uint32_t, uint32_t>>& ranges_;
  double* metrics_;
  const SweepProgress& progress_;
  Kit& kit_;
  std::unique_lock<std::mutex> hold_;  // this GPU's kit, for the whole call
  Pinned<SweepSymbol> table_host_;
  DeviceBuffer<SweepSymbol> table_;
  DeviceBuffer<bt::PathParams> params_;
  std::vector<void*> resident_, resident_events_;  // per symbol: its bytes, its event lists
};

}  // namespace

void run_sweep(const SweepInputs& in, const sweep::Plan& plan, double* metrics, const SweepProgress& progress) {
  if (in.S != plan.shape.bars.size() || in.P != plan.shape.params || plan.shape.rules != (in.rules ? in.R : 1) ||
      (!in.rules && !in.signals))
    throw std::invalid_argument("cuda::run_sweep: the plan's shape does not match the sweep inputs");
  const std::size_t D = plan.limits.devices;
  if (static_cast<int>(D) > device_info().device_count)
    throw std::invalid_argument("cuda::run_sweep: the plan uses " + std::to_string(D) + " GPUs; " +
                                std::to_string(device_info().device_count) + " are usable");
  std::vector<std::vector<std::size_t>> mine(D);
  for (std::size_t i = 0; i < plan.launches.size(); ++i) mine[plan.launches[i].device].push_back(i);
  const RuleSeries series = in.rules ? plan_rule_series(in.rules, in.R) : RuleSeries{};
  const auto ranges = in.rules ? plan_rule_ranges(plan) : std::vector<std::pair<uint32_t, uint32_t>>{};
  std::atomic<bool> stop{false};
  const auto one = [&](std::size_t d) {
    if (stop) return;  // another GPU failed before this one started
    check(cudaSetDevice(static_cast<int>(d)), "cudaSetDevice");
    DeviceRun(in, plan, series, ranges, metrics, progress).run(mine[d], stop);
  };
  if (D == 1) return one(0);
  std::vector<std::exception_ptr> errors(D);
  std::vector<std::thread> threads;
  threads.reserve(D);
  std::exception_ptr not_started;
  try {
    for (std::size_t d = 0; d < D; ++d)
      threads.emplace_back([&, d] {
        try {
          one(d);
        } catch (const Stopped&) {  // the failing GPU's error is the one reported
        } catch (...) {
          errors[d] = std::current_exception();
          stop = true;
        }
      });
  } catch (...) {  // a thread that could not start: the started ones stop
    not_started = std::current_exception();
    stop = true;
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)  // a GPU's own failure first: it may be why the thread could not start
    if (e) std::rethrow_exception(e);
  if (not_started) std::rethrow_exception(not_started);
}

namespace {

SweepInputs grid_of(const BacktestSymbol* symbols, std::size_t S, const bt::PathParams* params, std::size_t P) {
  SweepInputs in;
  in.symbols = symbols;
  in.S = S;
  in.params = params;
  in.P = P;
  return in;
}

// Every path of a grid as one planned window on the first GPU.
void run_whole(const SweepInputs& in, double* metrics) {
  const sweep::Shape shape = sweep_shape(in);
  const uint64_t paths = shape.paths();
  cuda::run_sweep(in, sweep::plan_sweep(shape, {sweep::cuda_launch_slots(paths, 1), sweep::kWarp, 1}, 0, paths), metrics, {});
}

}  // namespace

void backtest_signals(const BacktestSymbol* symbols, const SignalColumns* signals, std::size_t S,
                      const bt::PathParams* params, std::size_t P, double* metrics, InputCheck input_check) {
  if (input_check == InputCheck::kRun) {
    check_backtest_common(symbols, S, params, P);
    check_signal_columns(signals, symbols, S);
  }
  SweepInputs in = grid_of(symbols, S, params, P);
  in.signals = signals;
  run_whole(in, metrics);
}

void backtest_rules(const BacktestSymbol* symbols, std::size_t S, const RuleSpec* rules, std::size_t R,
                    const bt::PathParams* params, std::size_t P, double* metrics, InputCheck input_check) {
  if (input_check == InputCheck::kRun) {
    check_backtest_common(symbols, S, params, P);
    check_rules(rules, R);
  }
  SweepInputs in = grid_of(symbols, S, params, P);
  in.rules = rules;
  in.R = R;
  run_whole(in, metrics);
}

}  // namespace ntp::cuda
