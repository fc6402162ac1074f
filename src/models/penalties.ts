/**
 * The model's weight penalties as the optimizer applies them. The layers declare L2 penalties the
 * Keras way (`kernelRegularizer: tf.regularizers.l2`), so a saved model's config still holds them;
 * the training step reads them from here instead of `model.calculateLosses()`, which would put
 * each penalty and its gradient on the tape (a quarter of a step's kernels on the `ntp` backend).
 */
import * as tf from '@tensorflow/tfjs';

interface SerializedRegularizer { className?: string; config?: { l1?: number; l2?: number } }

const cache = new WeakMap<tf.LayersModel, Map<string, number>>();

/** L2 coefficient by variable name (the loss term is l2 * sum(w^2)); unpenalised weights are absent. */
export function l2Penalties(model: tf.LayersModel): Map<string, number> {
  let out = cache.get(model);
  if (out) return out;
  out = new Map();
  for (const layer of model.layers) {
    const config = layer.getConfig() as Record<string, unknown>;
    for (const [key, value] of Object.entries(config)) {
      if (!key.endsWith('Regularizer') || value == null) continue;
      const r = value as SerializedRegularizer;
      const l1 = r.config?.l1 ?? 0, l2 = r.config?.l2 ?? 0;
      if (key !== 'kernelRegularizer' || r.className !== 'L1L2' || l1 !== 0) {
        throw new Error(`layer ${layer.name}: ${key} ${r.className ?? '?'} (l1 ${l1}) is not supported; the optimizer applies L2 penalties on kernels only`);
      }
      const kernel = layer.trainableWeights.find((w) => w.originalName.endsWith('/kernel'));
      if (!kernel) throw new Error(`layer ${layer.name} has a kernelRegularizer but no trainable kernel`);
      if (l2 > 0) out.set(kernel.name, l2);
    }
  }
  // tfjs's own list of the model's penalties must be this one: a penalty inside a nested model
  // or a wrapper layer, which the loop above does not see, would otherwise be dropped silently.
  const losses = model.calculateLosses();
  const count = losses.length;
  tf.dispose(losses);
  if (count !== out.size) {
    throw new Error(`the model declares ${count} weight penalties, ${out.size} of them L2 on a top-level layer's kernel; the optimizer applies only those`);
  }
  cache.set(model, out);
  return out;
}
