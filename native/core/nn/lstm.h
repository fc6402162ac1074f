// Fused LSTM (SPEC §7.4): one call runs a whole sequence forward, one call runs BPTT over it,
// instead of tfjs-layers' handful of small ops per time step. Weights use the Keras /
// tf.layers.lstm layout so they can be copied between the two: kernel [F, 4U], recurrent kernel
// [U, 4U], bias [4U], gate blocks in the order i, f, g (cell candidate), o; the gates use the
// logistic sigmoid, the candidate and the output use tanh; the initial state is zero.
//
// Tensors are batch-major like tfjs: x [B, T, F]; the output h [B, T, U] is in processing order,
// so with `reverse` (goBackwards) h[:, s] is the state after consuming x[:, T-1-s] (as tfjs and
// Keras return it). The forward pass also fills the caches the backward pass needs: the
// activated gates [B, T, 4U] and the cell states [B, T, U], both indexed by input time t.
#pragma once
#include <cstdint>

namespace ntp {

struct LstmShape {
  int64_t batch = 0, steps = 0, features = 0, units = 0;
  bool reverse = false;
};

struct LstmWeights {
  const float* kernel = nullptr;     // [F, 4U]
  const float* recurrent = nullptr;  // [U, 4U]
  const float* bias = nullptr;       // [4U]
};

struct LstmForwardOut {
  float* h = nullptr;      // [B, T, U] processing order
  float* gates = nullptr;  // [B, T, 4U] activated i, f, g, o by input time
  float* cells = nullptr;  // [B, T, U] cell state by input time
};

struct LstmGrads {
  float* dx = nullptr;          // [B, T, F]
  float* dkernel = nullptr;     // [F, 4U]
  float* drecurrent = nullptr;  // [U, 4U]
  float* dbias = nullptr;       // [4U]
};

// Throws std::invalid_argument naming the bad size or null pointer.
void check_lstm_shape(const LstmShape& s);

void lstm_forward(const LstmShape& s, const float* x, const LstmWeights& w, const LstmForwardOut& out);

// Inference only: the same recurrence, writing h [B, T, U] in processing order, or with
// `last_only` just the last step's [B, U], and nothing for a backward pass (no [B, T, 4U] gates
// or cell states: each block of rows keeps its step's gates and state in small buffers that stay
// in cache). CPU only (no CUDA twin: inference on a GPU machine runs through tfjs-node-gpu, not
// these kernels).
void lstm_inference(const LstmShape& s, const float* x, const LstmWeights& w, float* h, bool last_only);

// dh [B, T, U] is the gradient of the loss w.r.t. the output sequence (processing order);
// h, gates and cells are the forward pass's outputs for the same x and weights.
void lstm_backward(const LstmShape& s, const float* x, const LstmWeights& w, const float* h,
                   const float* gates, const float* cells, const float* dh, const LstmGrads& grads);

// Bytes of working memory a call allocates beyond its arguments, as a double so that no shape
// overflows it (an upper bound: the binding refuses calls above its memory limit up front).
enum class LstmPass { kForward, kInference, kBackward };
double lstm_scratch_bytes(const LstmShape& s, LstmPass pass);

// Floats of device working memory the CUDA backward pass over device pointers takes from its
// caller (tensor::cuda::lstm_backward): dz [B, T, 4U], then the next step's dh and dc [B, U] each.
inline int64_t lstm_device_backward_scratch(const LstmShape& s) {
  return s.batch * s.steps * 4 * s.units + 2 * s.batch * s.units;
}

// Input time of processing step s.
inline int64_t lstm_time(const LstmShape& s, int64_t step) { return s.reverse ? s.steps - 1 - step : step; }

}  // namespace ntp
