/**
 * benchmarks/results/speedup.svg, written by hand (plain SVG text, no chart library): per family
 * (softmax; sigmoid with focal), value-and-grad speedup over the baseline per backend and shape (one small
 * panel per backend, log scale, bars grow from 1×), then per family the peak memory per shape
 * (peak / (logits + grad), fused against the built-ins).
 */
import {groups, shapeText} from './markdown';
import {Family, FAMILIES, familyOf, LinearMethodId, LinearReport, LinearRow, Loss, MethodId, Report, Row} from './row';

const WIDTH = 960;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** One kind of bar: a method of a loss, its colour and its legend name. */
interface Series {
  loss: Loss;
  method: MethodId;
  color: string;
  name: string;
}

const series = (loss: Loss, method: MethodId, color: string, name: string): Series => ({loss, method, color, name});

const SOFTMAX = {
  builtin: series('softmax', 'tf.losses', '#9a9a9a', 'tf.losses (one-hot)'),
  layers: series('softmax', 'tfjs-layers', '#6fb5a8', 'tfjs-layers sparseCategoricalCrossentropy'),
  tape: series('softmax', 'fused tape', '#4c78a8', 'fused: tf.valueAndGrad (tape)'),
  lag: series('softmax', 'fused loss-and-grad', '#f08a24', 'fused: softmaxCrossEntropyWithGrad'),
};
const SIGMOID = {
  builtin: series('sigmoid', 'tf.losses', '#9a9a9a', 'tf.losses'),
  layers: series('sigmoid', 'tfjs-layers', '#6fb5a8', 'tfjs-layers binaryCrossentropy'),
  tape: series('sigmoid', 'fused tape', '#4c78a8', 'tape'),
  lag: series('sigmoid', 'fused loss-and-grad', '#f08a24', 'loss-and-grad'),
  focalOps: series('focal', 'tfjs ops', '#c9b98f', 'focal: tfjs ops'),
  focalTape: series('focal', 'fused tape', '#8e6bb8', 'focal: tape'),
  focalLag: series('focal', 'fused loss-and-grad', '#d6455f', 'focal: loss-and-grad'),
};

const RELATIVES = {
  focalOps: series('softmax-focal', 'tfjs ops', '#c9b98f', 'tfjs ops (each loss\'s)'),
  focal: series('softmax-focal', 'fused loss-and-grad', '#d6455f', 'focal'),
  kl: series('kl', 'fused loss-and-grad', '#4c78a8', 'KL'),
  distillation: series('distillation', 'fused loss-and-grad', '#f08a24', 'distillation'),
  entropy: series('entropy', 'fused loss-and-grad', '#54a24b', 'entropy'),
};

/** Per family: the speedup section's title, its bars, and the memory panel's bars. */
const SECTIONS: Record<Family, {title: string, speedup: Series[], memory: Series[]}> = {
  softmax: {
    title: 'Softmax cross-entropy: speedup over tf.losses.softmaxCrossEntropy',
    speedup: [SOFTMAX.tape, SOFTMAX.lag],
    memory: [SOFTMAX.builtin, SOFTMAX.layers, SOFTMAX.tape, SOFTMAX.lag],
  },
  sigmoid: {
    title: 'Sigmoid cross-entropy: speedup over tf.losses.sigmoidCrossEntropy; focal (γ = 2, α = 0.25): over tfjs ops',
    speedup: [SIGMOID.tape, SIGMOID.lag, SIGMOID.focalTape, SIGMOID.focalLag],
    memory: [SIGMOID.builtin, SIGMOID.layers, SIGMOID.tape, SIGMOID.lag, SIGMOID.focalOps, SIGMOID.focalTape,
      SIGMOID.focalLag],
  },
  relatives: {
    title: 'Relatives (focal γ = 2, KL, distillation T = 2, entropy): loss-and-grad speedup over each one\'s tfjs ops',
    speedup: [RELATIVES.focal, RELATIVES.kl, RELATIVES.distillation, RELATIVES.entropy],
    memory: [RELATIVES.focalOps, RELATIVES.focal, RELATIVES.kl, RELATIVES.distillation, RELATIVES.entropy],
  },
};

/** The row of a series in a group of one backend, family and shape. */
const pick = (g: Row[], s: Series) => g.find((r) => r.kind === 'value-and-grad' && r.loss === s.loss && r.method === s.method);

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

function legend(x: number, y: number, bars: Series[]): string[] {
  const out: string[] = [];
  for (const b of bars) {
    out.push(rect(x, y - 10, 12, 12, b.color), text(x + 17, y, b.name, 'font-size="12"'));
    x += 36 + b.name.length * 6.5;  // a wide guess at 12px Helvetica's mean advance
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

// one significant digit at least: a composite fallback's 0.03× is not 0.0
const label = (v: number) => (v >= 10 ? v.toFixed(0) : v >= 0.1 ? v.toFixed(1) : v.toPrecision(1));

/** One backend's panel: per shape, a bar per series (the tape and loss-and-grad of each loss). */
function speedupPanel(x0: number, y0: number, w: number, h: number, backend: string, rows: Row[][],
    ticks: number[], bars: Series[]): string[] {
  const out = [text(x0 + w / 2, y0 - 8, backend, 'font-size="14" font-weight="bold" text-anchor="middle"')];
  const [lo, hi] = [ticks[0], ticks[ticks.length - 1]];
  const y = (v: number) => y0 + h - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * h;
  for (const t of ticks) {
    out.push(line(x0, y(t), x0 + w, y(t), t === 1 ? '#444' : '#e2e2e2', t === 1 ? 1.2 : 1),
        text(x0 - 5, y(t) + 4, `${t}×`, 'font-size="10" text-anchor="end" fill="#555"'));
  }
  const slot = w / rows.length;
  for (const [i, g] of rows.entries()) {
    const barW = Math.min(22, (slot - 10) / bars.length);
    for (const [j, b] of bars.entries()) {
      const r = pick(g, b);
      if (!r || !isFinite(r.speedup) || r.speedup <= 0) continue;
      const x = x0 + i * slot + (slot - barW * bars.length) / 2 + j * barW;
      const [top, bottom] = [Math.min(y(r.speedup), y(1)), Math.max(y(r.speedup), y(1))];
      out.push(rect(x + 1, top, barW - 2, bottom - top, b.color,
          `${backend} ${shapeText(r.shape)} ${b.name}: ${r.speedup.toFixed(2)}× (${r.medianMs.toFixed(2)} ms)`),
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
 * Peak memory per shape for each value-and-grad method of one family. tf.profile counts tensor bytes,
 * the same on every backend in our runs; where backends disagree the panel says so and shows the first
 * (of the family's rows; a backend may lack one of them, such as Chromium's cpu for sigmoid, and where
 * the first has no row to compare with, nothing differs).
 */
function memoryPanel(x0: number, y0: number, w: number, h: number, rows: Row[], family: Family): string[] {
  const first = rows[0].backend;
  const vg = rows.filter((r) => r.kind === 'value-and-grad');
  const same = (a: Row, b: Row) => a.loss === b.loss && a.method === b.method && `${a.shape}` === `${b.shape}`;
  const spread = vg.some((r) => {
    const shown = vg.find((s) => s.backend === first && same(s, r));
    return shown !== undefined && Math.abs(r.peakRatio - shown.peakRatio) > 0.01;
  });
  const shown = groups(vg.filter((r) => r.backend === first), 'family');
  const bars = SECTIONS[family].memory;
  // at most 8 gridlines: 1, 2, 5 × 10^k apart
  const peak = Math.max(...shown.flat().map((r) => r.peakRatio));
  const step = [1, 2, 5, 10, 20, 50, 100].find((s) => peak / s <= 8) ?? 200;
  const top = step * Math.max(1, Math.ceil(peak / step));
  const y = (v: number) => y0 + h - v / top * h;
  const out = [text(x0 - 30, y0 - 44, `Peak memory of ${family} value-and-grad: tf.profile peakBytes / (logits + gradient)` +
      (spread ? ` (${first}; other backends differ, see latest.md)` : ', the same on every backend') +
      '; lower is better',
  'font-size="14" font-weight="bold"'), ...legend(x0 - 30, y0 - 18, bars)];
  for (let t = 0; t <= top; t += step) {
    out.push(line(x0, y(t), x0 + w, y(t), t === 0 ? '#444' : '#e2e2e2'),
        text(x0 - 5, y(t) + 4, `${t}`, 'font-size="10" text-anchor="end" fill="#555"'));
  }
  const slot = w / shown.length;
  const barW = Math.min(34, (slot - 24) / bars.length);
  for (const [i, g] of shown.entries()) {
    for (const [j, b] of bars.entries()) {
      const r = pick(g, b);
      if (!r) continue;
      const x = x0 + i * slot + (slot - barW * bars.length) / 2 + j * barW;
      out.push(rect(x + 2, y(r.peakRatio), barW - 4, y(0) - y(r.peakRatio), b.color,
          `${shapeText(r.shape)} ${b.name}: ${(r.peakBytes / 2 ** 20).toFixed(1)} MiB`),
      text(x + barW / 2, y(r.peakRatio) - 3, r.peakRatio.toFixed(r.peakRatio < 2 ? 2 : 1),
          'font-size="10" text-anchor="middle" fill="#222"'));
    }
    out.push(text(x0 + (i + 0.5) * slot, y0 + h + 15, shapeText(g[0].shape), 'font-size="11" text-anchor="middle" fill="#333"'));
  }
  return out;
}

/**
 * The whole chart: a title, then per family its speedup panels (one per backend, three to a line), then
 * per family its memory panel.
 */
export function speedupChart(report: Report): string {
  const families = FAMILIES.filter((f) => report.rows.some((r) => familyOf(r.loss) === f));
  const ticks = logTicks(report.rows.filter((r) => r.kind === 'value-and-grad' && r.method.startsWith('fused') &&
      isFinite(r.speedup) && r.speedup > 0).map((r) => r.speedup));
  const cols = 3;
  const [panelW, panelH, left, cellW, cellH] = [250, 170, 50, WIDTH / cols, 240];
  const body: string[] = [];
  let top = 56;  // below the title and the line of facts
  for (const family of families) {
    const byBackend = new Map<string, Row[][]>();
    for (const g of groups(report.rows.filter((r) => familyOf(r.loss) === family), 'family')) {
      byBackend.set(g[0].backend, [...(byBackend.get(g[0].backend) ?? []), g]);
    }
    const {title, speedup} = SECTIONS[family];
    body.push(text(20, top + 22, title, 'font-size="14" font-weight="bold"'), ...legend(20, top + 44, speedup),
        text(WIDTH - 20, top + 44, 'higher is better (log scale, bars from 1×)', 'font-size="12" fill="#555" text-anchor="end"'));
    const backends = [...byBackend.keys()];
    for (const [i, b] of backends.entries()) {
      const x = (i % cols) * cellW + left;
      const y = top + 66 + Math.floor(i / cols) * cellH + 20;
      body.push(...speedupPanel(x, y, panelW, panelH, b, byBackend.get(b)!, ticks, speedup));
    }
    top += 66 + Math.ceil(backends.length / cols) * cellH;
  }
  for (const family of families) {
    top += 40;
    body.push(...memoryPanel(left, top + 60, WIDTH - left - 30, 150,
        report.rows.filter((r) => familyOf(r.loss) === family), family));
    top += 240;  // the panel starts 60 below its top, and its shape labels end 165 below that
  }
  const height = top;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    rect(0, 0, WIDTH, height, '#fff'),
    text(20, 28, 'Fused cross-entropy against tfjs: value-and-grad speedup and peak memory', 'font-size="17" font-weight="bold"'),
    text(20, 48, `npm run bench, ${report.date.slice(0, 10)}: median of ${report.runs} runs` +
        `${families.includes('sigmoid') ? ` (${report.slowRuns} for a sigmoid step over 1 s)` : ''}; ${report.machine.cores}-core ` +
        `${report.machine.cpu}; webgl and webgpu on ${/SwiftShader/i.test(JSON.stringify(report.backends)) ?
          'SwiftShader (no GPU)' : 'the machine\'s GPU'}`, 'font-size="12" fill="#555"'),
    ...body, '</svg>', '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The linear head's chart (--loss linear): benchmarks/results/linear/speedup.svg
// ---------------------------------------------------------------------------------------------------

const LINEAR_BARS: Array<{method: LinearMethodId, color: string, name: string}> = [
  {method: 'fused loss-and-grad', color: '#f08a24', name: 'fused: linearCrossEntropyWithGrad'},
  {method: 'fused tape', color: '#4c78a8', name: 'fused: tf.valueAndGrads (tape)'},
  {method: 'unfused ours', color: '#6fb5a8', name: 'unfused ours ([N, V] logits)'},
  {method: 'tf.losses', color: '#9a9a9a', name: 'tf.losses (one-hot)'},
];

/**
 * One log-scale panel over every backend and shape: a bar per method of `value` (a median in s, a peak
 * in MiB); a method that failed for memory is marked OOM where its bar would be.
 */
function linearPanel(x0: number, y0: number, w: number, h: number, groups: LinearRow[][], title: string, unit: string,
    value: (r: LinearRow) => number | undefined): string[] {
  const values = groups.flat().map(value).filter((v): v is number => v !== undefined && v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const y = (v: number) => y0 + h - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * h;
  const out = [text(x0 - 40, y0 - 14, title, 'font-size="14" font-weight="bold"')];
  for (let t = lo; t <= hi * 1.001; t *= 10) {
    out.push(line(x0, y(t), x0 + w, y(t), '#e2e2e2'),
        text(x0 - 5, y(t) + 4, `${t >= 1 ? t.toFixed(0) : t.toPrecision(1)} ${unit}`, 'font-size="10" text-anchor="end" fill="#555"'));
  }
  const slot = w / groups.length;
  const barW = Math.min(22, (slot - 8) / LINEAR_BARS.length);
  for (const [i, g] of groups.entries()) {
    for (const [j, b] of LINEAR_BARS.entries()) {
      const r = g.find((x) => x.method === b.method);
      if (!r) continue;
      const x = x0 + i * slot + (slot - barW * LINEAR_BARS.length) / 2 + j * barW;
      const v = value(r);
      if (v === undefined || !(v > 0)) {
        if (r.error !== undefined) {
          out.push(text(x + barW / 2, y0 + h - 4, r.error.startsWith('out of memory') ? 'OOM' : 'failed',
              `font-size="9" fill="#c0392b" text-anchor="middle" transform="rotate(-90 ${f(x + barW / 2)} ${f(y0 + h - 4)})"`));
        }
        continue;
      }
      out.push(rect(x + 1, y(v), barW - 2, y0 + h - y(v), b.color,
          `${r.backend} ${shapeText(r.shape as unknown as [number, number])} ${b.name}: ${v.toFixed(1)} ${unit}`));
    }
    const cx = x0 + (i + 0.5) * slot;
    out.push(text(cx, y0 + h + 14, g[0].backend, 'font-size="11" text-anchor="middle" fill="#333"'),
        text(cx, y0 + h + 27, shapeText(g[0].shape as unknown as [number, number]), 'font-size="10" text-anchor="middle" fill="#333"'));
  }
  return out;
}

/** The linear rows' chart: median time and peak memory of each method, per backend and shape. */
export function linearChart(report: LinearReport): string {
  const byKey = new Map<string, LinearRow[]>();
  for (const r of report.rows) byKey.set(`${r.backend} ${r.shape}`, [...(byKey.get(`${r.backend} ${r.shape}`) ?? []), r]);
  const all = [...byKey.values()];
  const [left, w, h] = [90, WIDTH - 120, 200];
  const body = [...legend(20, 70, LINEAR_BARS.map((b) => series('softmax', 'fused', b.color, b.name))),
    ...linearPanel(left, 120, w, h, all, 'Median time of a value-and-grad step (log scale; lower is better)', 's',
        (r) => (r.medianMs === undefined ? undefined : r.medianMs / 1e3)),
    ...linearPanel(left, 120 + h + 90, w, h, all,
        'Peak memory beyond the inputs, tf.profile (log scale; lower is better)', 'MiB',
        (r) => (r.peakBytes === undefined ? undefined : r.peakBytes / 2 ** 20))];
  const height = 120 + 2 * h + 90 + 45;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    rect(0, 0, WIDTH, height, '#fff'),
    text(20, 28, 'The fused linear + cross-entropy head: time and peak memory of value-and-grad', 'font-size="17" font-weight="bold"'),
    text(20, 48, `npx tsx benchmarks/run.ts ${report.args}, ${report.date.slice(0, 10)}; ${report.machine.cores}-core ` +
        `${report.machine.cpu}; webgl and webgpu on SwiftShader (no GPU)`, 'font-size="12" fill="#555"'),
    ...body, '</svg>', '',
  ].join('\n');
}
