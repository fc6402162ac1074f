// The `ntp` backend's device memory and generic tensor kernels: the caching allocator's
// accounting, the host kernels on hand-checked cases, and every CUDA twin against its host twin.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "../core/nn/device_memory.h"
#include "../core/nn/optimizer.h"
#include "../core/nn/tensor_ops.h"
#include "check.h"
#include "cuda_guard.h"

using namespace ntp;
using namespace ntp::tensor;

namespace {

RawMemory counting_memory() {
  return {[](std::size_t n) { return std::malloc(n); }, [](void* p) { std::free(p); }};
}

std::vector<float> ramp(std::size_t n, float scale = 0.37f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * scale) * 3.0f;
  return v;
}

Broadcast broadcast_of(std::vector<int64_t> out, std::vector<std::vector<int64_t>> ins) {
  std::vector<const int64_t*> p;
  std::vector<int32_t> r;
  for (auto& s : ins) { p.push_back(s.data()); r.push_back(static_cast<int32_t>(s.size())); }
  return make_broadcast(out.data(), static_cast<int32_t>(out.size()), p.data(), r.data(), static_cast<int32_t>(ins.size()));
}

}  // namespace

TEST_CASE(size_classes_round_up_by_quarter_powers_of_two) {
  CHECK(CachingAllocator::size_class(0) == 0);
  CHECK(CachingAllocator::size_class(1) == 256);
  CHECK(CachingAllocator::size_class(257) == 320);
  CHECK(CachingAllocator::size_class(1024) == 1024);
  CHECK(CachingAllocator::size_class(1025) == 1280);
  CHECK(CachingAllocator::size_class(3 << 20) == (3 << 20));
}

TEST_CASE(allocator_reuses_released_blocks_and_counts_bytes) {
  CachingAllocator a(counting_memory());
  void* p = a.allocate(1000);
  CHECK(a.stats().in_use == 1024 && a.stats().device_allocs == 1);
  a.release(p, 1000);
  CHECK(a.stats().in_use == 0 && a.stats().cached == 1024);
  void* q = a.allocate(900);  // same class: the cached block comes back
  CHECK(q == p && a.stats().reuses == 1 && a.stats().cached == 0 && a.stats().device_allocs == 1);
  void* r = a.allocate(5000);
  CHECK(a.stats().peak == 1024 + 5120);
  a.release(q, 900);
  a.release(r, 5000);
  a.empty_cache();
  CHECK(a.stats().cached == 0 && a.stats().in_use == 0 && a.stats().peak == 1024 + 5120);
}

TEST_CASE(buffer_table_reuses_handles_and_refuses_dead_ones) {
  BufferTable& t = tensor_buffers();
  const std::size_t before = t.live();
  const int64_t h = t.create(Device::kHost, 64);
  CHECK(t.get(h).bytes == 64 && t.live() == before + 1);
  t.destroy(h);
  CHECK_THROWS(t.get(h));
  const int64_t h2 = t.create(Device::kHost, 8);
  CHECK(h2 == h);
  t.destroy(h2);
  CHECK(t.live() == before);
}

TEST_CASE(binary_broadcasts_numpy_style) {
  // [2, 3] + [3] and [2, 1] * [1, 3]
  const std::vector<float> a{1, 2, 3, 4, 5, 6}, b{10, 20, 30}, c{2, 3};
  std::vector<float> y(6);
  binary(kAdd, DType::kFloat32, DType::kFloat32, a.data(), b.data(), y.data(), broadcast_of({2, 3}, {{2, 3}, {3}}));
  CHECK(y == (std::vector<float>{11, 22, 33, 14, 25, 36}));
  binary(kMul, DType::kFloat32, DType::kFloat32, c.data(), b.data(), y.data(), broadcast_of({2, 3}, {{2, 1}, {1, 3}}));
  CHECK(y == (std::vector<float>{20, 40, 60, 30, 60, 90}));
  std::vector<int32_t> m(6);
  binary(kGreater, DType::kFloat32, DType::kInt32, a.data(), c.data(), m.data(), broadcast_of({2, 3}, {{2, 3}, {2, 1}}));
  CHECK(m == (std::vector<int32_t>{0, 0, 1, 1, 1, 1}));
  CHECK_THROWS(broadcast_of({2, 3}, {{2, 3}, {2}}));
}

TEST_CASE(reductions_over_the_middle_axis) {
  // x [2, 3, 2]: reduce axis 1
  const std::vector<float> x{1, -2, 3, 4, NAN, 0, 7, 8, -9, 10, 11, 2};
  std::vector<float> y(4);
  reduce(kSum, DType::kFloat32, DType::kFloat32, x.data(), y.data(), 2, 3, 2);
  CHECK(std::isnan(y[0]) && y[1] == 2 && y[2] == 9 && y[3] == 20);
  reduce(kMax, DType::kFloat32, DType::kFloat32, x.data(), y.data(), 2, 3, 2);
  CHECK(std::isnan(y[0]) && y[1] == 4 && y[2] == 11 && y[3] == 10);
  std::vector<int32_t> idx(4);
  reduce(kArgMax, DType::kFloat32, DType::kInt32, x.data(), idx.data(), 2, 3, 2);
  CHECK(idx[1] == 1 && idx[2] == 2 && idx[3] == 1);
  reduce(kMean, DType::kFloat32, DType::kFloat32, x.data(), y.data(), 2, 0, 2);  // nothing to average: 0, as tfjs
  CHECK(y[0] == 0);
  reduce(kMax, DType::kFloat32, DType::kFloat32, x.data(), y.data(), 2, 0, 2);
  CHECK(std::isnan(y[0]));
}

TEST_CASE(strided_copy_transposes) {
  const std::vector<float> x{1, 2, 3, 4, 5, 6};  // [2, 3]
  std::vector<float> y(6);
  StridedCopy c;
  c.rank = 2;
  c.count = 6;
  c.dims[0] = 3; c.dims[1] = 2;                 // out [3, 2]
  c.src_strides[0] = 1; c.src_strides[1] = 3;
  c.dst_strides[0] = 2; c.dst_strides[1] = 1;
  copy(x.data(), y.data(), c);
  CHECK(y == (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST_CASE(unary_matches_its_definitions) {
  const std::vector<float> x{-2.5f, -0.5f, 0.0f, 0.5f, 1.5f, 2.5f, 30.0f, -30.0f};
  std::vector<float> y(x.size());
  unary(kRound, DType::kFloat32, DType::kFloat32, x.data(), y.data(), 8, 0, 0);
  CHECK(y[0] == -2 && y[1] == 0 && y[3] == 0 && y[4] == 2 && y[5] == 2);
  unary(kSoftplus, DType::kFloat32, DType::kFloat32, x.data(), y.data(), 8, 0, 0);
  CHECK_CLOSE(y[4], std::log1p(std::exp(1.5)), 1e-6);
  CHECK(y[6] == 30.0f);
  unary(kClip, DType::kFloat32, DType::kFloat32, x.data(), y.data(), 8, -1, 1);
  CHECK(y[0] == -1 && y[3] == 0.5f && y[6] == 1);
  std::vector<int32_t> b(x.size());
  unary(kNotZero, DType::kFloat32, DType::kInt32, x.data(), b.data(), 8, 0, 0);
  CHECK(b[2] == 0 && b[3] == 1);
}

#ifdef NTP_HAVE_CUDA
namespace {

// Runs `host` on host vectors and `device` on device copies of the same inputs; the outputs must
// match element for element (same body, same double arithmetic).
template <class Out>
bool twin_matches(const std::vector<std::vector<float>>& inputs, std::size_t out_n,
                  const std::function<void(const std::vector<const void*>&, void*)>& host,
                  const std::function<void(const std::vector<const void*>&, void*)>& device) {
  CachingAllocator& gpu = allocator_for(Device::kCuda);
  std::vector<const void*> hin, din;
  std::vector<void*> owned;
  for (const auto& v : inputs) {
    hin.push_back(v.data());
    void* d = gpu.allocate(v.size() * 4);
    if (!v.empty()) ntp::cuda::upload(d, v.data(), v.size() * 4);
    owned.push_back(d);
    din.push_back(d);
  }
  std::vector<Out> want(out_n), got(out_n);
  void* dout = gpu.allocate(out_n * 4);
  host(hin, want.data());
  device(din, dout);
  if (out_n) ntp::cuda::download(got.data(), dout, out_n * 4);
  for (std::size_t i = 0; i < inputs.size(); ++i) gpu.release(owned[i], inputs[i].size() * 4);
  gpu.release(dout, out_n * 4);
  for (std::size_t i = 0; i < out_n; ++i) {
    const bool both_nan = std::isnan(static_cast<double>(want[i])) && std::isnan(static_cast<double>(got[i]));
    // Transcendentals may differ in the last float ulp between libm and CUDA's math library.
    if (!both_nan && !test::close_rel(want[i], got[i], 4e-7, 1e-30)) {
      std::fprintf(stderr, "  element %zu: host %.9g, cuda %.9g\n", i, static_cast<double>(want[i]), static_cast<double>(got[i]));
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE(cuda_unary_twins_match_host) {
  NTP_CUDA_OR_SKIP();
  const auto x = ramp(10007);
  for (int32_t op = 0; op < kUnaryOpCount; ++op) {
    const auto o = static_cast<UnaryOp>(op);
    const bool pred = unary_is_predicate(o);
    const auto h = [&](const std::vector<const void*>& in, void* out) { unary(o, DType::kFloat32, pred ? DType::kInt32 : DType::kFloat32, in[0], out, 10007, -1, 2); };
    const auto d = [&](const std::vector<const void*>& in, void* out) { ntp::tensor::cuda::unary(o, DType::kFloat32, pred ? DType::kInt32 : DType::kFloat32, in[0], out, 10007, -1, 2); };
    const bool ok = pred ? twin_matches<int32_t>({x}, 10007, h, d) : twin_matches<float>({x}, 10007, h, d);
    if (!ok) std::fprintf(stderr, "  unary op %d\n", op);
    CHECK(ok);
  }
  // Dropout with a real rate and a seed past 2^32: the mask itself, not only its scale.
  CHECK(twin_matches<float>({x}, 10007,
      [&](const std::vector<const void*>& in, void* out) { unary(kDropout, DType::kFloat32, DType::kFloat32, in[0], out, 10007, 0.3, 6e12); },
      [&](const std::vector<const void*>& in, void* out) { ntp::tensor::cuda::unary(kDropout, DType::kFloat32, DType::kFloat32, in[0], out, 10007, 0.3, 6e12); }));
}

TEST_CASE(cuda_binary_and_select_twins_match_host) {
  NTP_CUDA_OR_SKIP();
  const auto a = ramp(7 * 5 * 3), b = ramp(5 * 1, 1.3f);
  const Broadcast bc = broadcast_of({7, 5, 3}, {{7, 5, 3}, {5, 1}});
  for (int32_t op = 0; op < kBinaryOpCount; ++op) {
    const auto o = static_cast<BinaryOp>(op);
    const bool pred = binary_is_predicate(o);
    const DType out = pred ? DType::kInt32 : DType::kFloat32;
    const auto h = [&](const std::vector<const void*>& in, void* y) { binary(o, DType::kFloat32, out, in[0], in[1], y, bc); };
    const auto d = [&](const std::vector<const void*>& in, void* y) { ntp::tensor::cuda::binary(o, DType::kFloat32, out, in[0], in[1], y, bc); };
    const bool ok = pred ? twin_matches<int32_t>({a, b}, 105, h, d) : twin_matches<float>({a, b}, 105, h, d);
    if (!ok) std::fprintf(stderr, "  binary op %d\n", op);
    CHECK(ok);
  }
  std::vector<float> cond_bits(15);
  for (int i = 0; i < 15; ++i) { const int32_t c = i % 3 == 0; std::memcpy(&cond_bits[i], &c, 4); }
  const Broadcast sb = broadcast_of({7, 5, 3}, {{5, 3}, {7, 5, 3}, {1}});
  CHECK(twin_matches<float>({cond_bits, a, {4.0f}}, 105,
      [&](const std::vector<const void*>& in, void* y) { select(DType::kFloat32, static_cast<const int32_t*>(in[0]), in[1], in[2], y, sb); },
      [&](const std::vector<const void*>& in, void* y) { ntp::tensor::cuda::select(DType::kFloat32, static_cast<const int32_t*>(in[0]), in[1], in[2], y, sb); }));
}

TEST_CASE(cuda_reduce_copy_fill_twins_match_host) {
  NTP_CUDA_OR_SKIP();
  const auto x = ramp(6 * 33 * 4);
  for (int32_t op = 0; op < kReduceOpCount; ++op) {
    const auto o = static_cast<ReduceOp>(op);
    const bool idx = o == kArgMax || o == kArgMin || o == kAny || o == kAll;
    const DType out = idx ? DType::kInt32 : DType::kFloat32;
    const auto h = [&](const std::vector<const void*>& in, void* y) { reduce(o, DType::kFloat32, out, in[0], y, 6, 33, 4); };
    const auto d = [&](const std::vector<const void*>& in, void* y) { ntp::tensor::cuda::reduce(o, DType::kFloat32, out, in[0], y, 6, 33, 4); };
    const bool ok = idx ? twin_matches<int32_t>({x}, 24, h, d) : twin_matches<float>({x}, 24, h, d);
    if (!ok) std::fprintf(stderr, "  reduce op %d\n", op);
    CHECK(ok);
  }
  // A long axis into few outputs (the bias gradient of a large batch): CUDA's tree reduction.
  const auto long_x = ramp(2 * 5000 * 3);
  for (const ReduceOp o : {kSum, kMean}) {
    CHECK(twin_matches<float>({long_x}, 6,
        [&](const std::vector<const void*>& in, void* y) { reduce(o, DType::kFloat32, DType::kFloat32, in[0], y, 2, 5000, 3); },
        [&](const std::vector<const void*>& in, void* y) { ntp::tensor::cuda::reduce(o, DType::kFloat32, DType::kFloat32, in[0], y, 2, 5000, 3); }));
  }
  StridedCopy c;  // transpose [6, 33, 4] -> [4, 6, 33]
  c.rank = 3;
  c.count = 6 * 33 * 4;
  c.dims[0] = 4; c.dims[1] = 6; c.dims[2] = 33;
  c.src_strides[0] = 1; c.src_strides[1] = 33 * 4; c.src_strides[2] = 4;
  c.dst_strides[0] = 6 * 33; c.dst_strides[1] = 33; c.dst_strides[2] = 1;
  CHECK(twin_matches<float>({x}, x.size(),
      [&](const std::vector<const void*>& in, void* y) { copy(in[0], y, c); },
      [&](const std::vector<const void*>& in, void* y) { ntp::tensor::cuda::copy(in[0], y, c); }));
  CHECK(twin_matches<float>({}, 1000,
      [&](const std::vector<const void*>&, void* y) { fill(DType::kFloat32, y, 1000, 0.25); },
      [&](const std::vector<const void*>&, void* y) { ntp::tensor::cuda::fill(DType::kFloat32, y, 1000, 0.25); }));
}

TEST_CASE(cuda_buffers_round_trip_through_the_table) {
  NTP_CUDA_OR_SKIP();
  const auto x = ramp(1000);
  const int64_t h = tensor_buffers().create(Device::kCuda, x.size() * 4);
  write_buffer(tensor_buffers().get(h), 0, x.data(), x.size() * 4);
  std::vector<float> y(x.size());
  read_buffer(tensor_buffers().get(h), 0, y.data(), y.size() * 4);
  tensor_buffers().destroy(h);
  CHECK(y == x);
  CHECK(allocator_for(Device::kCuda).stats().in_use == 0);
}

// Writes return before the device copies them (staged in the pinned ring); each one's source is
// overwritten right after it returns, the device is kept busy meanwhile, and the writes add up
// to several times the ring, so its reuse across wraps is exercised. Every buffer must still
// hold what was written, in order after the kernels queued before it.
TEST_CASE(cuda_staged_writes_survive_reuse_of_their_source_and_ring) {
  NTP_CUDA_OR_SKIP();
  constexpr std::size_t kBuffers = 300;
  std::vector<int64_t> handles;
  std::vector<float> src;
  const int64_t busy = tensor_buffers().create(Device::kCuda, 64 << 20);
  for (std::size_t k = 0; k < kBuffers; ++k) {
    const std::size_t n = k % 7 == 0 ? (1u << 20) + k : 1 + k % 97;  // ~43 writes of 4 MiB, the rest tiny
    src.assign(n, static_cast<float>(k));
    const TensorBuffer busy_b = tensor_buffers().get(busy);
    ntp::tensor::cuda::fill(DType::kFloat32, busy_b.data, (64 << 20) / 4, static_cast<double>(k));
    handles.push_back(tensor_buffers().create(Device::kCuda, n * 4));
    write_buffer(tensor_buffers().get(handles.back()), 0, src.data(), n * 4);
    std::fill(src.begin(), src.end(), -1.0f);
  }
  bool ok = true;
  for (std::size_t k = 0; k < kBuffers; ++k) {
    const TensorBuffer b = tensor_buffers().get(handles[k]);
    std::vector<float> y(b.bytes / 4);
    read_buffer(b, 0, y.data(), b.bytes);
    ok = ok && std::all_of(y.begin(), y.end(), [&](float v) { return v == static_cast<float>(k); });
    tensor_buffers().destroy(handles[k]);
  }
  tensor_buffers().destroy(busy);
  CHECK(ok);
}
namespace {

// A device copy of a host vector (or `n` uninitialised floats), released at scope end.
struct OnDevice {
  std::size_t n;
  float* p;
  explicit OnDevice(const std::vector<float>& v) : n(v.size()), p(static_cast<float*>(allocator_for(Device::kCuda).allocate(n * 4))) {
    ntp::cuda::upload(p, v.data(), n * 4);
  }
  explicit OnDevice(std::size_t count) : n(count), p(static_cast<float*>(allocator_for(Device::kCuda).allocate(n * 4))) {}
  ~OnDevice() { allocator_for(Device::kCuda).release(p, n * 4); }
  std::vector<float> host() const {
    std::vector<float> v(n);
    ntp::cuda::download(v.data(), p, n * 4);
    return v;
  }
};

bool all_close(const char* what, const std::vector<float>& want, const std::vector<float>& got, double rel, double abs_tol) {
  for (std::size_t i = 0; i < want.size(); ++i)
    if (!test::close_rel(want[i], got[i], rel, abs_tol)) {
      std::fprintf(stderr, "  %s[%zu]: host %.9g, cuda %.9g\n", what, i, static_cast<double>(want[i]), static_cast<double>(got[i]));
      return false;
    }
  return true;
}

}  // namespace

// cuda/layer_norm.cu against core/nn/layer_norm on the same inputs, residual and dropout
// included: float32 sums in another order, so within float32 rounding of the row statistics.
TEST_CASE(cuda_layer_norm_twin_matches_host) {
  NTP_CUDA_OR_SKIP();
  for (const auto& [rows, dim] : {std::pair<int64_t, int64_t>{1000, 77}, {3, 300}, {5, 1}}) {
    for (const bool with_residual : {false, true}) {
      const std::size_t n = static_cast<std::size_t>(rows * dim), r = static_cast<std::size_t>(rows), d = static_cast<std::size_t>(dim);
      const auto x = ramp(n), res = ramp(n, 0.11f), gamma = ramp(d, 0.7f), beta = ramp(d, 0.3f), dy = ramp(n, 0.05f);
      LayerNormResidual hr{with_residual ? res.data() : nullptr, with_residual ? 0.25f : 0.0f, 7};
      std::vector<float> y(n), mean(r), rstd(r), sum(with_residual ? n : 0), dx(n), dg(d), db(d), dres(with_residual ? n : 0);
      layer_norm_forward(rows, dim, 1e-3f, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), hr,
                         with_residual ? sum.data() : nullptr);
      const auto& normalised = with_residual ? sum : x;
      layer_norm_backward(rows, dim, normalised.data(), gamma.data(), mean.data(), rstd.data(), dy.data(), dx.data(), dg.data(), db.data(),
                          hr, with_residual ? dres.data() : nullptr);

      OnDevice gx(x), gres(res), gg(gamma), gb(beta), gdy(dy), gy(n), gmean(r), grstd(r), gsum(with_residual ? n : 1), gdx(n), gdg(d), gdb(d),
          gdres(with_residual ? n : 1);
      LayerNormResidual dr{with_residual ? gres.p : nullptr, hr.dropout, hr.seed};
      tensor::cuda::layer_norm_forward(rows, dim, 1e-3f, gx.p, gg.p, gb.p, gy.p, gmean.p, grstd.p, dr, with_residual ? gsum.p : nullptr);
      tensor::cuda::layer_norm_backward(rows, dim, with_residual ? gsum.p : gx.p, gg.p, gmean.p, grstd.p, gdy.p, gdx.p, gdg.p, gdb.p, dr,
                                        with_residual ? gdres.p : nullptr);
      CHECK(all_close("y", y, gy.host(), 1e-5, 1e-5));
      CHECK(all_close("mean", mean, gmean.host(), 1e-5, 1e-6));
      CHECK(all_close("rstd", rstd, grstd.host(), 1e-5, 0));
      CHECK(all_close("dx", dx, gdx.host(), 1e-4, 1e-5));
      CHECK(all_close("dgamma", dg, gdg.host(), 1e-4, 1e-4));
      CHECK(all_close("dbeta", db, gdb.host(), 1e-4, 1e-4));
      if (with_residual) {
        CHECK(sum == gsum.host());  // the same element arithmetic, the same mask
        CHECK(all_close("dresidual", dres, gdres.host(), 1e-4, 1e-5));
      }
    }
  }
}
// cuda/composite_loss.cu against core/nn/composite_loss: the same row function, term sums in
// another order (double, then float).
TEST_CASE(cuda_composite_loss_twin_matches_host) {
  NTP_CUDA_OR_SKIP();
  for (const auto& [B, H] : {std::pair<int64_t, int32_t>{1000, 3}, {1, 1}, {300, 7}}) {
    CompositeLoss s;
    s.batch = B;
    s.horizons = H;
    for (int32_t k = 0; k < kLossTerms; ++k) s.weight[k] = 0.2f + 0.3f * static_cast<float>(k);
    for (int32_t h = 0; h < H; ++h) {
      s.horizon_weight[h] = 1.0f;
      s.alpha[h] = 0.6f;
    }
    s.trend_local = s.trend_global = s.trend_agreement = true;
    const std::size_t nh = static_cast<std::size_t>(B * 3 * H), nt = static_cast<std::size_t>(B * H);
    auto heads = ramp(nh, 0.21f), y = ramp(nt, 0.13f), d = ramp(nt, 0.29f);
    for (std::size_t i = 0; i < nh; ++i)  // directions in (0, 1), variances > 0
      if ((i / static_cast<std::size_t>(H)) % 3 != 0) heads[i] = 0.5f + heads[i] / 6.5f;
    for (float& v : d) v = v > 0.0f ? 1.0f : 0.0f;
    std::vector<float> total(1), terms(kLossTerms), grad(nh);
    composite_loss(s, heads.data(), y.data(), d.data(), total.data(), terms.data(), grad.data());
    OnDevice gh(heads), gy(y), gd(d), gtotal(1), gterms(kLossTerms), ggrad(nh);
    tensor::cuda::composite_loss(s, gh.p, gy.p, gd.p, gtotal.p, gterms.p, ggrad.p);
    CHECK(all_close("total", total, gtotal.host(), 1e-5, 1e-6));
    CHECK(all_close("terms", terms, gterms.host(), 1e-5, 1e-6));
    CHECK(all_close("grad", grad, ggrad.host(), 1e-5, 1e-8));
  }
}
// cuda/attention.cu against core/nn/attention on the same inputs, dropout included: the same
// products and mask; exp and the sums differ in the last bits.
TEST_CASE(cuda_attention_twin_matches_host) {
  NTP_CUDA_OR_SKIP();
  for (const float rate : {0.0f, 0.2f}) {
    AttentionShape s;
    s.batch = 3; s.steps = 37; s.heads = 2; s.key_dim = 5; s.dropout = rate; s.seed = 11;
    const std::size_t nq = static_cast<std::size_t>(s.batch * s.steps * 3 * s.heads * s.key_dim), nc = nq / 3,
                      np = static_cast<std::size_t>(s.batch * s.heads * s.steps * s.steps);
    auto qkv = ramp(nq, 0.13f);
    for (float& v : qkv) v *= 0.3f;
    const auto dout = ramp(nc, 0.21f);
    std::vector<float> probs(np), out(nc), dqkv(nq);
    attention_forward(s, qkv.data(), probs.data(), out.data());
    attention_backward(s, qkv.data(), probs.data(), dout.data(), dqkv.data());
    OnDevice gq(qkv), gdout(dout), gprobs(np), gout(nc), gdqkv(nq),
        scratch(static_cast<std::size_t>(std::max(tensor::cuda::attention_device_scratch(s, true), int64_t{1})));
    tensor::cuda::attention_forward(s, gq.p, gprobs.p, gout.p, scratch.p);
    tensor::cuda::attention_backward(s, gq.p, gprobs.p, gdout.p, gdqkv.p, scratch.p);
    CHECK(all_close("probs", probs, gprobs.host(), 1e-5, 1e-7));
    CHECK(all_close("out", out, gout.host(), 1e-5, 1e-6));
    CHECK(all_close("dqkv", dqkv, gdqkv.host(), 1e-4, 1e-5));
  }
}

// The fused Adam step on the device against the host's: L2 on some tensors, clipping active,
// and a NaN gradient that must leave every tensor as it was on both.
TEST_CASE(cuda_adam_twin_matches_host) {
  NTP_CUDA_OR_SKIP();
  for (const bool poisoned : {false, true}) {
    const std::vector<std::size_t> sizes{1, 300, 4097};
    const float l2[] = {0.f, 1e-3f, 0.5f};
    std::vector<std::vector<float>> p, g, m, v;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      p.push_back(ramp(sizes[k], 0.3f + 0.1f * k));
      g.push_back(ramp(sizes[k], 0.7f + 0.1f * k));
      m.push_back(ramp(sizes[k], 0.11f));
      auto vk = ramp(sizes[k], 0.13f);
      for (float& x : vk) x = std::fabs(x);
      v.push_back(vk);
    }
    if (poisoned) g[1][17] = NAN;
    AdamStep s;
    s.learning_rate = 1e-2; s.step = 4; s.clip_norm = 5;
    auto hp = p, hm = m, hv = v;
    std::vector<AdamTensor> host;
    for (std::size_t k = 0; k < sizes.size(); ++k) host.push_back({hp[k].data(), g[k].data(), hm[k].data(), hv[k].data(), sizes[k], l2[k]});
    const AdamResult want = adam_step(host.data(), host.size(), s);
    std::vector<std::unique_ptr<OnDevice>> keep, outs;  // odd tensors update into a separate buffer (`out`)
    std::vector<AdamTensor> dev;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      for (const auto* src : {&p[k], &g[k], &m[k], &v[k]}) keep.push_back(std::make_unique<OnDevice>(*src));
      const std::size_t b = keep.size() - 4;
      outs.push_back(k % 2 ? std::make_unique<OnDevice>(std::vector<float>(sizes[k], -7.0f)) : nullptr);
      dev.push_back({keep[b]->p, keep[b + 1]->p, keep[b + 2]->p, keep[b + 3]->p, sizes[k], l2[k], outs[k] ? outs[k]->p : nullptr});
    }
    const AdamResult got = tensor::cuda::adam_step(dev.data(), dev.size(), s);
    CHECK(got.applied == want.applied && got.applied == !poisoned);
    CHECK(poisoned ? std::isnan(got.norm) : test::close_rel(got.norm, want.norm, 1e-12));
    CHECK(test::close_rel(got.penalty, want.penalty, 1e-12));
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const std::size_t b = 4 * k;
      if (poisoned) {
        CHECK(keep[b]->host() == p[k] && keep[b + 2]->host() == m[k] && keep[b + 3]->host() == v[k]);
      } else {
        if (outs[k]) CHECK(keep[b]->host() == p[k]);  // only read
        CHECK(all_close("param", hp[k], (outs[k] ? outs[k] : keep[b])->host(), 1e-6, 1e-7));
        CHECK(all_close("m", hm[k], keep[b + 2]->host(), 1e-6, 1e-7));
        CHECK(all_close("v", hv[k], keep[b + 3]->host(), 1e-6, 1e-9));
      }
    }
  }
}

#else
TEST_CASE(cuda_twins_not_built) {
  NTP_CUDA_OR_SKIP();  // a build without CUDA: fails under NTP_REQUIRE_CUDA=1, says so otherwise
}
#endif

NTP_TEST_MAIN
