/**
 * The benchmark's page (benchmarks/browser.ts bundles it): the same runBenchmark, on the page's
 * backends (softmax_cross_entropy.ts brings tfjs with its webgl backend, and our webgl kernels).
 */
import {runBenchmark} from './softmax_cross_entropy';

(window as unknown as {runBenchmark: typeof runBenchmark}).runBenchmark =
    (o) => runBenchmark({...o, log: (line) => console.info(line)});
