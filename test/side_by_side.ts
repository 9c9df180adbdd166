/**
 * A drop-in run side by side with the tfjs function it replaces (test/losses.test.ts for softmax,
 * test/sigmoid_ops.test.ts for sigmoid): the same error message where tfjs throws, the same shape and
 * values (2e-6 relative, NaN where tfjs gives NaN) where it returns.
 */
import * as tf from '@tensorflow/tfjs';

type Outcome = {error: string} | {shape: number[], values: number[]};

/** What f gives for args: its error message, or its result's shape and values. */
function outcome(f: (...a: unknown[]) => tf.Tensor, args: unknown[]): Outcome {
  try {
    const y = f(...args);
    return {shape: y.shape, values: Array.from(y.dataSync())};
  } catch (e) {
    return {error: (e as Error).message};
  }
}

/** Runs tfjs's function and ours on fresh copies of the arguments and expects the same outcome. */
export function expectSameOutcome(theirsFn: (...a: never[]) => tf.Tensor, oursFn: (...a: never[]) => tf.Tensor,
    args: () => unknown[]): void {
  const theirs = outcome(theirsFn as (...a: unknown[]) => tf.Tensor, args());
  const ours = outcome(oursFn as (...a: unknown[]) => tf.Tensor, args());
  if ('error' in theirs) {
    expect(ours).toEqual(theirs);
    return;
  }
  expect(ours).toHaveProperty('values');
  const o = ours as {shape: number[], values: number[]};
  expect(o.shape).toEqual(theirs.shape);
  theirs.values.forEach((v, i) => (Number.isNaN(v) ? expect(o.values[i]).toBeNaN()
      : expect(Math.abs(o.values[i] - v)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(v)))));
}
