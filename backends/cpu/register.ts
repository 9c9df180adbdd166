/**
 * Registers the fused softmax and sigmoid cross-entropy kernels and the softmax divergence kernels for
 * tfjs's 'cpu' backend. Plumbing only.
 */
import {registerKernel} from '@tensorflow/tfjs-core';
import {fusedSigmoidCrossEntropyGradConfig} from '../../kernels/sigmoid_cross_entropy/cpu/backward.js';
import {fusedSigmoidCrossEntropyConfig} from '../../kernels/sigmoid_cross_entropy/cpu/forward.js';
import {sigmoidCrossEntropyWithLogitsConfig} from '../../kernels/sigmoid_cross_entropy/cpu/loss_and_grad.js';
import {fusedSoftmaxCrossEntropyGradConfig} from '../../kernels/softmax_cross_entropy/cpu/backward.js';
import {fusedSoftmaxCrossEntropyConfig} from '../../kernels/softmax_cross_entropy/cpu/forward.js';
import {softmaxCrossEntropyWithLogitsConfig} from '../../kernels/softmax_cross_entropy/cpu/loss_and_grad.js';
import {fusedSoftmaxDivergenceGradConfig} from '../../kernels/softmax_divergence/cpu/backward.js';
import {fusedSoftmaxDivergenceConfig} from '../../kernels/softmax_divergence/cpu/forward.js';
import {softmaxDivergenceWithLogitsConfig} from '../../kernels/softmax_divergence/cpu/loss_and_grad.js';
import {registerOnce} from '../register_once.js';

registerOnce([fusedSoftmaxCrossEntropyConfig, fusedSoftmaxCrossEntropyGradConfig,
  softmaxCrossEntropyWithLogitsConfig, fusedSigmoidCrossEntropyConfig, fusedSigmoidCrossEntropyGradConfig,
  sigmoidCrossEntropyWithLogitsConfig, fusedSoftmaxDivergenceConfig, fusedSoftmaxDivergenceGradConfig,
  softmaxDivergenceWithLogitsConfig], registerKernel);
