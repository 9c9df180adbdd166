/**
 * benchmarks/results/speedup.svg, written by hand (plain SVG text, no chart library): value-and-grad
 * speedup over tf.losses per backend and shape (one small panel per backend, log scale, bars grow from
 * 1×), and peak memory per shape (peak / (logits + grad), fused against the built-ins).
 */
import {find, groups, shapeText} from './markdown';
import type {MethodId, Report, Row} from './row';

const WIDTH = 960;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const COLORS: Record<MethodId, string> = {
  'tf.losses': '#9a9a9a', 'tfjs-layers': '#6fb5a8', 'fused': '#4c78a8', 'fused tape': '#4c78a8',
  'fused loss-and-grad': '#f08a24',
};
const NAMES: Record<MethodId, string> = {
  'tf.losses': 'tf.losses (one-hot)', 'tfjs-layers': 'tfjs-layers sparseCategoricalCrossentropy',
  'fused': 'fused softmaxCrossEntropy', 'fused tape': 'fused: tf.valueAndGrad (tape)',
  'fused loss-and-grad': 'fused: softmaxCrossEntropyWithGrad',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (v: number) => +v.toFixed(1);

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${f(x)}" y="${f(y)}" ${attrs}>${esc(s)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string, title?: string): string {
  const body = title === undefined ? '' : `<title>${esc(title)}</title>`;
  return `<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(Math.max(h, 0))}" fill="${fill}">${body}</rect>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1): string {
  return `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" stroke="${stroke}" stroke-width="${width}"/>`;
}

function legend(x: number, y: number, methods: MethodId[]): string[] {
  const out: string[] = [];
  for (const m of methods) {
    out.push(rect(x, y - 10, 12, 12, COLORS[m]), text(x + 17, y, NAMES[m], 'font-size="12"'));
    x += 36 + NAMES[m].length * 6.5;  // a wide guess at 12px Helvetica's mean advance
  }
  return out;
}

/** Ticks 1, 2, 5 × 10^k from below the smallest value to above the largest; 1 always inside. */
function logTicks(values: number[]): number[] {
  const lo = Math.min(1, ...values);
  const hi = Math.max(2, ...values);
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) ticks.push(m * 10 ** e);
  }
  // a tick below the smallest value, so that a bar under 1× and its label stay above the shape labels
  const first = ticks.filter((t) => t < lo).pop()!;
  const last = ticks.find((t) => t >= hi)!;
  return ticks.filter((t) => t >= first && t <= last);
}

const label = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1));

/** One backend's panel: per shape, a bar for the tape and one for loss-and-grad. */
function speedupPanel(x0: number, y0: number, w: number, h: number, backend: string, rows: Row[][],
    ticks: number[]): string[] {
  const out = [text(x0 + w / 2, y0 - 8, backend, 'font-size="14" font-weight="bold" text-anchor="middle"')];
  const [lo, hi] = [ticks[0], ticks[ticks.length - 1]];
  const y = (v: number) => y0 + h - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * h;
  for (const t of ticks) {
    out.push(line(x0, y(t), x0 + w, y(t), t === 1 ? '#444' : '#e2e2e2', t === 1 ? 1.2 : 1),
        text(x0 - 5, y(t) + 4, `${t}×`, 'font-size="10" text-anchor="end" fill="#555"'));
  }
  const slot = w / rows.length;
  for (const [i, g] of rows.entries()) {
    const methods: MethodId[] = ['fused tape', 'fused loss-and-grad'];
    const barW = Math.min(22, (slot - 10) / methods.length);
    for (const [j, m] of methods.entries()) {
      const r = find(g, 'value-and-grad', m);
      if (!r || !isFinite(r.speedup) || r.speedup <= 0) continue;
      const x = x0 + i * slot + (slot - barW * methods.length) / 2 + j * barW;
      const [top, bottom] = [Math.min(y(r.speedup), y(1)), Math.max(y(r.speedup), y(1))];
      out.push(rect(x + 1, top, barW - 2, bottom - top, COLORS[m],
          `${backend} ${shapeText(r.shape)} ${NAMES[m]}: ${r.speedup.toFixed(2)}× (${r.medianMs.toFixed(2)} ms)`),
      text(x + barW / 2, r.speedup >= 1 ? top - 3 : bottom + 10, label(r.speedup),
          'font-size="10" text-anchor="middle" fill="#222"'));
    }
    const cx = x0 + (i + 0.5) * slot;
    out.push(text(cx, y0 + h + 13, shapeText(g[0].shape), `font-size="10" text-anchor="end" fill="#333" ` +
        `transform="rotate(-30 ${f(cx)} ${f(y0 + h + 13)})"`));
  }
  return out;
}

/**
 * Peak memory per shape for each value-and-grad method. tf.profile counts tensor bytes, the same on
 * every backend in our runs; where backends disagree the panel says so and shows the first.
 */
function memoryPanel(x0: number, y0: number, w: number, h: number, rows: Row[]): string[] {
  const first = rows[0].backend;
  const vg = rows.filter((r) => r.kind === 'value-and-grad');
  const spread = vg.some((r) => Math.abs(r.peakRatio -
      vg.find((s) => s.backend === first && s.method === r.method && `${s.shape}` === `${r.shape}`)!.peakRatio) > 0.01);
  const shown = groups(vg.filter((r) => r.backend === first));
  const methods: MethodId[] = ['tf.losses', 'tfjs-layers', 'fused tape', 'fused loss-and-grad'];
  const top = 2 * Math.ceil(Math.max(...shown.flat().map((r) => r.peakRatio)) / 2);
  const y = (v: number) => y0 + h - v / top * h;
  const out = [text(x0 - 30, y0 - 44, 'Peak memory of value-and-grad: tf.profile peakBytes / (logits + gradient)' +
      (spread ? ` (${first}; other backends differ, see latest.md)` : ', the same on every backend') +
      '; lower is better',
  'font-size="14" font-weight="bold"'), ...legend(x0 - 30, y0 - 18, methods)];
  const step = top > 8 ? 2 : 1;
  for (let t = 0; t <= top; t += step) {
    out.push(line(x0, y(t), x0 + w, y(t), t === 0 ? '#444' : '#e2e2e2'),
        text(x0 - 5, y(t) + 4, `${t}`, 'font-size="10" text-anchor="end" fill="#555"'));
  }
  const slot = w / shown.length;
  const barW = Math.min(34, (slot - 24) / methods.length);
  for (const [i, g] of shown.entries()) {
    for (const [j, m] of methods.entries()) {
      const r = find(g, 'value-and-grad', m);
      if (!r) continue;
      const x = x0 + i * slot + (slot - barW * methods.length) / 2 + j * barW;
      out.push(rect(x + 2, y(r.peakRatio), barW - 4, y(0) - y(r.peakRatio), COLORS[m],
          `${shapeText(r.shape)} ${NAMES[m]}: ${(r.peakBytes / 2 ** 20).toFixed(1)} MiB`),
      text(x + barW / 2, y(r.peakRatio) - 3, r.peakRatio.toFixed(r.peakRatio < 2 ? 2 : 1),
          'font-size="10" text-anchor="middle" fill="#222"'));
    }
    out.push(text(x0 + (i + 0.5) * slot, y0 + h + 15, shapeText(g[0].shape), 'font-size="11" text-anchor="middle" fill="#333"'));
  }
  return out;
}

export function speedupChart(report: Report): string {
  const byBackend = new Map<string, Row[][]>();
  for (const g of groups(report.rows)) byBackend.set(g[0].backend, [...(byBackend.get(g[0].backend) ?? []), g]);
  const ticks = logTicks(report.rows.filter((r) => r.kind === 'value-and-grad' && r.method.startsWith('fused') &&
      isFinite(r.speedup) && r.speedup > 0).map((r) => r.speedup));
  const cols = 3;
  const [panelW, panelH, left, cellW, cellH] = [250, 170, 50, WIDTH / cols, 240];
  const panelsTop = 96;
  const backends = [...byBackend.keys()];
  const memTop = panelsTop + Math.ceil(backends.length / cols) * cellH + 40;
  const height = memTop + 240;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    rect(0, 0, WIDTH, height, '#fff'),
    text(20, 28, 'Fused softmax cross-entropy: value-and-grad speedup over tf.losses.softmaxCrossEntropy',
        'font-size="17" font-weight="bold"'),
    text(20, 48, `npm run bench, ${report.date.slice(0, 10)}: median of ${report.runs} runs; ${report.machine.cores}-core ` +
        `${report.machine.cpu}; webgl and webgpu on ${/SwiftShader/i.test(JSON.stringify(report.backends)) ?
          'SwiftShader (no GPU)' : 'the machine\'s GPU'}; higher is better (log scale, bars from 1×)`, 'font-size="12" fill="#555"'),
    ...legend(20, 74, ['fused tape', 'fused loss-and-grad']),
  ];
  for (const [i, b] of backends.entries()) {
    const x = (i % cols) * cellW + left;
    const y = panelsTop + Math.floor(i / cols) * cellH + 20;
    out.push(...speedupPanel(x, y, panelW, panelH, b, byBackend.get(b)!, ticks));
  }
  out.push(...memoryPanel(left, memTop + 60, WIDTH - left - 30, 150, report.rows), '</svg>', '');
  return out.join('\n');
}
