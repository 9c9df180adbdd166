/**
 * `import 'tfjs-fused-cross-entropy/webgpu'`: registers the fused softmax and sigmoid cross-entropy
 * kernels and the softmax divergence kernels for tfjs's 'webgpu' backend (@tensorflow/tfjs-backend-webgpu,
 * imported by the user). Plumbing only: the pipelines compile on first use, once per device.
 */
import {registerKernel} from '@tensorflow/tfjs-core';
import {fusedSigmoidCrossEntropyGradConfig} from '../../kernels/sigmoid_cross_entropy/webgpu/backward.js';
import {fusedSigmoidCrossEntropyConfig} from '../../kernels/sigmoid_cross_entropy/webgpu/forward.js';
import {sigmoidCrossEntropyWithLogitsConfig} from '../../kernels/sigmoid_cross_entropy/webgpu/loss_and_grad.js';
import {fusedSoftmaxCrossEntropyGradConfig} from '../../kernels/softmax_cross_entropy/webgpu/backward.js';
import {fusedSoftmaxCrossEntropyConfig} from '../../kernels/softmax_cross_entropy/webgpu/forward.js';
import {softmaxCrossEntropyWithLogitsConfig} from '../../kernels/softmax_cross_entropy/webgpu/loss_and_grad.js';
import {fusedSoftmaxDivergenceGradConfig} from '../../kernels/softmax_divergence/webgpu/backward.js';
import {fusedSoftmaxDivergenceConfig} from '../../kernels/softmax_divergence/webgpu/forward.js';
import {softmaxDivergenceWithLogitsConfig} from '../../kernels/softmax_divergence/webgpu/loss_and_grad.js';
import {registerOnce} from '../register_once.js';

registerOnce([fusedSoftmaxCrossEntropyConfig, fusedSoftmaxCrossEntropyGradConfig,
  softmaxCrossEntropyWithLogitsConfig, fusedSigmoidCrossEntropyConfig, fusedSigmoidCrossEntropyGradConfig,
  sigmoidCrossEntropyWithLogitsConfig, fusedSoftmaxDivergenceConfig, fusedSoftmaxDivergenceGradConfig,
  softmaxDivergenceWithLogitsConfig], registerKernel);
