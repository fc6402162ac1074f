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

/**
 * Saves what a customGrad's backward pass reads, except Variables: tfjs copies each saved tensor
 * onto the tape (one dispatch each), and a Variable (a layer's weight) outlives the step unchanged
 * until the update that follows the gradient, so the backward pass reads it where it is. Returns
 * the function that gives the backward pass all of `tensors` back, in order, from its saved ones.
 */
export function saveForGradient(save: tf.GradSaveFunc, tensors: tf.Tensor[]): (saved: tf.Tensor[]) => tf.Tensor[] {
  const copied = tensors.map((t) => !(t instanceof tf.Variable));
  save(tensors.filter((_, i) => copied[i]));
  return (saved) => {
    let k = 0;
    return tensors.map((t, i) => (copied[i] ? saved[k++] : t));
  };
}
