/**
 * npm start: the package's main job for now. Computes the fused loss and gradient on a demo batch
 * (checked against tfjs's own loss), then prints the benchmark table.
 *
 *   npm start [-- --runs 7 --shapes 64x10,512x1000]
 */
import * as tf from '@tensorflow/tfjs';
import {softmaxCrossEntropy, softmaxCrossEntropyWithGrad} from '../dist/cjs/index.js';
import {formatTable, parseArgs, runBenchmark} from '../benchmarks/softmax_cross_entropy';

async function demo() {
  await tf.setBackend('cpu');
  const logits = tf.tensor2d([
    [2.0, 1.0, 0.1, -1.0, 0.5],
    [0.3, 2.5, -0.7, 0.0, 1.1],
    [-1.2, 0.4, 3.1, 0.8, -0.3],
    [1.5, -0.5, 0.2, 2.2, 0.0],
  ]);
  const classIds = tf.tensor1d([0, 1, 2, 4], 'int32');
  const {loss, grad} = softmaxCrossEntropyWithGrad(logits, classIds, {labelSmoothing: 0.1});
  const builtin = tf.losses.softmaxCrossEntropy(tf.oneHot(classIds, 5), logits, undefined, 0.1);
  console.log('Demo batch: logits [4, 5], class ids [0, 1, 2, 4], labelSmoothing 0.1, reduction mean');
  console.log(`  fused loss                       ${loss.dataSync()[0].toFixed(7)}`);
  console.log(`  tf.losses.softmaxCrossEntropy    ${builtin.dataSync()[0].toFixed(7)}`);
  console.log('  d(loss)/d(logits), one row per example (each row sums to 0):');
  for (const row of grad.arraySync() as number[][]) console.log('   ', row.map((v) => v.toFixed(5).padStart(9)).join(' '));
  const perRow = softmaxCrossEntropy(logits, classIds, {reduction: 'none', zLoss: 1e-4, temperature: 2});
  console.log(`  per-row loss, temperature 2, z-loss 1e-4: [${Array.from(perRow.dataSync(), (v) => v.toFixed(5)).join(', ')}]`);
  tf.dispose([logits, classIds, loss, grad, builtin, perRow]);
}

(async () => {
  await demo();
  console.log('\nBenchmark: value and gradient, median of timed runs after warm-up (progress on stderr)\n');
  const rows = await runBenchmark({...parseArgs(process.argv.slice(2)), log: (l) => console.error(l)});
  console.log(formatTable(rows));
})().catch((e) => { console.error(e); process.exit(1); });
