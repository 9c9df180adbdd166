/**
 * `npm run bench`: the benchmark (softmax_cross_entropy.ts) on cpu and wasm here in Node and on webgl
 * and webgpu in headless Chromium, one table. Progress goes to stderr, the table to stdout.
 *
 *   npm run bench [-- --runs 7 --shapes 64x10,512x1000 --backends cpu,wasm,webgl,webgpu]
 *   npx tsx benchmarks/run.ts --backends webgpu --shapes 256x32000,8x262144   (dist/ as built)
 */
import {inChromium} from './browser';
import {formatTable, parseArgs, Row, runBenchmark} from './softmax_cross_entropy';

const IN_BROWSER = new Set(['webgl', 'webgpu']);

(async () => {
  const args = parseArgs(process.argv.slice(2));
  const backends = args.backends ?? ['cpu', 'wasm', 'webgl', 'webgpu'];
  const log = (line: string) => console.error(line);
  const rows: Row[] = [];
  for (const backend of backends) {
    const opts = {...args, backends: [backend], log};
    rows.push(...(IN_BROWSER.has(backend) ? await inChromium(opts) : await runBenchmark(opts)));
  }
  console.log(formatTable(rows));
})().catch((e) => { console.error(e); process.exit(1); });
