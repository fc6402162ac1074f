// GEMM against a direct double-precision triple loop over random shapes (odd sizes, transposes,
// broadcast batches, bias, activations, accumulation), and (with a GPU) CUDA against CPU.
#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "../core/nn/gemm.h"
#include "../core/nn/gemm_math.h"
#include "../cuda/cuda_api.h"
#include "check.h"
#include "cuda_guard.h"

using namespace ntp;

namespace {

std::vector<float> random_vec(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// The straightforward definition of GemmArgs, element by element.
void reference(const GemmArgs& g, std::vector<float>& c) {
  const int64_t batches = g.batch.count();
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t oa = 0, ob = 0, oc = 0, obias = 0, idx = bi;
    for (int32_t d = g.batch.rank - 1; d >= 0; --d) {
      const int64_t i = idx % g.batch.dims[d];
      idx /= g.batch.dims[d];
      oa += i * g.batch.a[d]; ob += i * g.batch.b[d]; oc += i * g.batch.c[d]; obias += i * g.batch.bias[d];
    }
    for (int64_t i = 0; i < g.M; ++i)
      for (int64_t j = 0; j < g.N; ++j) {
        double s = g.beta != 0.0f ? c[oc + i * g.ldc + j] : 0.0;
        for (int64_t k = 0; k < g.K; ++k) {
          const double av = g.trans_a ? g.a[oa + k * g.lda + i] : g.a[oa + i * g.lda + k];
          const double bv = g.trans_b ? g.b[ob + j * g.ldb + k] : g.b[ob + k * g.ldb + j];
          s += av * bv;
        }
        if (g.bias) s += g.bias[obias + i * g.bias_rs + j * g.bias_cs];
        c[oc + i * g.ldc + j] = apply_activation(g.activation, static_cast<float>(s), g.activation_alpha);
      }
  }
}

struct Problem {
  std::vector<float> a, b, c, bias;
  GemmArgs g;
};

// A strided batch of `n` products (broadcasting A or B when its batch size is 1).
Problem make(int64_t n_a, int64_t n_b, int64_t M, int64_t N, int64_t K, bool ta, bool tb, std::mt19937& rng) {
  Problem p;
  const int64_t n = std::max(n_a, n_b);
  p.a = random_vec(static_cast<std::size_t>(n_a * M * K), rng);
  p.b = random_vec(static_cast<std::size_t>(n_b * K * N), rng);
  p.c = random_vec(static_cast<std::size_t>(n * M * N), rng);  // garbage: beta 0 must ignore it
  GemmArgs& g = p.g;
  g.M = M; g.N = N; g.K = K; g.trans_a = ta; g.trans_b = tb;
  g.lda = ta ? M : K;
  g.ldb = tb ? K : N;
  g.ldc = N;
  g.batch = GemmBatch::strided(n, n_a == 1 ? 0 : M * K, n_b == 1 ? 0 : K * N, M * N);
  g.a = p.a.data(); g.b = p.b.data(); g.c = p.c.data();
  return p;
}

bool run_and_compare(Problem& p, double tol) {
  std::vector<float> expect = p.c;
  GemmArgs ref = p.g;
  reference(ref, expect);
  gemm(p.g);
  for (std::size_t i = 0; i < expect.size(); ++i)
    if (!test::close_rel(p.c[i], expect[i], tol, tol)) {
      std::fprintf(stderr, "  M=%lld N=%lld K=%lld ta=%d tb=%d: c[%zu] = %g, expected %g\n",
                   (long long)p.g.M, (long long)p.g.N, (long long)p.g.K, p.g.trans_a, p.g.trans_b, i,
                   p.c[i], expect[i]);
      return false;
    }
  return true;
}

}  // namespace

TEST_CASE(random_shapes_and_transposes) {
  std::mt19937 rng(1);
  const int64_t sizes[] = {1, 3, 7, 16, 33, 65, 130};
  int count = 0;
  for (int64_t M : sizes)
    for (int64_t N : {1, 5, 32, 47, 100})
      for (int64_t K : {1, 9, 64, 300}) {
        const bool ta = (count & 1) != 0, tb = (count & 2) != 0;
        ++count;
        Problem p = make(1, 1, M, N, K, ta, tb, rng);
        CHECK(run_and_compare(p, 1e-4));
      }
}

TEST_CASE(all_transpose_combinations_large) {
  std::mt19937 rng(2);
  for (int t = 0; t < 8; ++t) {
    Problem p = make(1, 1, 301, 517, 263, t & 1, t & 2, rng);  // several K, M and N blocks
    p.g.serial = (t & 4) != 0;  // full-size blocks on the calling thread
    CHECK(run_and_compare(p, 1e-4));
  }
}

TEST_CASE(batched_and_broadcast) {
  std::mt19937 rng(3);
  for (auto [na, nb] : {std::pair<int64_t, int64_t>{5, 5}, {1, 6}, {7, 1}}) {
    Problem p = make(na, nb, 13, 21, 17, na == 1, nb == 1, rng);
    CHECK(run_and_compare(p, 1e-4));
  }
}

TEST_CASE(multi_dim_broadcast) {
  // a [2, 1, M, K] x b [1, 3, K, N] -> c [2, 3, M, N]
  std::mt19937 rng(4);
  const int64_t M = 5, N = 6, K = 7;
  std::vector<float> a = random_vec(2 * M * K, rng), b = random_vec(3 * K * N, rng), c(6 * M * N);
  GemmArgs g;
  g.M = M; g.N = N; g.K = K; g.lda = K; g.ldb = N; g.ldc = N;
  g.a = a.data(); g.b = b.data(); g.c = c.data();
  g.batch.rank = 2;
  g.batch.dims[0] = 2; g.batch.dims[1] = 3;
  g.batch.a[0] = M * K; g.batch.a[1] = 0;
  g.batch.b[0] = 0; g.batch.b[1] = K * N;
  g.batch.c[0] = 3 * M * N; g.batch.c[1] = M * N;
  gemm(g);
  for (int64_t x = 0; x < 2; ++x)
    for (int64_t y = 0; y < 3; ++y)
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          double s = 0;
          for (int64_t k = 0; k < K; ++k) s += double(a[x * M * K + i * K + k]) * b[y * K * N + k * N + j];
          CHECK_CLOSE(c[((x * 3 + y) * M + i) * N + j], s, 1e-5);
        }
}

TEST_CASE(bias_activation_and_accumulate) {
  std::mt19937 rng(5);
  const Activation acts[] = {Activation::kLinear, Activation::kRelu, Activation::kRelu6,
                             Activation::kSigmoid, Activation::kElu, Activation::kLeakyRelu};
  for (Activation act : acts) {
    Problem p = make(3, 3, 19, 40, 29, false, true, rng);
    p.bias = random_vec(40, rng);
    p.g.bias = p.bias.data();
    p.g.bias_rs = 0;
    p.g.bias_cs = 1;
    p.g.activation = act;
    p.g.activation_alpha = 0.3f;
    CHECK(run_and_compare(p, 1e-4));
  }
  // Full micro-tiles store from registers: a per-row bias (bias_cs 0) and a per-column one with
  // accumulation into C, each with ReLU (vectorised) and sigmoid (scalar after the vector store).
  for (Activation act : {Activation::kRelu, Activation::kSigmoid}) {
    Problem rows = make(1, 1, 96, 64, 33, false, false, rng);
    rows.bias = random_vec(96, rng);
    rows.g.bias = rows.bias.data();
    rows.g.bias_rs = 1;
    rows.g.bias_cs = 0;
    rows.g.activation = act;
    CHECK(run_and_compare(rows, 1e-4));
    Problem cols = make(1, 1, 96, 64, 300, true, false, rng);  // two depth blocks
    cols.bias = random_vec(64, rng);
    cols.g.bias = cols.bias.data();
    cols.g.bias_cs = 1;
    cols.g.beta = 1.0f;
    cols.g.activation = act;
    CHECK(run_and_compare(cols, 1e-4));
  }
  Problem acc = make(1, 1, 70, 70, 600, true, false, rng);  // K spans 3 depth blocks
  acc.g.beta = 1.0f;
  CHECK(run_and_compare(acc, 1e-4));
  Problem empty = make(1, 1, 4, 4, 0, false, false, rng);  // K = 0: C = bias only
  empty.bias = random_vec(16, rng);
  empty.g.bias = empty.bias.data();
  empty.g.bias_rs = 4;
  empty.g.bias_cs = 1;
  CHECK(run_and_compare(empty, 1e-6));
}

TEST_CASE(split_k_tall_skinny) {
  // K >= 4 slices and a small output: the product runs as K slices summed in order, with
  // accumulation, bias and activation applied once after the sum; narrow (N <= one vector) too.
  std::mt19937 rng(6);
  for (auto [M, N, ta, tb] : {std::tuple<int64_t, int64_t, bool, bool>{70, 50, true, false}, {64, 10, true, true},
                              {1, 192, false, false}, {33, 257, false, true}}) {
    Problem p = make(1, 1, M, N, 4 * 512 + 77, ta, tb, rng);
    p.bias = random_vec(static_cast<std::size_t>(N), rng);
    p.g.bias = p.bias.data();
    p.g.bias_cs = 1;
    p.g.beta = 1.0f;
    p.g.activation = Activation::kRelu;
    CHECK(run_and_compare(p, 1e-4));
    Problem plain = make(1, 1, M, N, 4 * 512, ta, tb, rng);
    CHECK(run_and_compare(plain, 1e-4));
  }
}

TEST_CASE(bad_arguments_throw) {
  std::vector<float> x(16);
  GemmArgs g;
  g.M = 4; g.N = 4; g.K = 4; g.a = x.data(); g.b = x.data(); g.c = x.data();
  g.lda = 3; g.ldb = 4; g.ldc = 4;
  CHECK_THROWS(gemm(g));  // lda < K
  g.lda = 4;
  g.beta = 0.5f;
  CHECK_THROWS(gemm(g));
  g.beta = 0.0f;
  g.c = nullptr;
  CHECK_THROWS(gemm(g));
  g.c = x.data();
  g.M = -1;
  CHECK_THROWS(gemm(g));
}

#ifdef NTP_HAVE_CUDA
// The CUDA product of p against the CPU one.
void check_cuda_twin(Problem& p) {
  std::vector<float> gpu = p.c;
  GemmArgs gg = p.g;
  gg.c = gpu.data();
  gemm(p.g);
  cuda::gemm(gg);
  for (std::size_t i = 0; i < gpu.size(); ++i) CHECK_CLOSE(gpu[i], p.c[i], 1e-4);
}
#endif

TEST_CASE(cuda_matches_cpu) {
  NTP_CUDA_OR_SKIP();
#ifdef NTP_HAVE_CUDA
  std::mt19937 rng(6);
  for (int t = 0; t < 4; ++t) {
    Problem p = make(t == 1 ? 1 : 3, t == 2 ? 1 : 3, 67, 129, 300, t & 1, t & 2, rng);
    p.bias = random_vec(129, rng);
    p.g.bias = p.bias.data();
    p.g.bias_cs = 1;
    p.g.activation = t == 3 ? Activation::kSigmoid : Activation::kRelu;
    check_cuda_twin(p);
  }
  // Past the grid's 65535 limit in rows (M tiles) and in batch entries: launched in chunks.
  for (const auto& [batches, M] : {std::pair<int64_t, int64_t>{1, 65535 * 16 + 40}, {70000, 2}}) {
    Problem p = make(batches, 1, M, 3, 5, false, false, rng);
    check_cuda_twin(p);
  }
#endif
}

NTP_TEST_MAIN
