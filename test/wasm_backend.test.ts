/**
 * The wasm kernels inside tfjs: zero copy (only the outputs are allocated, on tfjs's heap), no leak
 * over 1000 steps (tfjs tensors, data ids and the wasm heap's allocated bytes), class ids checked on
 * the CPU, and ready() as the one set-up step.
 */
import * as tf from '@tensorflow/tfjs-core';
import {softmaxCrossEntropy, softmaxCrossEntropyWithGrad, ready} from '../index';
import {loadedVariant} from '../backends/wasm/module';
import {WASM} from './backends';
import {Backend, trackHeap} from './wasm_heap';


let backend: Backend;
beforeAll(async () => {
  await WASM.setup();
  backend = tf.backend() as unknown as Backend;
});

test('zero copy: loss-and-grad allocates its two outputs and nothing else, and reads no tensor back', () => {
  const z = tf.randomNormal([33, 517], 0, 3, 'float32', 2);
  const y = tf.randomUniformInt([33], 0, 517, 3);
  const w = tf.ones([517]) as tf.Tensor1D;
  const heap = trackHeap(backend);
  const readSync = jest.spyOn(backend, 'readSync');
  const read = jest.spyOn(backend, 'read');
  try {
    const {loss, grad} = softmaxCrossEntropyWithGrad(z, y, {classWeights: w});
    expect(heap.calls).toEqual([4, 33 * 517 * 4]);
    expect(readSync).not.toHaveBeenCalled();
    expect(read).not.toHaveBeenCalled();
    tf.dispose([loss, grad]);
  } finally {
    heap.restore();
    readSync.mockRestore();
    read.mockRestore();
    tf.dispose([z, y, w]);
  }
});

test('no leak: tfjs memory, data ids and the wasm heap are unchanged after 1000 value-and-grad steps', () => {
  const z = tf.variable(tf.randomNormal([64, 100], 0, 3, 'float32', 4));
  const y = tf.randomUniformInt([64], 0, 100, 5);
  const opt = tf.train.sgd(0.1);
  const step = () => {
    const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, y, {labelSmoothing: 0.1}))(z);
    const {loss, grad: g2} = softmaxCrossEntropyWithGrad(z, y);
    opt.applyGradients({[z.name]: grad});
    tf.dispose([value, grad, loss, g2]);
  };
  const heap = trackHeap(backend);  // before the first step, so the variable's buffers are tracked
  step();  // the optimizer's slots are allocated once
  const allocated = heap.bytes();
  const before = {tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, ids: backend.numDataIds(),
    size: (backend.wasm as unknown as {HEAPU8: Uint8Array}).HEAPU8.length};
  try {
    for (let i = 0; i < 1000; i++) step();
    expect(heap.bytes()).toBe(allocated);  // the heap's allocated bytes, through tfjs's malloc and free
    expect(heap.calls.length).toBeGreaterThan(3000);
    expect({tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, ids: backend.numDataIds(),
      size: (backend.wasm as unknown as {HEAPU8: Uint8Array}).HEAPU8.length}).toEqual(before);
  } finally {
    heap.restore();
    tf.dispose([z, y]);
    opt.dispose();
  }
});

test('class ids out of range throw an Error naming the row and the value, from every kernel, leaking nothing', () => {
  const z = tf.randomNormal([4, 6]);
  const y = tf.tensor1d([0, 5, 6, 1], 'int32');
  const before = tf.memory().numTensors;
  const heap = trackHeap(backend);
  try {
    const msg = /labels must be class ids in \[0, 6\) or ignoreIndex \(-100\); row 2 has 6/;
    expect(() => softmaxCrossEntropy(z, y)).toThrow(msg);
    expect(() => tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x, y))(z)).toThrow(msg);
    expect(() => softmaxCrossEntropyWithGrad(z, y)).toThrow(msg);
    expect(heap.bytes()).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    heap.restore();
    tf.dispose([z, y]);
  }
});

test('a new wasm backend needs ready(): a clear error before, the right results after', async () => {
  const engine = tf.engine() as unknown as {registryFactory: Record<string, {factory: () => tf.KernelBackend, priority: number}>};
  const {factory, priority} = engine.registryFactory['wasm'];
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, priority);
  await tf.setBackend('wasm');
  const fresh = tf.backend() as unknown as Backend;
  expect(fresh).not.toBe(backend);
  const z = tf.tensor2d([[1, 2, 3], [0, 0, 5]]);
  const y = tf.tensor1d([2, 0], 'int32');
  expect(loadedVariant(fresh)).toBeNull();
  expect(() => softmaxCrossEntropy(z, y)).toThrow(/wasm kernels are not loaded yet; `await ready\(\)`/);
  await ready();
  await ready();  // idempotent
  expect(loadedVariant(fresh)).toBe('simd');
  const loss = softmaxCrossEntropy(z, y, {reduction: 'none'});
  const want = [3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), -Math.log(2 + Math.exp(5))].map((v) => -v);
  const got = Array.from(loss.dataSync());
  for (let i = 0; i < 2; i++) expect(got[i]).toBeCloseTo(want[i], 6);
  tf.dispose([z, y, loss]);
  backend = fresh;
});
