import { register } from 'tsx/esm/api';
register();
const tf = await import('@tensorflow/tfjs');
const { LearnableIndicators } = await import('../src/indicators/learnable-indicators.ts');
const ops = await import('../src/indicators/ops.ts');
await tf.setBackend('cpu');
const B = 144, T = 64;
const x = tf.variable(tf.randomUniform([B, T], 0.95, 1.05));
const ind = new LearnableIndicators({ implementation: 'native' });
ind.apply(x);
const vars = [x, ...ind.trainableWeights.map((v) => v.read())];
const w = tf.randomNormal([B, 30]);
function tm(name, f, k = 100) { f(); let best = 1e9; for (let r = 0; r < 5; r++) { const t0 = performance.now(); for (let i = 0; i < k; i++) f(); best = Math.min(best, (performance.now() - t0) / k); } console.log(name, best.toFixed(3), 'ms'); }
tm('fwd+bwd composite', () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(ind.apply(x), w)), vars); value.dataSync(); Object.values(grads).forEach((g) => g.dataSync()); }));
const ps = ind.parts.map((p) => p.variable().read());
tm('fwd+bwd ops only (no clip, no layers, no concat)', () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => { let s = tf.scalar(0); ind.parts.forEach((p, i) => { s = tf.add(s, tf.sum(ops.indicatorOpNative(p.kind, x, ps[i]))); }); return s; }, vars); value.dataSync(); Object.values(grads).forEach((g) => g.dataSync()); }));
tm('fwd only ops', () => tf.tidy(() => { ind.parts.forEach((p, i) => ops.indicatorOpNative(p.kind, x, ps[i]).dataSync()); }));
tm('6 x tensor2d from Float32Array', () => tf.tidy(() => { for (let i = 0; i < 6; i++) tf.tensor2d(new Float32Array(B * 9), [B, 9]); }));
tm('variableGrads of sum(x*x)', () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(x, x)), [x]); value.dataSync(); }));
