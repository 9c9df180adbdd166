/**
 * The benchmark report's Markdown and SVG (benchmarks/markdown.ts, chart.ts) and its command line
 * (benchmarks/args.ts), on made-up rows: no backend runs here, so the numbers are chosen to make each
 * ratio easy to check.
 */
import {parseArgs} from '../benchmarks/args';
import {speedupChart} from '../benchmarks/chart';
import {formatReport, formatSigmoidSummary, formatSummaries, formatSummary, formatTable} from '../benchmarks/markdown';
import {toJson} from '../benchmarks/report';
import type {Kind, Loss, MethodId, Report, Row} from '../benchmarks/row';

const MS: Array<[Kind, MethodId, number, number]> = [  // kind, method, median ms, peak ratio
  ['loss', 'tf.losses', 40, 5.2], ['loss', 'tfjs-layers', 60, 10.6], ['loss', 'fused', 2, 1.0],
  ['value-and-grad', 'tf.losses', 120, 5.5], ['value-and-grad', 'tfjs-layers', 180, 12],
  ['value-and-grad', 'fused tape', 4, 1.5], ['value-and-grad', 'fused loss-and-grad', 3, 1.0],
];

function rows(backend: string, shape: [number, number], scale = 1): Row[] {
  return MS.map(([kind, method, ms, peakRatio]) => {
    const medianMs = ms * scale;
    const base = MS.find(([k, m]) => k === kind && m === 'tf.losses')![2] * scale;
    return {backend, shape, loss: 'softmax', kind, method, label: `${method} <${kind}>`, medianMs, runs: 7, reps: 1,
      speedup: base / medianMs,
      minBytes: 1e6, gbps: 1e6 / 1e9 / (medianMs / 1e3), copyMs: 0.5, copyGbps: 8, vsCopy: medianMs / 0.5,
      peakBytes: peakRatio * 2 ** 20, peakRatio, kernels: 2, identities: 1};
  });
}

const all = [...rows('cpu', [64, 10]), ...rows('cpu', [8, 262144], 10), ...rows('webgl', [64, 10])];

function report(r: Row[]): Report {
  return {date: '2030-01-02T03:04:05.000Z', args: '', runs: 7, slowRuns: 3, warmupRounds: 2,
    shapes: {softmax: [[64, 10], [8, 262144]], sigmoid: [[4096, 1000]]},
    totalSeconds: 90, machine: {cpu: 'Test CPU', cores: 2, memoryGiB: 8, os: 'Linux', node: 'v20', tfjs: '4.22.0'},
    userAgent: 'HeadlessChrome/156', backends: [{backend: 'webgl', runtime: 'Chromium 156', details: 'SwiftShader'}],
    rows: r};
}

test('the table has a copy row before each backend and shape, then one line per method', () => {
  const lines = formatTable(all).split('\n');
  expect(lines).toHaveLength(2 + 3 * (1 + MS.length));
  expect(lines[2]).toMatch(/^\| cpu \| \[64,10\] \| \| copy of the logits/);
  expect(lines[2 + 1 + MS.length]).toMatch(/^\| cpu \| \[8,262144\] \| \| copy of the logits/);
  expect(lines.find((l) => l.includes('fused loss-and-grad <value-and-grad>'))).toMatch(/\| 40× \|/);
});

test('the summary compares like with like: loss only with loss only, value-and-grad with value-and-grad', () => {
  const line = formatSummary(all).split('\n')[2];
  // loss 40/2 and 60/2; tape 120/4; loss-and-grad 120/3 and 180/3; GB/s 1e6 B in 3 ms; peaks
  expect(line).toBe('| cpu | [64,10] | 20× | 30× | 30× | **40×** | 60× | 0.33 (8.00) | 5.5, 12.0, 1.00 |');
});

test('a time below the timer\'s resolution shows as a dash, not Infinity', () => {
  const r = rows('cpu', [64, 10]).map((x) => (x.method === 'fused' ? {...x, medianMs: 0, speedup: Infinity, gbps: Infinity} : x));
  expect(formatSummary(r)).toContain('| cpu | [64,10] | — | — |');
  expect(formatSummary(r)).not.toMatch(/Infinity|NaN/);
});

test('the report names the run, embeds the chart and holds every row', () => {
  const md = formatReport(report(all));
  expect(md).toContain('median of 7 runs after 2 warm-up rounds');
  expect(md).toContain('![speedup and peak memory](speedup.svg)');
  expect(md).toContain('| webgl | Chromium 156 | SwiftShader |');
  expect(md).toContain(formatTable(all));
});

test('latest.json holds the report as it was, one row per line', () => {
  const json = toJson(report(all));
  expect(JSON.parse(json)).toEqual(report(all));
  expect(json.split('\n').filter((l) => l.startsWith('  {"backend"'))).toHaveLength(all.length);
});

describe('the chart', () => {
  const svg = speedupChart(report(all));

  test('is one SVG element with balanced tags and finite coordinates', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<text /g)!.length).toBe(svg.match(/<\/text>/g)!.length);
    expect(svg.match(/<rect /g)!.length).toBe(svg.match(/<\/rect>/g)!.length);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  test('has a panel per backend and a bar per fused value-and-grad method and shape', () => {
    expect(svg).toContain('font-weight="bold" text-anchor="middle">cpu</text>');
    expect(svg).toContain('font-weight="bold" text-anchor="middle">webgl</text>');
    // bars carry a <title> with their numbers: 3 groups × 2 fused methods, then the memory panel's
    // 4 methods × the 2 shapes of the first backend
    expect(svg.match(/<title>[^<]*×/g)!.length).toBe(3 * 2);
    expect(svg.match(/<title>[^<]*MiB<\/title>/g)!.length).toBe(2 * 4);
    expect(svg).toContain('fused: softmaxCrossEntropyWithGrad: 40.00× (3.00 ms)');
  });

  test('says when backends differ in peak memory', () => {
    expect(svg).toContain('the same on every backend');
    const other = all.map((r) => (r.backend === 'webgl' && r.method === 'tf.losses' ? {...r, peakRatio: 4} : r));
    expect(speedupChart(report(other))).toContain('(cpu; other backends differ, see latest.md)');
  });

  test('escapes text and leaves out bars it cannot place', () => {
    const odd = rows('a<b>&c', [64, 10]).map((r) => (r.method === 'fused tape' ? {...r, speedup: Infinity} : r));
    const s = speedupChart(report(odd));
    expect(s).toContain('>a&lt;b&gt;&amp;c</text>');
    expect(s.match(/<title>[^<]*×/g)!.length).toBe(1);
    expect(s).not.toMatch(/NaN|Infinity/);
  });
});

// the sigmoid rows: value-and-grad only; loss, method, median ms, runs, peak ratio, kernels
const SIGMOID: Array<[Loss, MethodId, number, number, number, number]> = [
  ['sigmoid', 'tf.losses', 100, 3, 4.5, 30], ['sigmoid', 'tfjs-layers', 160, 3, 9, 50],
  ['sigmoid', 'fused tape', 5, 7, 1.5, 2], ['sigmoid', 'fused loss-and-grad', 4, 7, 1.0, 1],
  ['focal', 'tfjs ops', 200, 3, 10, 60], ['focal', 'fused tape', 8, 7, 1.5, 2], ['focal', 'fused loss-and-grad', 5, 7, 1.0, 1],
];

function sigmoidRows(backend: string, shape: [number, number]): Row[] {
  return SIGMOID.map(([loss, method, medianMs, runs, peakRatio, kernels]) => {
    const base = SIGMOID.find(([l, m]) => l === loss && (m === 'tf.losses' || m === 'tfjs ops'))![2];
    return {backend, shape, loss, kind: 'value-and-grad', method, label: `${loss} ${method}`, medianMs, runs, reps: 1,
      speedup: base / medianMs, minBytes: 3e6, gbps: 3e6 / 1e9 / (medianMs / 1e3), copyMs: 2, copyGbps: 8,
      vsCopy: medianMs / 2, peakBytes: peakRatio * 2 ** 20, peakRatio, kernels, identities: 0};
  });
}

describe('the sigmoid rows', () => {
  const sigmoid = [...sigmoidRows('cpu', [4096, 1000]), ...sigmoidRows('cpu', [1048576, 1]),
    ...sigmoidRows('webgl', [4096, 1000])];
  const mixed = [...all, ...sigmoid];

  test('have their own table: a copy row before each backend, loss and shape, and a runs column', () => {
    const lines = formatTable(sigmoid).split('\n');
    expect(lines[0]).toContain('| median ms | runs | speedup vs tf.losses (focal: vs tfjs ops) |');
    expect(lines).toHaveLength(2 + 3 * (2 + SIGMOID.length));
    expect(lines[2]).toMatch(/^\| cpu \| \[4096,1000\] \| \| copy of the logits/);
    expect(lines[2 + 1 + 4]).toMatch(/^\| cpu \| \[4096,1000\] \| \| copy of the logits/);  // the focal rows' own copy
    expect(lines.find((l) => l.includes('| focal fused loss-and-grad |'))).toContain('| 5.00 | 7 | 40× |');
    expect(lines.find((l) => l.includes('| sigmoid tf.losses |'))).toContain('| 100.0 | 3 | 1.0× |');
  });

  test('have their own summary: tape, loss-and-grad and focal against their baselines, × copy, kernels, peaks', () => {
    const lines = formatSigmoidSummary(mixed).split('\n');
    expect(lines).toHaveLength(2 + 3);  // the softmax rows are not in it
    // tape 100/5, loss-and-grad 100/4, tfjs-layers 160/4; focal 200/8 and 200/5; × copy 4/2 and 5/2
    expect(lines[2]).toBe('| cpu | [4096,1000] | 20× | **25×** | 40× | 25× | **40×** | 2.0× (2.5×) | 30, 2, 1 | ' +
        '4.5, 9.0, 1.00 (1.00) |');
    expect(formatSummary(mixed)).toBe(formatSummary(all));  // and the softmax summary has no sigmoid line
  });

  test('have a section of the report, after the softmax one, saying what is timed', () => {
    const md = formatReport(report(mixed));
    const [softmax, sigmoidAt] = [md.indexOf('## Softmax cross-entropy'), md.indexOf('## Sigmoid cross-entropy and focal loss')];
    expect(softmax).toBeGreaterThan(0);
    expect(sigmoidAt).toBeGreaterThan(softmax);
    expect(md).toContain(formatTable(all));
    expect(md).toContain(formatTable(sigmoid));
    expect(md).toContain(formatSigmoidSummary(sigmoid));
    expect(md).toContain('tf.mean(tf.metrics.binaryCrossentropy(labels, tf.sigmoid(logits)))');
    expect(md).toContain('loss = ce·(1 − p_t)^γ');
    expect(md).toContain('is timed 3 times');
    expect(formatReport(report(sigmoid))).not.toContain('## Softmax');
    expect(formatSummaries(mixed)).toBe(`${formatSummary(all)}\n\n${formatTable(all)}\n\n` +
        `${formatSigmoidSummary(sigmoid)}\n\n${formatTable(sigmoid)}`);
  });

  test('are in the chart: a panel per backend with four bars per shape, and a memory panel of seven', () => {
    const svg = speedupChart(report(mixed));
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(svg.match(/<text /g)!.length).toBe(svg.match(/<\/text>/g)!.length);
    expect(svg).toContain('Sigmoid cross-entropy: speedup over tf.losses.sigmoidCrossEntropy');
    expect(svg).toContain('(3 for a sigmoid step over 1 s)');
    // speedup bars: softmax 3 groups × 2, sigmoid 3 groups × 4; memory: softmax 2 shapes × 4, sigmoid 2 × 7
    expect(svg.match(/<title>[^<]*×/g)!.length).toBe(3 * 2 + 3 * 4);
    expect(svg.match(/<title>[^<]*MiB<\/title>/g)!.length).toBe(2 * 4 + 2 * 7);
    expect(svg).toContain('<title>webgl [4096,1000] focal: loss-and-grad: 40.00× (5.00 ms)</title>');
    expect(svg).toContain('Peak memory of sigmoid value-and-grad');
    // every y inside the picture
    const height = Number(svg.match(/height="(\d+(\.\d+)?)"/)![1]);
    const ys = [...svg.matchAll(/ y="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...ys)).toBeLessThan(height);
  });

  test('a backend with softmax rows only (Chromium\'s cpu) leaves the sigmoid panels alone', () => {
    const svg = speedupChart(report([...mixed, ...rows('cpu (Chromium)', [64, 10])]));
    expect(svg.match(/<title>[^<]*×/g)!.length).toBe(4 * 2 + 3 * 4);
    expect(svg).not.toContain('other backends differ');
  });
});

describe('the command line', () => {
  test('--loss picks the families, --shapes and --backends still work', () => {
    expect(parseArgs([]).losses).toEqual(['softmax', 'sigmoid', 'relatives']);
    expect(parseArgs(['--loss', 'relatives']).losses).toEqual(['relatives']);
    expect(parseArgs(['--loss', 'sigmoid', '--shapes', '4096x1000,65536x80', '--backends', 'cpu,webgl', '--runs', '3']))
        .toEqual({losses: ['sigmoid'], shapes: [[4096, 1000], [65536, 80]], backends: ['cpu', 'webgl'], runs: 3});
    expect(() => parseArgs(['--loss', 'focal'])).toThrow('--loss: unknown focal; known: softmax, sigmoid, relatives');
  });
});

test('the relatives\' summary: each loss against its tfjs ops, distillation against softmax\'s loss-and-grad', () => {
  const rel = (loss: Loss, method: MethodId, medianMs: number): Row => ({backend: 'wasm', shape: [256, 32000], loss,
    kind: 'value-and-grad', method, label: `${loss} ${method}`, medianMs, runs: 7, reps: 1, speedup: 100 / medianMs,
    minBytes: 1e6, gbps: 1, copyMs: 2, copyGbps: 8, vsCopy: medianMs / 2, peakBytes: 2 ** 20, peakRatio: 1, kernels: 1,
    identities: 0});
  const r = (['softmax-focal', 'kl', 'distillation', 'entropy'] as Loss[]).flatMap((loss) => [
    rel(loss, 'tfjs ops', 100), rel(loss, 'fused tape', 10), rel(loss, 'fused loss-and-grad', 5),
  ]).concat([rel('distillation', 'softmax loss-and-grad', 4)]);
  const lines = formatSummaries(r).split('\n');
  // tape 100/10, loss-and-grad 100/5; distillation 5 ms over softmax's 4 ms; × copy 5/2
  expect(lines[2]).toBe('| wasm | [256,32000] | 10×, **20×** | 10×, **20×** | 10×, **20×** | 10×, **20×** | 1.25 | ' +
      '2.5×, 2.5×, 2.5×, 2.5× | 1.00, 1.00, 1.00, 1.00 |');
  expect(formatTable(r)).toContain('speedup vs tfjs ops');
  const md = formatReport({...report(r), shapes: {relatives: [[256, 32000]]}});
  expect(md).toContain('## Cross-entropy\'s relatives');
  expect(speedupChart({...report(r), shapes: {relatives: [[256, 32000]]}})).toContain('distillation');
});
