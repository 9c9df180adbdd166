/**
 * tfjs-fused-cross-entropy: fused softmax and sigmoid cross-entropy, KL divergence, distillation and
 * entropy kernels for TensorFlow.js.
 *
 * Importing the package root registers the cpu kernels and the gradient; other backends' kernels are
 * registered by their subpath imports ('tfjs-fused-cross-entropy/wasm'), and `await ready()` finishes
 * their set-up.
 */
import {registerGradient} from '@tensorflow/tfjs-core';
import './backends/cpu/register.js';
import {registerGradientOnce} from './backends/register_once.js';
import {fusedSigmoidCrossEntropyGradConfig} from './kernels/sigmoid_cross_entropy/gradient.js';
import {fusedSoftmaxCrossEntropyGradConfig} from './kernels/softmax_cross_entropy/gradient.js';
import {fusedSoftmaxDivergenceGradConfig} from './kernels/softmax_divergence/gradient.js';

registerGradientOnce(fusedSoftmaxCrossEntropyGradConfig, registerGradient);
registerGradientOnce(fusedSigmoidCrossEntropyGradConfig, registerGradient);
registerGradientOnce(fusedSoftmaxDivergenceGradConfig, registerGradient);

export {ready} from './backends/ready.js';
export {softmaxCrossEntropy} from './ops/softmax_cross_entropy.js';
export {softmaxCrossEntropyWithGrad} from './ops/softmax_cross_entropy_with_grad.js';
export type {LossAndGrad} from './ops/softmax_cross_entropy_with_grad.js';
export type {Reduction, SoftmaxCrossEntropyOptions} from './ops/options.js';
export type {LabelsLike} from './ops/inputs.js';
export {sigmoidCrossEntropy} from './ops/sigmoid_cross_entropy.js';
export {sigmoidCrossEntropyWithGrad} from './ops/sigmoid_cross_entropy_with_grad.js';
export type {SigmoidCrossEntropyOptions} from './ops/sigmoid_options.js';
export {klDivergence, klDivergenceWithGrad} from './ops/kl_divergence.js';
export {distillationLoss, distillationLossWithGrad} from './ops/distillation_loss.js';
export {entropy, entropyWithGrad} from './ops/entropy.js';
export type {DistillationOptions, EntropyOptions, KLDivergenceOptions} from './ops/divergence_options.js';
export {perplexity, createPerplexity} from './ops/perplexity.js';
export type {PerplexityAccumulator, PerplexityOptions, PerplexityResult} from './ops/perplexity.js';
export {expectedCalibrationError, createCalibrationError} from './ops/calibration.js';
export type {CalibrationAccumulator, CalibrationBin, CalibrationOptions, CalibrationResult} from './ops/calibration.js';
export {fitTemperature} from './ops/fit_temperature.js';
export type {FitTemperatureOptions, FitTemperatureResult} from './ops/fit_temperature.js';
export {linearCrossEntropy, linearCrossEntropyWithGrad} from './ops/linear_cross_entropy.js';
export type {LinearLossAndGrads} from './ops/linear_cross_entropy.js';
export type {LinearCrossEntropyOptions} from './ops/linear_options.js';
export * as losses from './ops/losses.js';
export * as layers from './ops/layers.js';
export {FusedSoftmaxCrossEntropy, FusedSoftmaxCrossEntropyGrad, SoftmaxCrossEntropyWithLogits}
  from './kernels/softmax_cross_entropy/contract.js';
export {FusedSigmoidCrossEntropy, FusedSigmoidCrossEntropyGrad, SigmoidCrossEntropyWithLogits}
  from './kernels/sigmoid_cross_entropy/contract.js';
export {FusedSoftmaxDivergence, FusedSoftmaxDivergenceGrad, SoftmaxDivergenceWithLogits}
  from './kernels/softmax_divergence/contract.js';
