/**
 * Serializable helpers for the period weights: a clip constraint and a fixed-values
 * initializer. tfjs-layers does not export its Constraint / Initializer base classes, so these
 * implement the same shape (apply + getConfig + className) on tf.serialization.Serializable.
 */
import * as tf from '@tensorflow/tfjs';

type AddWeight = tf.layers.Layer['addWeight'];
export type WeightConstraint = NonNullable<Parameters<AddWeight>[6]>;
export type WeightInitializer = NonNullable<Parameters<AddWeight>[3]>;

/** Projects periods back into [min, max] (SPEC §5: [2, 200]; momentum lags [1, T-2]). */
export class ClipPeriods extends tf.serialization.Serializable {
  static className = 'ntp.ClipPeriods';
  readonly min: number;
  readonly max: number;

  constructor(args: { min: number; max: number }) {
    super();
    if (!(Number.isFinite(args.min) && Number.isFinite(args.max) && args.min <= args.max)) {
      throw new RangeError(`ClipPeriods: min and max must be finite with min <= max (got min=${args.min}, max=${args.max})`);
    }
    this.min = args.min;
    this.max = args.max;
  }

  apply(w: tf.Tensor): tf.Tensor {
    return tf.clipByValue(w, this.min, this.max);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { min: this.min, max: this.max };
  }

  asConstraint(): WeightConstraint {
    return this as unknown as WeightConstraint;
  }
}
tf.serialization.registerClass(ClipPeriods);

/** Initialises a 1-D weight with the given values (the layers' initial periods). */
export class FixedValues extends tf.serialization.Serializable {
  static className = 'ntp.FixedValues';
  readonly values: number[];

  constructor(args: { values: number[] }) {
    super();
    this.values = [...args.values];
  }

  apply(shape: number[]): tf.Tensor {
    if (shape.length !== 1 || shape[0] !== this.values.length) {
      throw new RangeError(`FixedValues: weight shape [${shape.join(', ')}] does not hold ${this.values.length} values`);
    }
    return tf.tensor1d(this.values, 'float32');
  }

  getConfig(): tf.serialization.ConfigDict {
    return { values: this.values };
  }

  asInitializer(): WeightInitializer {
    return this as unknown as WeightInitializer;
  }
}
tf.serialization.registerClass(FixedValues);
