/**
 * The benchmark's page (benchmarks/browser.ts bundles it): the same runBenchmark, on the page's
 * backends (softmax_cross_entropy.ts brings tfjs with its webgl backend, and our webgl kernels). The
 * webgpu backend and our webgpu kernels are imported here: tfjs registers webgpu only where
 * navigator.gpu exists, so Node's runs have no use for them.
 */
import '@tensorflow/tfjs-backend-webgpu';
import '../dist/cjs/backends/webgpu/register.js';
import {runBenchmark} from './softmax_cross_entropy';

(window as unknown as {runBenchmark: typeof runBenchmark}).runBenchmark =
    (o) => runBenchmark({...o, log: (line) => console.info(line)});
