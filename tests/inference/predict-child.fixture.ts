/** Loads a run directory in a fresh process and prints predictBatch output as JSON (argv: runDir, bars, seed). */
import { syntheticMarket } from '../../src/data/synthetic.js';
import { Predictor } from '../../src/inference/predictor.js';

const [runDir, bars, seed] = process.argv.slice(2);
const [{ candles }] = syntheticMarket({ bars: Number(bars), seed: Number(seed), symbols: 1 });
const p = await Predictor.load(runDir);
const out = await p.predictBatch(candles, { chunk: 100 });
process.stdout.write(JSON.stringify({ pUp: out.pUp.map((a) => Array.from(a)), predictedReturn: out.predictedReturn.map((a) => Array.from(a)), variance: out.variance.map((a) => Array.from(a)) }));
