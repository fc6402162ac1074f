/**
 * Whether tfjs is recording operations for a gradient right now (inside tf.grad, variableGrads,
 * an optimizer's minimize, ...). The fused native ops keep what their backward pass needs (LSTM
 * gates and cells, attention weights, LayerNorm statistics) only then; otherwise (predict,
 * evaluate) they run inference-only kernels that never write it. This is the test tfjs itself
 * uses to decide whether a fused matMul may run (tfjs-core's shouldFuse).
 */
import * as tf from '@tensorflow/tfjs';

export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}
