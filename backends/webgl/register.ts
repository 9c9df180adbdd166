/**
 * `import 'tfjs-fused-cross-entropy/webgl'`: registers the fused softmax and sigmoid cross-entropy
 * kernels for tfjs's 'webgl' backend (@tensorflow/tfjs-backend-webgl, imported by the user). Plumbing
 * only: the programs compile on first use, through tfjs's own program cache.
 */
import {registerKernel} from '@tensorflow/tfjs-core';
import {fusedSigmoidCrossEntropyGradConfig} from '../../kernels/sigmoid_cross_entropy/webgl/backward.js';
import {fusedSigmoidCrossEntropyConfig} from '../../kernels/sigmoid_cross_entropy/webgl/forward.js';
import {sigmoidCrossEntropyWithLogitsConfig} from '../../kernels/sigmoid_cross_entropy/webgl/loss_and_grad.js';
import {fusedSoftmaxCrossEntropyGradConfig} from '../../kernels/softmax_cross_entropy/webgl/backward.js';
import {fusedSoftmaxCrossEntropyConfig} from '../../kernels/softmax_cross_entropy/webgl/forward.js';
import {softmaxCrossEntropyWithLogitsConfig} from '../../kernels/softmax_cross_entropy/webgl/loss_and_grad.js';
import {fusedSoftmaxDivergenceGradConfig} from '../../kernels/softmax_divergence/webgl/backward.js';
import {fusedSoftmaxDivergenceConfig} from '../../kernels/softmax_divergence/webgl/forward.js';
import {softmaxDivergenceWithLogitsConfig} from '../../kernels/softmax_divergence/webgl/loss_and_grad.js';
import {registerOnce} from '../register_once.js';

registerOnce([fusedSoftmaxCrossEntropyConfig, fusedSoftmaxCrossEntropyGradConfig,
  softmaxCrossEntropyWithLogitsConfig, fusedSigmoidCrossEntropyConfig, fusedSigmoidCrossEntropyGradConfig,
  sigmoidCrossEntropyWithLogitsConfig], registerKernel);
registerOnce([fusedSoftmaxDivergenceConfig, fusedSoftmaxDivergenceGradConfig, softmaxDivergenceWithLogitsConfig],
    registerKernel);
