/**
 * The benchmark report's Markdown and SVG (benchmarks/markdown.ts, chart.ts), on made-up rows: no
 * backend runs here, so the numbers are chosen to make each ratio easy to check.
 */
import {speedupChart} from '../benchmarks/chart';
import {formatReport, formatSummary, formatTable} from '../benchmarks/markdown';
import {toJson} from '../benchmarks/report';
import type {Kind, MethodId, Report, Row} from '../benchmarks/row';

const MS: Array<[Kind, MethodId, number, number]> = [  // kind, method, median ms, peak ratio
  ['loss', 'tf.losses', 40, 5.2], ['loss', 'tfjs-layers', 60, 10.6], ['loss', 'fused', 2, 1.0],
  ['value-and-grad', 'tf.losses', 120, 5.5], ['value-and-grad', 'tfjs-layers', 180, 12],
  ['value-and-grad', 'fused tape', 4, 1.5], ['value-and-grad', 'fused loss-and-grad', 3, 1.0],
];

function rows(backend: string, shape: [number, number], scale = 1): Row[] {
  return MS.map(([kind, method, ms, peakRatio]) => {
    const medianMs = ms * scale;
    const base = MS.find(([k, m]) => k === kind && m === 'tf.losses')![2] * scale;
    return {backend, shape, kind, method, label: `${method} <${kind}>`, medianMs, reps: 1, speedup: base / medianMs,
      minBytes: 1e6, gbps: 1e6 / 1e9 / (medianMs / 1e3), copyMs: 0.5, copyGbps: 8, vsCopy: medianMs / 0.5,
      peakBytes: peakRatio * 2 ** 20, peakRatio, kernels: 2, identities: 1};
  });
}

const all = [...rows('cpu', [64, 10]), ...rows('cpu', [8, 262144], 10), ...rows('webgl', [64, 10])];

function report(r: Row[]): Report {
  return {date: '2030-01-02T03:04:05.000Z', args: '', runs: 7, warmupRounds: 2, shapes: [[64, 10], [8, 262144]],
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
