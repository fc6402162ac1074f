/** The model domain: native kernels under tfjs, the fused LSTM, the hybrid model's layers and blocks, save/load. */
export { setNativeKernels, nativeKernelsEnabled } from './native-kernels.js';
export { FusedDense, fusedDense, linear } from './fused-dense.js';
export { FusedLSTM, fusedLstm, lstmWithTfOps } from './fused-lstm.js';
export { MultiHeadSelfAttention } from './attention.js';
export { PositionalEmbedding, ReverseTime, PositiveVariance, LayerNorm, MeanOverTime, FastReLU, SeededDropout } from './small-layers.js';
export { SeedStream, reseedModel } from './seeds.js';
export { multiHeadAttention, attentionWithTfOps, dropout, layerNorm, layerNormWithTfOps, reluOp } from './fused-ops.js';
export { transformerBlock, lstmBlock, indicatorSubnet } from './blocks.js';
export { DEFAULT_MODEL_CONFIG, resolveModelConfig, type ModelConfig, type DeepPartial } from './config.js';
export { buildModel, outputNames, checkModelInputs, predictNamed, HEADS } from './hybrid-model.js';
export { saveModel, loadModel } from './io.js';
export { l2Penalties } from './penalties.js';
export {
  applyCalibration, calibrateProbability, calibrationVolatility, coverageGroups, fitRegimeSigma, fitSigmaScale, fitTemperature, identityCalibration, isIdentity, readCalibration, regimeVolatilityBars,
  usesVolatility, windowVolatility, writeCalibration, ONE_SIGMA_COVERAGE, type OutputCalibration, type SigmaRegime,
} from './output-calibration.js';
