/**
 * The six learnable indicator layers of SPEC §5 (30 trainable periods, 30 features) as
 * tfjs-layers custom layers over the ops in ./ops.ts. Their concatenation and the period log
 * reader are in ./learnable-indicators.ts; ./layers.ts exports both.
 *
 * Input: the close channel [B, T] normalised by the last close. Each layer owns one weight
 * `<key>_periods` [K] with a ClipPeriods constraint ([2, 200]; momentum lags [1, T-2]).
 * tfjs-layers applies constraints only in LayerVariable.write, not after optimizer steps, so
 * `call` also clips the periods it feeds to the kernels when any is out of range (gradient 0
 * outside the range, as for any clip) and `applyPeriodConstraints` writes the clipped values
 * back (call it after a step).
 *
 * Log periods (`logScale` s > 0): the weight holds theta = ln(period) / s and the kernels get
 * period = exp(s theta). An Adam step then moves ln(period) by up to s * lr, a relative change
 * the same for a period of 5 or of 200, where on the raw period a step of lr moves a period
 * of 200 by a negligible fraction and the indicators stay fixed in practice. The kernels'
 * analytic gradients stay with respect to the period; tfjs's exp supplies the chain rule.
 * Layers saved without `logScale` (older models) hold raw periods and still load.
 */
import * as tf from '@tensorflow/tfjs';

import { ClipPeriods, FixedValues } from './constraints.js';
import { activeNtpBackend } from '../runtime/ntp-backend/index.js';
import { groupWidth, indicatorOp, periodsOnNtp, PERIOD_DOMAIN_MIN, type IndicatorImplementation, type IndicatorKind } from './ops.js';

export const PERIOD_MIN = 2;
export const PERIOD_MAX = 200;
export const LAG_MIN = PERIOD_DOMAIN_MIN;

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;

export interface LearnableIndicatorArgs extends LayerArgs {
  /** Initial periods (default: SPEC §5's). MACD layers: (fast, slow, signal) triples. */
  periods?: number[];
  /** Constraint range; defaults [2, 200], momentum [1, T-2] with T from the input shape. */
  minPeriod?: number;
  maxPeriod?: number;
  /** Kernel implementation for this layer (default: the process-wide setting). Not serialized. */
  implementation?: IndicatorImplementation;
  /** Learn ln(period) / logScale instead of the raw period (see above); absent = raw periods. */
  logScale?: number;
}

interface IndicatorSpec {
  className: string;
  kind: IndicatorKind;
  /** Weight name stem and period-name prefix. */
  key: string;
  defaultPeriods: readonly number[];
}

export abstract class LearnableIndicatorLayer extends tf.layers.Layer {
  readonly spec: IndicatorSpec;
  readonly initialPeriods: number[];
  /** Whether the periods were given (else the SPEC defaults, which short windows may not fit). */
  private readonly explicitPeriods: boolean;
  readonly implementation: IndicatorImplementation | undefined;
  private readonly minArg: number | undefined;
  private readonly maxArg: number | undefined;
  readonly logScale: number | undefined;
  private range: [number, number] | null = null;
  private periodsVar: LayerVariable | null = null;

  protected constructor(spec: IndicatorSpec, args: LearnableIndicatorArgs = {}) {
    super(args);
    this.spec = spec;
    const periods = args.periods ?? [...spec.defaultPeriods];
    const w = groupWidth(spec.kind);
    if (!Array.isArray(periods) || periods.length === 0 || periods.length % w !== 0 || !periods.every(Number.isFinite)) {
      throw new RangeError(`${spec.className}: periods must be a non-empty array of finite numbers${w > 1 ? ` in (fast, slow, signal) triples` : ''} (got ${JSON.stringify(periods)})`);
    }
    this.initialPeriods = [...periods];
    this.explicitPeriods = args.periods !== undefined;
    this.minArg = args.minPeriod;
    this.maxArg = args.maxPeriod;
    // A range inside the kernels' domain (momentum's lags also stop at T-2: periodsInDomain) is
    // what lets the periods reach them unread (effectivePeriods).
    for (const [name, v] of [['minPeriod', args.minPeriod], ['maxPeriod', args.maxPeriod]] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v >= PERIOD_DOMAIN_MIN)) {
        throw new RangeError(`${spec.className}: ${name} must be a finite number >= ${PERIOD_DOMAIN_MIN} (got ${v})`);
      }
    }
    if (args.minPeriod !== undefined && args.maxPeriod !== undefined && args.minPeriod > args.maxPeriod) {
      throw new RangeError(`${spec.className}: minPeriod ${args.minPeriod} is above maxPeriod ${args.maxPeriod}`);
    }
    this.implementation = args.implementation;
    if (args.logScale !== undefined && !(Number.isFinite(args.logScale) && args.logScale > 0)) {
      throw new RangeError(`${spec.className}: logScale must be a finite number > 0 (got ${args.logScale})`);
    }
    this.logScale = args.logScale;
  }

  /** Period -> stored weight value. */
  private toWeight(p: number): number {
    return this.logScale === undefined ? p : Math.log(p) / this.logScale;
  }

  get kind(): IndicatorKind {
    return this.spec.kind;
  }

  get periodCount(): number {
    return this.initialPeriods.length;
  }

  /** The constraint range in force, known once the layer is built. */
  periodRange(): [number, number] {
    if (!this.range) throw new Error(`${this.spec.className} ${this.name}: not built yet (no input shape)`);
    return this.range;
  }

  private resolveRange(time: number | null): [number, number] {
    if (this.spec.kind !== 'momentum') return [this.minArg ?? PERIOD_MIN, this.maxArg ?? PERIOD_MAX];
    if (time == null && this.maxArg === undefined) {
      throw new RangeError(`${this.spec.className}: the input time dimension is unknown, so maxPeriod (the largest lag, <= T-2) must be given`);
    }
    const max = this.maxArg ?? (time as number) - 2;
    if (time != null && max > time - 2) {
      throw new RangeError(`${this.spec.className}: maxPeriod ${max} exceeds T-2 = ${time - 2}`);
    }
    return [this.minArg ?? LAG_MIN, max];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 2) {
      throw new RangeError(`${this.spec.className}: input must be the close channel [batch, time] (got shape [${shape.join(', ')}])`);
    }
    const [min, max] = this.resolveRange(shape[1]);
    // Given periods must fit; the defaults are clipped into range instead, so a short lookback
    // (e.g. T = 16, where momentum lags stop at T-2 = 14) still builds. Names keep the defaults.
    this.initialPeriods.forEach((p, i) => {
      if (this.explicitPeriods && (p < min || p > max)) throw new RangeError(`${this.spec.className}: periods[${i}] = ${p} is outside [${min}, ${max}]`);
    });
    this.range = [min, max];
    const init = new FixedValues({ values: this.initialPeriods.map((p) => this.toWeight(Math.min(max, Math.max(min, p)))) }).asInitializer();
    const [wMin, wMax] = this.weightRange();
    this.periodsVar = this.addWeight(`${this.spec.key}_periods`, [this.periodCount], 'float32', init, undefined, true,
      new ClipPeriods({ min: wMin, max: wMax }).asConstraint(), () => init);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.periodCount];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const close = Array.isArray(inputs) ? inputs[0] : inputs;
      return indicatorOp(this.spec.kind, close, this.effectivePeriods(), this.implementation, { inDomain: this.periodsInDomain(close.shape[1] ?? 0) });
    });
  }

  /** Whether the range lies inside the kernels' domain for windows of `time` bars (momentum's lags stop at time-2). */
  periodsInDomain(time: number): boolean {
    return this.spec.kind !== 'momentum' || this.periodRange()[1] <= time - 2;
  }

  /**
   * The periods fed to the kernels: the weight clipped to the range, so always inside the
   * kernels' domain. clipByValue's gradient passes where min <= p <= max, so when every period
   * is in range the clip is the identity in value and gradient. On the cpu backend it is then
   * skipped (several tfjs ops per step, next to one native kernel; the K floats are read
   * synchronously, as the ops read them anyway). Where the tensors live on a device (the `ntp`
   * backend) one clip of the periods always runs, unread, as one kernel (periodsOnNtp): cheaper
   * than reading them back, which would stall the device twice per layer and step. (Clipping after
   * exp alone gives the same values, and a zero gradient under the same condition, exp being
   * increasing; only a weight so far out of range that exp overflows, which the constraint
   * applied after every step prevents, would give NaN there, and training stops as diverged.)
   */
  effectivePeriods(): tf.Tensor {
    const weight = this.variable().read();
    const [pMin, pMax] = this.periodRange();
    if (activeNtpBackend()) return periodsOnNtp(weight, this.logScale ?? 0, pMin, pMax);
    const inRange = (t: tf.Tensor, lo: number, hi: number) => Array.from(t.dataSync()).every((p) => p >= lo && p <= hi);
    const [min, max] = this.weightRange();
    const clipped = inRange(weight, min, max) ? weight : tf.clipByValue(weight, min, max);
    if (this.logScale === undefined) return clipped;
    // exp can land a hair outside the range in float32; the kernels' domain checks are exact.
    const periods = tf.exp(tf.mul(clipped, this.logScale));
    return inRange(periods, pMin, pMax) ? periods : tf.clipByValue(periods, pMin, pMax);
  }

  /** The range of the stored weight: the period range, or its image under ln(.) / logScale. */
  private weightRange(): [number, number] {
    const [min, max] = this.periodRange();
    return [this.toWeight(min), this.toWeight(max)];
  }

  /** The period weight (throws before build). */
  variable(): LayerVariable {
    if (!this.periodsVar) throw new Error(`${this.spec.className} ${this.name}: not built yet (no input shape)`);
    return this.periodsVar;
  }

  /** Current period values, in weight order. */
  currentPeriods(): number[] {
    const w = Array.from(this.variable().read().dataSync());
    return this.logScale === undefined ? w : w.map((v) => Math.exp(this.logScale! * v));
  }

  /** Names of the periods for logs, from the initial values: ma_5, macd_12_26_9_fast, ... */
  periodNames(): string[] {
    const p = this.initialPeriods;
    if (groupWidth(this.spec.kind) === 1) return p.map((v) => `${this.spec.key}_${v}`);
    const roles = ['fast', 'slow', 'signal'];
    return p.map((_, i) => {
      const g = i - (i % 3);
      return `${this.spec.key}_${p[g]}_${p[g + 1]}_${p[g + 2]}_${roles[i % 3]}`;
    });
  }

  /** Writes the clipped periods back (tfjs optimizers do not apply layer constraints). */
  applyPeriodConstraint(): void {
    const v = this.variable();
    const [min, max] = this.weightRange();
    tf.tidy(() => { v.write(tf.clipByValue(v.read(), min, max)); });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Defaults stay implicit so a saved model rebuilds them the same way (clipped into range for a
    // short lookback) instead of refusing them as out-of-range explicit periods on load.
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), ...(this.explicitPeriods ? { periods: this.initialPeriods } : {}) };
    if (this.minArg !== undefined) config.minPeriod = this.minArg;
    if (this.maxArg !== undefined) config.maxPeriod = this.maxArg;
    if (this.logScale !== undefined) config.logScale = this.logScale;
    return config;
  }
}

/** Default (SPEC §5) periods and metadata of each layer, by class name. */
export const LEARNABLE_INDICATOR_SPECS = {
  LearnableMA: { className: 'LearnableMA', kind: 'ma', key: 'ma', defaultPeriods: [5, 15, 30] },
  LearnableMacd: { className: 'LearnableMacd', kind: 'macd', key: 'macd', defaultPeriods: [12, 26, 9, 5, 35, 5, 19, 39, 9] },
  LearnableCustomMacd: { className: 'LearnableCustomMacd', kind: 'macd', key: 'custom_macd', defaultPeriods: [8, 17, 9, 10, 20, 7, 6, 13, 5] },
  LearnableRSI: { className: 'LearnableRSI', kind: 'rsi', key: 'rsi', defaultPeriods: [9, 14, 21] },
  LearnableBollingerBands: { className: 'LearnableBollingerBands', kind: 'bollinger', key: 'bb', defaultPeriods: [10, 20, 30] },
  LearnableMomentum: { className: 'LearnableMomentum', kind: 'momentum', key: 'momentum', defaultPeriods: [5, 10, 20] },
} as const satisfies Record<string, IndicatorSpec>;

type S = typeof LEARNABLE_INDICATOR_SPECS;
const spec = <K extends keyof S>(k: K): IndicatorSpec => ({ ...LEARNABLE_INDICATOR_SPECS[k], defaultPeriods: [...LEARNABLE_INDICATOR_SPECS[k].defaultPeriods] });

/** ema_p(c)_T / c_T - 1 for 3 periods. */
export class LearnableMA extends LearnableIndicatorLayer {
  static className = 'LearnableMA';
  constructor(args: LearnableIndicatorArgs = {}) { super(spec('LearnableMA'), args); }
}
/** macd, signal, hist at T for (12,26,9), (5,35,5), (19,39,9). */
export class LearnableMacd extends LearnableIndicatorLayer {
  static className = 'LearnableMacd';
  constructor(args: LearnableIndicatorArgs = {}) { super(spec('LearnableMacd'), args); }
}
/** The same MACD features for (8,17,9), (10,20,7), (6,13,5). */
export class LearnableCustomMacd extends LearnableIndicatorLayer {
  static className = 'LearnableCustomMacd';
  constructor(args: LearnableIndicatorArgs = {}) { super(spec('LearnableCustomMacd'), args); }
}
/** G/(G+L+1e-8) - 0.5 with Wilder averages of gains/losses, periods 9, 14, 21. */
export class LearnableRSI extends LearnableIndicatorLayer {
  static className = 'LearnableRSI';
  constructor(args: LearnableIndicatorArgs = {}) { super(spec('LearnableRSI'), args); }
}
/** (c_T - mu_T) / (2 sigma_T + 1e-8) with EMA moments, periods 10, 20, 30. */
export class LearnableBollingerBands extends LearnableIndicatorLayer {
  static className = 'LearnableBollingerBands';
  constructor(args: LearnableIndicatorArgs = {}) { super(spec('LearnableBollingerBands'), args); }
}
/** c_T / c_{T-p} - 1 with a linearly interpolated fractional lag, lags 5, 10, 20. */
export class LearnableMomentum extends LearnableIndicatorLayer {
  static className = 'LearnableMomentum';
  constructor(args: LearnableIndicatorArgs = {}) { super(spec('LearnableMomentum'), args); }
}

export const LEARNABLE_INDICATOR_CLASSES = [
  LearnableMA, LearnableMacd, LearnableCustomMacd, LearnableRSI, LearnableBollingerBands, LearnableMomentum,
] as const;

for (const cls of LEARNABLE_INDICATOR_CLASSES) tf.serialization.registerClass(cls);
