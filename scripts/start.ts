/**
 * npm start: the package's main job. Trains a digit classifier on real MNIST digits (the `mnist`
 * package) in Node, once with the fused loss and once with tfjs-layers' own loss, from the same
 * initial weights, and prints test accuracy and time per epoch side by side; then reports how well the
 * fused model's probabilities are calibrated on held-out digits, before and after temperature scaling
 * (accuracy, NLL, ECE, the fitted T), and writes the reliability diagram as an SVG.
 *
 *   npm start [-- --backend wasm|cpu --epochs 3 --batch-size 128 --reliability reliability.svg]
 *   npm start -- --lm [...]: the next-word language model instead (examples/lm/start.ts, its own options)
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {ready} from '../index';
import '../backends/wasm/register';
import {calibrate, CalibrationReport, reportLines} from '../examples/mnist/calibration';
import {loadMnist, PIXELS} from '../examples/mnist/data';
import {accuracy, LOSS_LABEL, LossKind, makeModel} from '../examples/mnist/model';
import {reliabilitySvg} from '../examples/mnist/reliability_svg';
import {runLm} from '../examples/lm/start';

const HELP = `npm start [-- options]: train an MNIST classifier with the fused loss and with tfjs-layers' own loss

  --backend wasm|cpu   the tfjs backend (default wasm; webgl and webgpu: npm run demo, in a browser)
  --epochs N           epochs per model (default 3)
  --batch-size N       examples per step (default 128)
  --reliability FILE   where the reliability diagram (SVG) goes (default reliability.svg)
  --lm                 train the next-word language model on the Brown corpus instead (--lm --help: its options)
  --help               this text
`;

interface Args {backend: 'wasm' | 'cpu'; epochs: number; batchSize: number; reliability: string}

function parse(argv: string[]): Args {
  const args: Args = {backend: 'wasm', epochs: 3, batchSize: 128, reliability: 'reliability.svg'};
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number ≥ 1; got ${value}`);
      i++;
      return n;
    };
    if (flag === '--help' || flag === '-h') { process.stdout.write(HELP); process.exit(0); }
    else if (flag === '--backend') {
      if (value !== 'wasm' && value !== 'cpu') throw new Error(`--backend takes wasm or cpu; got ${value}`);
      args.backend = value;
      i++;
    } else if (flag === '--epochs') args.epochs = count();
    else if (flag === '--batch-size') args.batchSize = count();
    else if (flag === '--reliability') {
      if (value === undefined || value.startsWith('--')) throw new Error('--reliability takes a file name');
      args.reliability = value;
      i++;
    }
    else throw new Error(`unknown option ${flag}\n\n${HELP}`);
  }
  return args;
}

/** A progress bar on stderr, redrawn in place when stderr is a terminal (one line per epoch otherwise). */
function bar(done: number, total: number, width = 30): string {
  const filled = Math.round((done / total) * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}`;
}

interface Result {kind: LossKind; epochMs: number[]; losses: number[]; testAccuracy: number;
  calibration?: CalibrationReport}

async function train(kind: LossKind, args: Args, data: ReturnType<typeof tensors>): Promise<Result> {
  const model = makeModel(kind);
  const steps = Math.ceil(data.trainN / args.batchSize);
  const epochMs: number[] = [];
  const losses: number[] = [];
  let started = 0;
  console.log(`\n${LOSS_LABEL[kind]}`);
  await model.fit(data.x, data.y, {
    // no shuffling: both models see the same batches in the same order (the digits are interleaved by class)
    epochs: args.epochs, batchSize: args.batchSize, shuffle: false, verbose: 0,
    callbacks: {
      onEpochBegin: async () => { started = performance.now(); },
      onBatchEnd: async (batch, logs) => {
        if (process.stderr.isTTY) {
          process.stderr.write(`\r  epoch ${epochMs.length + 1}/${args.epochs} ${bar(batch + 1, steps)} loss ${logs?.loss.toFixed(4)}`);
        }
      },
      onEpochEnd: async (epoch, logs) => {
        epochMs.push(performance.now() - started);
        losses.push(logs?.loss ?? NaN);
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        console.log(`  epoch ${epoch + 1}/${args.epochs} ${bar(steps, steps)} loss ${logs?.loss.toFixed(4)} ` +
            `accuracy ${logs?.acc.toFixed(4)}  ${(epochMs[epoch] / 1000).toFixed(2)} s`);
      },
    },
  });
  const testAccuracy = await accuracy(model, data.testX, data.testY);
  // the fused model outputs logits: what the evaluation ops take
  const calibration = kind === 'fused' ? await calibrate(model, data.testX, data.testY) : undefined;
  model.dispose();
  return {kind, epochMs, losses, testAccuracy, calibration};
}

function tensors(split: ReturnType<typeof loadMnist>) {
  const {train, test} = split;
  return {
    trainN: train.n,
    x: tf.tensor2d(train.x, [train.n, PIXELS]),
    // float32 ids: tfjs-layers' own sparse loss floors its targets, which tfjs refuses for int32
    y: tf.tensor1d(Float32Array.from(train.y)),
    testX: tf.tensor2d(test.x, [test.n, PIXELS]),
    testY: tf.tensor1d(test.y, 'int32'),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  if (process.argv.includes('--lm')) return runLm(process.argv.slice(2).filter((a) => a !== '--lm'));
  const args = parse(process.argv.slice(2));
  await tf.setBackend(args.backend);
  await ready();
  const split = loadMnist();
  console.log(`MNIST (the mnist package): ${split.train.n} training and ${split.test.n} test digits; ` +
      `backend ${tf.getBackend()}; ${args.epochs} epoch${args.epochs === 1 ? '' : 's'} of batches of ${args.batchSize}; a 784-128-10 perceptron, Adam 1e-3`);
  const data = tensors(split);
  const results: Result[] = [];
  for (const kind of ['fused', 'built-in'] as LossKind[]) results.push(await train(kind, args, data));
  tf.dispose([data.x, data.y, data.testX, data.testY]);
  console.log('\n| loss | final training loss | test accuracy | time per epoch (median) |');
  console.log('|---|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${LOSS_LABEL[r.kind]} | ${r.losses[r.losses.length - 1].toFixed(4)} | ` +
        `${(100 * r.testAccuracy).toFixed(2)}% | ${(median(r.epochMs) / 1000).toFixed(2)} s |`);
  }
  console.log('\nBoth start from the same weights and see the same batches in the same order. The loss ' +
      'is a small part of this model\'s step; `npm run bench` times the loss alone.');
  const c = results.find((r) => r.calibration)?.calibration;
  if (c) {
    console.log(`\n${reportLines(c).join('\n')}`);
    fs.writeFileSync(args.reliability, reliabilitySvg([
      {title: 'Before: T = 1', result: c.before},
      {title: `After temperature scaling: T = ${c.temperature.toFixed(3)}`, result: c.after},
    ]));
    console.log(`\nReliability diagram (accuracy per confidence bin, before and after): ${args.reliability}`);
  }
})().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
