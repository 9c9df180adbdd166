/**
 * Empty batches: logits with no rows ([0, 4], [0, 1], [0, 5], [2, 0, 4], [0, 3, 4]) through every entry
 * point (softmaxCrossEntropy, softmaxCrossEntropyWithGrad, tf.valueAndGrad, tf.grads over the logits,
 * probabilities and class weights, losses.softmaxCrossEntropy), every reduction, class ids and
 * probabilities, with and without options, on cpu, wasm and the composite fallback on each. The loss is
 * empty ('none') or exactly 0, every gradient has its input's shape, the class-weight gradient is
 * exactly 0, and nothing leaks. The same checks run in Chromium on webgl and webgpu
 * (test/browser/empty_checks.ts, asserted in test/browser.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {softmaxCrossEntropy} from '../index';
import {BACKENDS, WASM} from './backends';
import {KERNEL_NAMES} from '../kernels/softmax_cross_entropy/contract';
import {EmptyChecks, emptyProblems, runEmptyChecks} from './browser/empty_checks';

const CPU = BACKENDS.find((b) => b.name === 'cpu')!;
const COMPOSITE = BACKENDS.find((b) => b.name.startsWith('composite'))!;

/**
 * The composite fallback on tfjs's wasm backend: our kernels unregistered from 'wasm' for a while (a
 * second wasm backend over the same module would not do: the module keys tensors by id, and two
 * backends number their tensors alike).
 */
const unregistered: tf.KernelConfig[] = [];
async function wasmWithoutKernels(): Promise<void> {
  await WASM.setup();
  for (const name of KERNEL_NAMES) {
    unregistered.push(tf.getKernel(name, 'wasm') as tf.KernelConfig);
    tf.unregisterKernel(name, 'wasm');
  }
}
function restoreWasmKernels(): void {
  for (const k of unregistered.splice(0)) tf.registerKernel(k);
}

const SETUPS: Array<{name: string, setup: () => Promise<void>, teardown?: () => void, fused: boolean}> = [
  {name: 'cpu', setup: CPU.setup, fused: true},
  {name: 'wasm', setup: WASM.setup, fused: true},
  {name: 'composite on cpu', setup: COMPOSITE.setup, fused: false},
  {name: 'composite on wasm', setup: wasmWithoutKernels, teardown: restoreWasmKernels, fused: false},
];

let warn: jest.SpyInstance;
beforeAll(() => {
  // the fallback's one warning per backend (test/fallback.test.ts checks it)
  warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

describe.each(SETUPS)('$name', ({setup, teardown, fused}) => {
  let c: EmptyChecks;
  beforeAll(async () => {
    await setup();
    c = await runEmptyChecks();  // each run counts the tensors it leaves behind (emptyProblems)
  });
  afterAll(() => teardown?.());

  test('every entry point, reduction, label kind and option set: empty or exactly 0, no leaks', () => {
    expect(c.fusedKernels.length).toBe(fused ? 3 : 0);  // which path ran
    expect(c.runs.length).toBeGreaterThan(300);
    expect(emptyProblems(c)).toEqual([]);
  });

  // the example: tfjs-backend-wasm's Sum over an empty axis returned 3.6e-41, −∞, NaN, 4, −7601
  test('tf.grad over the class weights of an empty batch is exactly 0', async () => {
    const before = tf.memory().numTensors;
    const z = tf.zeros([0, 5]);
    const y = tf.zeros([0], 'int32');
    const w = tf.tensor1d([1, 2, 3, 4, 5]);
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const g = tf.grad((cw: tf.Tensor) => softmaxCrossEntropy(z, y, {classWeights: cw as tf.Tensor1D, reduction}))(w);
      expect([reduction, g.shape, Array.from(await g.data())]).toEqual([reduction, [5], [0, 0, 0, 0, 0]]);
      g.dispose();
    }
    tf.dispose([z, y, w]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
