/**
 * `import 'tfjs-fused-cross-entropy/wasm'`: registers the fused softmax and sigmoid cross-entropy
 * kernels and the softmax divergence ones for tfjs's 'wasm' backend (@tensorflow/tfjs-backend-wasm,
 * imported by the user), and the set-up that `await ready()` runs: instantiating our module (one for
 * every family) against that backend's memory. Plumbing only.
 */
import {engine, registerKernel} from '@tensorflow/tfjs-core';
import {fusedSigmoidCrossEntropyGradConfig} from '../../kernels/sigmoid_cross_entropy/wasm/backward.js';
import {fusedSigmoidCrossEntropyConfig} from '../../kernels/sigmoid_cross_entropy/wasm/forward.js';
import {sigmoidCrossEntropyWithLogitsConfig} from '../../kernels/sigmoid_cross_entropy/wasm/loss_and_grad.js';
import {fusedSoftmaxCrossEntropyGradConfig} from '../../kernels/softmax_cross_entropy/wasm/backward.js';
import {fusedSoftmaxCrossEntropyConfig} from '../../kernels/softmax_cross_entropy/wasm/forward.js';
import {softmaxCrossEntropyWithLogitsConfig} from '../../kernels/softmax_cross_entropy/wasm/loss_and_grad.js';
import {fusedSoftmaxDivergenceGradConfig} from '../../kernels/softmax_divergence/wasm/backward.js';
import {fusedSoftmaxDivergenceConfig} from '../../kernels/softmax_divergence/wasm/forward.js';
import {softmaxDivergenceWithLogitsConfig} from '../../kernels/softmax_divergence/wasm/loss_and_grad.js';
import {addPreparer} from '../ready.js';
import {registerOnce} from '../register_once.js';
import {prepare, WasmBackend} from './module.js';

registerOnce([fusedSoftmaxCrossEntropyConfig, fusedSoftmaxCrossEntropyGradConfig,
  softmaxCrossEntropyWithLogitsConfig, fusedSigmoidCrossEntropyConfig, fusedSigmoidCrossEntropyGradConfig,
  sigmoidCrossEntropyWithLogitsConfig, fusedSoftmaxDivergenceConfig, fusedSoftmaxDivergenceGradConfig,
  softmaxDivergenceWithLogitsConfig], registerKernel);

addPreparer(async () => {
  // the 'wasm' backend if tfjs has initialized it (tf.setBackend('wasm')); not tf.findBackend, which
  // would start initializing it as a side effect
  const backend = engine().registry['wasm'] as unknown as WasmBackend | undefined;
  if (backend != null) await prepare(backend);
});
