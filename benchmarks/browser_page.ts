/**
 * The benchmark's page (benchmarks/browser.ts bundles it): the same runBenchmark and
 * runSigmoidBenchmark, on the page's backends (softmax_cross_entropy.ts brings tfjs with its cpu, wasm and webgl backends, and our wasm
 * and webgl kernels). The webgpu backend and our webgpu kernels are imported here: tfjs registers
 * webgpu only where navigator.gpu exists, so Node's runs have no use for them.
 */
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import '../dist/cjs/backends/webgpu/register.js';
import {backendDetails} from './backend_facts';
import {LinearJob, LinearShape, runLinearPeak, runLinearShape} from './linear_methods';
import {runRelativesBenchmark} from './relatives';
import {runSigmoidBenchmark} from './sigmoid_cross_entropy';
import {runBenchmark} from './softmax_cross_entropy';

// tfjs's .wasm files sit next to this page (the test server serves them)
setWasmPaths(new URL('.', location.href).href);

Object.assign(window, {
  runBenchmark: (o: Parameters<typeof runBenchmark>[0]) => runBenchmark({...o, log: (line) => console.info(line)}),
  runSigmoidBenchmark: (o: Parameters<typeof runSigmoidBenchmark>[0]) =>
    runSigmoidBenchmark({...o, log: (line) => console.info(line)}),
  runRelativesBenchmark: (o: Parameters<typeof runRelativesBenchmark>[0]) =>
    runRelativesBenchmark({...o, log: (line) => console.info(line)}),
  backendDetails,
  // the linear head's rows (linear_cross_entropy.ts drives them, one backend and shape per page)
  runLinearShape: (job: LinearJob) => runLinearShape(job, (line) => console.info(line)),
  runLinearPeak: (backend: string, shape: LinearShape, seed: number) =>
    runLinearPeak(backend, shape, seed, (line) => console.info(line)),
});
