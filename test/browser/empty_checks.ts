/**
 * Empty batches (no rows: logits [0, K], [2, 0, K], ...) through every entry point, reduction, label
 * kind and a few option sets, on the active backend. Shared by Node (test/empty_batch.test.ts: cpu,
 * wasm, the composite fallback) and the browser page (webgl, webgpu and their composite fallbacks,
 * asserted in test/browser.test.ts): `runEmptyChecks` measures and returns plain numbers, and
 * `emptyProblems` says what is wrong with them, so both suites assert exactly the same thing.
 *
 * Values are read with `await t.data()`: webgpu's dataSync breaks in headless Chromium. tfjs's own
 * gradients (for tf.grads through the fallback) come with tfjs-core's Node build, and in the page from
 * the checks modules' import of register_all_gradients (an ES module, which Node's jest cannot load).
 */
import * as tf from '@tensorflow/tfjs-core';
import {losses, softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../../index';
import type {SoftmaxCrossEntropyOptions} from '../../index';
import {KERNEL_NAMES} from '../../kernels/softmax_cross_entropy/contract';

export const EMPTY_SHAPES: number[][] = [[0, 4], [0, 1], [0, 5], [2, 0, 4], [0, 3, 4]];
const REDUCTIONS = ['none', 'sum', 'mean'] as const;
const KINDS = ['ids', 'probs'] as const;

/** Option sets; `weighted` ones get a classWeights tensor [1, 2, ..., K] (also differentiated). */
const OPTION_SETS: Array<{name: string, options: SoftmaxCrossEntropyOptions, weighted: boolean}> = [
  {name: 'plain', options: {}, weighted: false},
  {name: 'smoothing+temperature', options: {labelSmoothing: 0.1, temperature: 2}, weighted: false},
  {name: 'all options', options: {labelSmoothing: 0.2, temperature: 0.5, zLoss: 0.01}, weighted: true},
];

/** What an output was: its shape and its values (a plain array, for the trip to Node). */
export interface Read {shape: number[]; values: number[]}

/** One call of one entry point: its outputs by role, or the error it threw; tensors left behind. */
export interface EmptyRun {
  name: string;
  shape: number[];
  reduction: 'none' | 'sum' | 'mean';
  kind: 'ids' | 'probs';
  weighted: boolean;
  /** loss: a loss; dlogits: ∂/∂logits; dlabels: ∂/∂probabilities; dweights: ∂/∂classWeights */
  outputs: Record<string, Read>;
  error?: string;
  leaked: number;
}

export interface EmptyChecks {
  backend: string;
  /** Which of our kernels the backend has (none: the composite fallback ran). */
  fusedKernels: string[];
  runs: EmptyRun[];
}

const read = async (t: tf.Tensor): Promise<Read> => ({shape: t.shape.slice(), values: Array.from(await t.data())});

const tfReduction = {none: tf.Reduction.NONE, sum: tf.Reduction.SUM, mean: tf.Reduction.MEAN};

/** Runs every entry point on every empty shape, on the active backend. */
export async function runEmptyChecks(): Promise<EmptyChecks> {
  const backend = tf.getBackend();
  const runs: EmptyRun[] = [];
  for (const shape of EMPTY_SHAPES) {
    const K = shape[shape.length - 1];
    for (const kind of KINDS) {
      for (const reduction of REDUCTIONS) {
        for (const set of OPTION_SETS) {
          const z = tf.zeros(shape);
          const y = kind === 'ids' ? tf.zeros(shape.slice(0, -1), 'int32') : tf.zeros(shape);
          const w = tf.range(1, K + 1, 1, 'float32');
          const options = (cw?: tf.Tensor): SoftmaxCrossEntropyOptions => ({...set.options, reduction,
            ...(set.weighted ? {classWeights: (cw ?? w) as tf.Tensor1D} : {})});
          const entry = async (name: string, f: () => Record<string, tf.Tensor>) => {
            const before = tf.memory().numTensors;
            const run: EmptyRun = {name: `${name} [${shape}] ${kind} ${reduction} ${set.name}`, shape, reduction, kind,
              weighted: set.weighted, outputs: {}, leaked: 0};
            try {
              const outputs = f();
              for (const [role, t] of Object.entries(outputs)) run.outputs[role] = await read(t);
              tf.dispose(Object.values(outputs));
            } catch (e) {
              run.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
            }
            run.leaked = tf.memory().numTensors - before;
            runs.push(run);
          };
          await entry('softmaxCrossEntropy', () => ({loss: softmaxCrossEntropy(z, y, options())}));
          await entry('softmaxCrossEntropyWithGrad', () => {
            const {loss, grad} = softmaxCrossEntropyWithGrad(z, y, options());
            return {loss, dlogits: grad};
          });
          await entry('tf.valueAndGrad', () => {
            const {value, grad} = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x, y, options()))(z);
            return {loss: value, dlogits: grad};
          });
          await entry('tf.grads', () => {
            // the logits, the probabilities (not class ids) and the class weights, where given
            const args = [z, ...(kind === 'probs' ? [y] : []), ...(set.weighted ? [w] : [])];
            const g = tf.grads((...xs: tf.Tensor[]) => {
              const labels = kind === 'probs' ? xs[1] : y;
              return softmaxCrossEntropy(xs[0], labels, options(set.weighted ? xs[xs.length - 1] : undefined));
            })(args);
            return {dlogits: g[0], ...(kind === 'probs' ? {dlabels: g[1]} : {}),
              ...(set.weighted ? {dweights: g[g.length - 1]} : {})};
          });
          // tf.losses' signature: one-hot (probability) labels, smoothing only
          if (kind === 'probs' && !set.weighted) {
            const eps = set.options.labelSmoothing ?? 0;
            await entry('losses.softmaxCrossEntropy', () => {
              const {value, grad} = tf.valueAndGrad((x: tf.Tensor) =>
                losses.softmaxCrossEntropy(y, x, undefined, eps, tfReduction[reduction]))(z);
              return {loss: value, dlogits: grad};
            });
          }
          tf.dispose([z, y, w]);
        }
      }
    }
  }
  return {backend, fusedKernels: KERNEL_NAMES.filter((k) => tf.getKernel(k, backend) !== undefined), runs};
}

/**
 * Everything wrong in `c`'s runs, one line per problem (none: all good). Every run must return, leave no tensor behind, and give: a loss of shape [] (reduced) or
 * logits.shape[:-1] ('none') whose values are exactly 0; gradients of the logits and probabilities of
 * logits' shape (no values); a class-weight gradient of shape [K] that is exactly 0.
 */
export function emptyProblems(c: EmptyChecks): string[] {
  const problems: string[] = [];
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  for (const r of c.runs) {
    const say = (what: string) => problems.push(`${c.backend}: ${r.name}: ${what}`);
    if (r.error !== undefined) {
      say(`threw ${r.error.split('\n')[0]}`);
      continue;
    }
    if (r.leaked !== 0) say(`${r.leaked} tensor(s) left behind`);
    const K = r.shape[r.shape.length - 1];
    const expected: Record<string, number[]> = {
      loss: r.reduction === 'none' ? r.shape.slice(0, -1) : [],
      dlogits: r.shape, dlabels: r.shape, dweights: [K],
    };
    for (const [role, got] of Object.entries(r.outputs)) {
      if (!same(got.shape, expected[role])) say(`${role} has shape [${got.shape}], expected [${expected[role]}]`);
      const size = expected[role].reduce((a, b) => a * b, 1);
      if (got.values.length !== size) say(`${role} has ${got.values.length} values, expected ${size}`);
      if (!got.values.every((v) => v === 0)) say(`${role} is [${got.values}], expected zeros`);
    }
  }
  return problems;
}

/**
 * Registers (once) and activates `${base}-composite`: a backend made by `make` with every kernel of
 * `base` but ours, so the ops take the composite fallback on that backend's own tfjs kernels.
 */
export async function useComposite(base: string, make: () => tf.KernelBackend | Promise<tf.KernelBackend>): Promise<void> {
  const name = `${base}-composite`;
  if (tf.findBackendFactory(name) == null) {
    tf.registerBackend(name, make);
    for (const k of tf.getKernelsForBackend(base)) {
      if (!(KERNEL_NAMES as readonly string[]).includes(k.kernelName)) tf.registerKernel({...k, backendName: name});
    }
  }
  if (!await tf.setBackend(name)) throw new Error(`tf.setBackend('${name}') failed`);
}
